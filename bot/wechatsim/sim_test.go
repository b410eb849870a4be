package wechatsim

import "testing"

// startSim starts a Server for one test and closes it when the test ends.
// The simulator's own tests cannot use wechattest.Start, which imports
// this package.
func startSim(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}
