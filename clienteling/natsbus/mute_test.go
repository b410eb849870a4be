package natsbus_test

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/store"
)

// muteProxy forwards loopback TCP connections to a server, and can be told
// to drop everything the server sends: a server, or a path to it, that
// takes every publish and acknowledges none.
type muteProxy struct {
	URL   string
	muted atomic.Bool
	l     net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startMuteProxy(t *testing.T, upstream string) *muteProxy {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &muteProxy{URL: "nats://" + l.Addr().String(), l: l}
	t.Cleanup(p.close)
	go p.serve(upstream)
	return p
}

func (p *muteProxy) serve(upstream string) {
	for {
		client, err := p.l.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", upstream)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		go func() {
			_, _ = io.Copy(server, client)
			server.Close()
		}()
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := server.Read(buf)
				if n > 0 && !p.muted.Load() {
					if _, err := client.Write(buf[:n]); err != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			client.Close()
		}()
	}
}

func (p *muteProxy) close() {
	p.l.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

// TestRelaySurvivesUnacknowledgedPublishes sends events through a path
// that swallows every acknowledgement for a while. The server stores the
// events; the relay, hearing nothing, retries each after its own deadline,
// and once acknowledgements flow again the outbox drains with every event
// stored once. A relay with one deadline for a whole batch waited for ever
// on the second unanswered publish.
func TestRelaySurvivesUnacknowledgedPublishes(t *testing.T) {
	srv := clientelingtest.RunNATS(t)
	proxy := startMuteProxy(t, srv.Server().Addr().String())
	rig := startRelay(t, proxy.URL, store.Options{}, func(r *natsbus.Relay) { r.PublishTimeout = 300 * time.Millisecond })
	holds := func(n uint64) func() error { return streamHolds(t, srv.URL, n) }

	rig.send(0, 50)
	clientelingtest.CheckFor(t, 10*time.Second, holds(50))
	clientelingtest.CheckFor(t, 10*time.Second, rig.outboxEmpty)

	proxy.muted.Store(true)
	rig.send(50, 150)
	// The server has them all, but no acknowledgement reached the relay.
	clientelingtest.CheckFor(t, 10*time.Second, holds(150))
	clientelingtest.CheckFor(t, 10*time.Second, rig.log.saying("not acknowledged within 300ms"))
	if err := rig.outboxEmpty(); err == nil {
		t.Fatal("outbox empty although no acknowledgement came back")
	}
	proxy.muted.Store(false)

	clientelingtest.CheckFor(t, 20*time.Second, rig.outboxEmpty)
	clientelingtest.CheckFor(t, 10*time.Second, holds(150))
	clientelingtest.CheckFor(t, 10*time.Second, rig.log.saying("outbox relay: publishing again"))
	// The client forgets the swallowed publishes too: left pending, enough
	// of them would stall every later publish.
	clientelingtest.CheckFor(t, 20*time.Second, func() error {
		if n := rig.bus.JS.PublishAsyncPending(); n != 0 {
			return fmt.Errorf("%d publishes still pending in the client", n)
		}
		return nil
	})
}
