package clientelingtest

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// NATS is a real JetStream server on loopback, outside the code under
// test, that a test can stop and start again at the same address with the
// same storage, as an outage would.
type NATS struct {
	tb   testing.TB
	port int
	dir  string
	srv  *server.Server
	// URL is where clients connect.
	URL string
}

// RunNATS starts a JetStream server on a port the operating system picks
// (never picked and then released, which another test could take in
// between), storing under tb.TempDir(). It is shut down at cleanup.
func RunNATS(tb testing.TB) *NATS {
	tb.Helper()
	n := &NATS{tb: tb, port: -1, dir: tb.TempDir()}
	n.Start()
	n.port = n.srv.Addr().(*net.TCPAddr).Port
	n.URL = fmt.Sprintf("nats://127.0.0.1:%d", n.port)
	tb.Cleanup(n.Stop)
	return n
}

// Start starts the server again after Stop, at its address and with its
// storage.
func (n *NATS) Start() {
	n.tb.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: n.port, JetStream: true,
		StoreDir: n.dir, NoLog: true, NoSigs: true})
	if err != nil {
		n.tb.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		n.tb.Fatal("nats server not ready")
	}
	n.srv = s
}

// Stop shuts the server down and waits until it is gone.
func (n *NATS) Stop() {
	if n.srv == nil {
		return
	}
	n.srv.Shutdown()
	n.srv.WaitForShutdown()
	n.srv = nil
}

// Server is the running server, for tests that inspect its streams.
func (n *NATS) Server() *server.Server { return n.srv }
