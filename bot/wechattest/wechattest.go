// Package wechattest starts the WeChat simulator, bot/wechatsim, for tests:
// Start fails the test if it cannot listen and closes the simulator when the
// test ends. It also names the simulator's types, builders and constants, so
// a test reads one package. Production code imports bot/wechatsim; nothing
// but tests imports this package.
package wechattest

import (
	"testing"

	"github.com/salonhq/salon/bot/wechatsim"
)

// Start starts a simulator on 127.0.0.1 for the test tb; it fails tb if the
// simulator cannot listen and closes it when tb ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := wechatsim.New(opts)
	if err != nil {
		tb.Fatalf("start the WeChat simulator: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}
