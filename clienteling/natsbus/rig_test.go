package natsbus_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/store"
)

// logBuffer collects a logger's output for tests that read it while the
// relay writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// saying returns a condition for CheckFor: the log contains want.
func (b *logBuffer) saying(want string) func() error {
	return func() error {
		if !strings.Contains(b.String(), want) {
			return fmt.Errorf("log does not say %q:\n%s", want, b.String())
		}
		return nil
	}
}

// relayRig is a database, a bus to the NATS at url, and a relay between
// them, running until the test ends.
type relayRig struct {
	t     *testing.T
	db    *store.DB
	bus   *natsbus.Bus
	relay *natsbus.Relay
	log   *logBuffer
}

func startRelay(t *testing.T, url string, opts store.Options, tune func(*natsbus.Relay)) *relayRig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rig := &relayRig{t: t, db: clientelingtest.MustOpenDB(t, opts), log: &logBuffer{}}
	log := slog.New(slog.NewTextHandler(rig.log, nil))
	bus, err := natsbus.Open(ctx, natsbus.Config{URLs: url, Name: "relay-test"}, log)
	if err != nil {
		t.Fatal(err)
	}
	rig.bus = bus
	rig.relay = natsbus.NewRelay(rig.db, bus.JS, log)
	rig.relay.MaxBackoff = 100 * time.Millisecond
	if tune != nil {
		tune(rig.relay)
	}
	relayed := make(chan error, 1)
	go func() { relayed <- rig.relay.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-relayed; err != nil {
			t.Errorf("relay stopped with %v, want nil", err)
		}
		bus.Close()
	})
	return rig
}

// send commits messages numbered from up to (not including) to, each announced
// by one event, and wakes the relay.
func (rig *relayRig) send(from, to int) {
	rig.t.Helper()
	announce := func(r *clienteling.Receipt) []clienteling.Event {
		return []clienteling.Event{{Type: clienteling.EventMessageReceived, Subject: clienteling.EventSubject(clienteling.EventMessageReceived),
			Data: clienteling.MessageReceived{Customer: r.Customer.ID, Message: r.Message.ID, Channel: r.Message.Channel, Type: r.Message.Type}}}
	}
	for i := from; i < to; i++ {
		in := &clienteling.Inbound{Identity: clienteling.Identity{Channel: "oa", ExternalID: fmt.Sprintf("o%d", i%7)},
			Message: clienteling.Message{Type: "text", Text: fmt.Sprint(i)}, DedupeKey: fmt.Sprint("oa:", i)}
		if _, err := rig.db.Receive(context.Background(), in, announce); err != nil {
			rig.t.Fatal(err)
		}
		rig.relay.Wake()
	}
}

// outboxEmpty is a condition for CheckFor: the relay has had every event
// acknowledged.
func (rig *relayRig) outboxEmpty() error {
	pending, err := rig.db.PendingEvents(context.Background(), 1000)
	if err != nil {
		return err
	}
	if len(pending) != 0 {
		return fmt.Errorf("%d events still in the outbox", len(pending))
	}
	return nil
}

// streamHolds returns a condition for CheckFor: the events stream at url,
// read over a connection of its own, holds n events. JetStream keeps a
// republished event once (same Nats-Msg-Id), so n means each arrived once.
func streamHolds(t *testing.T, url string, n uint64) func() error {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := js.Stream(ctx, natsbus.EventsStream)
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
