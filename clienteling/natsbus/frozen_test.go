//go:build unix

package natsbus_test

import (
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/store"
)

// TestRelaySurvivesFrozenNATS freezes the server mid-stream, as a stalled
// host would be: the connection stays open and nothing is acknowledged.
// The relay gives up on each publish at its deadline and retries; once the
// server resumes, every event is in the stream once and the outbox drains.
func TestRelaySurvivesFrozenNATS(t *testing.T) {
	srv := clientelingtest.RunNATSProcess(t)
	rig := startRelay(t, srv.URL, store.Options{}, func(r *natsbus.Relay) { r.PublishTimeout = 300 * time.Millisecond })
	holds := func(n uint64) func() error { return streamHolds(t, srv.URL, n) }
	holds150 := holds(150) // connected before the freeze

	rig.send(0, 50)
	clientelingtest.CheckFor(t, 10*time.Second, holds(50))

	srv.Freeze()
	rig.send(50, 150)
	clientelingtest.CheckFor(t, 10*time.Second, rig.log.saying("not acknowledged within 300ms"))
	srv.Thaw()

	clientelingtest.CheckFor(t, 20*time.Second, holds150)
	clientelingtest.CheckFor(t, 10*time.Second, rig.outboxEmpty)
	clientelingtest.CheckFor(t, 10*time.Second, rig.log.saying("outbox relay: publishing again"))
}
