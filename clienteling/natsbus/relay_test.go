package natsbus_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/natsbus"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

func announce(r *clienteling.Receipt) []clienteling.Event {
	return []clienteling.Event{{Type: clienteling.EventMessageReceived, Subject: clienteling.EventSubject(clienteling.EventMessageReceived),
		Data: clienteling.MessageReceived{Customer: r.Customer.ID, Message: r.Message.ID, Channel: r.Message.Channel, Type: r.Message.Type}}}
}

// TestRelaySurvivesNATSOutage stops NATS while clients write, then starts it
// again: every event arrives, and none twice.
func TestRelaySurvivesNATSOutage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nats := clientelingtest.RunNATS(t)

	db := clientelingtest.MustOpenDB(t)
	bus, err := natsbus.Open(ctx, natsbus.Config{URLs: nats.URL, Name: "relay-test"}, discard)
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
	send(0, 50)
	clientelingtest.CheckFor(t, 10*time.Second, streamHolds(t, nats.URL, 50))

	nats.Stop()
	send(50, 150) // written while NATS is down: they wait in the outbox
	if pending, _ := db.PendingEvents(ctx, 1000); len(pending) == 0 {
		t.Fatal("no events waiting in the outbox during the outage")
	}
	nats.Start()
	clientelingtest.CheckFor(t, 20*time.Second, streamHolds(t, nats.URL, 150))
	clientelingtest.CheckFor(t, 5*time.Second, func() error {
		if pending, _ := db.PendingEvents(ctx, 1000); len(pending) != 0 {
			return fmt.Errorf("%d events still in the outbox", len(pending))
		}
		return nil
	})
}
