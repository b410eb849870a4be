package ingress_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/store"
)

// TestLoneWriterCostsOneCommitPerMessage posts a lone client's messages
// one after another over HTTP, with the outbox relay publishing each one
// to an embedded JetStream before the next is sent: the database commits
// once per message, because the relay's bookkeeping rides in the next
// receipt's commit instead of taking one (and its fsyncs) of its own.
func TestLoneWriterCostsOneCommitPerMessage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := clientelingtest.MustOpenDB(t, store.Options{RelayedFlushDelay: time.Hour})
	bus, err := natsbus.Open(ctx, natsbus.Config{StoreDir: t.TempDir(), Name: "commits"}, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	relay := natsbus.NewRelay(db, bus.JS, discard)
	relayed := make(chan struct{})
	go func() { _ = relay.Run(ctx); close(relayed) }()
	defer func() { cancel(); <-relayed }()
	srv, oa := newServer(t, db, relay.Wake)

	const n = 20
	before := db.Commits()
	now := time.Now()
	for i := range n {
		cb := oa.Safe(wechattest.TextMsg(appID, "oLONEWRITER", fmt.Sprintf("message %d", i), int64(1000+i), now).XML())
		if status, body := deliver(t, srv.Client(), srv.URL, cb); status != 200 || body != "success" {
			t.Fatalf("message %d: got %d %q", i, status, body)
		}
		// The relay has published and acknowledged everything so far.
		clientelingtest.CheckFor(t, 10*time.Second, func() error {
			if pending, err := db.PendingEvents(ctx, 100); err != nil || len(pending) > 0 {
				return fmt.Errorf("%d events not relayed yet (%v)", len(pending), err)
			}
			return nil
		})
	}
	if got := db.Commits() - before; got != n {
		t.Errorf("%d messages took %d commits, want one each", n, got)
	}
	stream, err := bus.JS.Stream(ctx, natsbus.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// One message.received each, and the client's customer.created.
	if got, want := info.State.Msgs, uint64(n+1); got != want {
		t.Errorf("stream holds %d events, want %d", got, want)
	}
}
