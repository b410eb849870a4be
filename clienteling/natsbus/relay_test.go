package natsbus_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/store/storetest"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// runServer starts a JetStream server on a fixed loopback port, so that a
// test can stop it and start it again where clients expect it.
func runServer(t *testing.T, port int, dir string) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	return s
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// checkFor polls cond until it holds or timeout passes.
func checkFor(t *testing.T, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func announce(r *clienteling.Receipt) []clienteling.Event {
	return []clienteling.Event{{Type: clienteling.EventMessageReceived, Subject: clienteling.EventSubject(clienteling.EventMessageReceived),
		Data: clienteling.MessageReceived{Customer: r.Customer.ID, Message: r.Message.ID, Channel: r.Message.Channel, Type: r.Message.Type}}}
}

// TestRelaySurvivesNATSOutage stops NATS while clients write, then starts it
// again: every event arrives, and none twice.
func TestRelaySurvivesNATSOutage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	port, natsDir := freePort(t), t.TempDir()
	srv := runServer(t, port, natsDir)
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)

	db := storetest.MustOpenDB(t)
	bus, err := natsbus.Open(ctx, natsbus.Config{URLs: url, Name: "relay-test"}, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	relay := natsbus.NewRelay(db, bus.JS, discard)
	relay.MaxBackoff = 100 * time.Millisecond
	relayed := make(chan error, 1)
	go func() { relayed <- relay.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-relayed; err != nil {
			t.Errorf("relay stopped with %v, want nil", err)
		}
	}()

	send := func(from, to int) {
		for i := from; i < to; i++ {
			in := &clienteling.Inbound{Identity: clienteling.Identity{Channel: "oa", ExternalID: fmt.Sprintf("o%d", i%7)},
				Message: clienteling.Message{Type: "text", Text: fmt.Sprint(i)}, DedupeKey: fmt.Sprint("oa:", i)}
			if _, err := db.Receive(ctx, in, announce); err != nil {
				t.Fatal(err)
			}
			relay.Wake()
		}
	}
	// The stream's count tells what JetStream kept: each event exactly
	// once, since a republish with the same Nats-Msg-Id is dropped.
	count := func(n uint64) func() error {
		return func() error {
			st, err := bus.JS.Stream(ctx, natsbus.EventsStream)
			if err != nil {
				return err
			}
			info, err := st.Info(ctx)
			if err != nil {
				return err
			}
			if info.State.Msgs != n {
				return fmt.Errorf("stream holds %d events, want %d", info.State.Msgs, n)
			}
			return nil
		}
	}
	send(0, 50)
	checkFor(t, 10*time.Second, count(50))

	srv.Shutdown()
	srv.WaitForShutdown()
	send(50, 150) // written while NATS is down: they wait in the outbox
	if pending, _ := db.PendingEvents(ctx, 1000); len(pending) == 0 {
		t.Fatal("no events waiting in the outbox during the outage")
	}
	srv = runServer(t, port, natsDir)
	defer srv.Shutdown()
	checkFor(t, 20*time.Second, count(150))
	checkFor(t, 5*time.Second, func() error {
		if pending, _ := db.PendingEvents(ctx, 1000); len(pending) != 0 {
			return fmt.Errorf("%d events still in the outbox", len(pending))
		}
		return nil
	})
}
