package profile_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/profile"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// TestEnricherRunStopsClean: without an Official Account the enricher
// clears each new client's task; when its context ends Run returns nil.
func TestEnricherRunStopsClean(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	ctx := context.Background()
	in := &clienteling.Inbound{Identity: clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: "oVIP0001"},
		Message: clienteling.Message{Type: "text", Text: "hello"}, DedupeKey: "oa:1"}
	if _, err := db.Receive(ctx, in, nil); err != nil {
		t.Fatal(err)
	}
	if tasks, err := db.PendingProfiles(ctx, 10); err != nil || len(tasks) != 1 {
		t.Fatalf("pending profiles %v, %v; want one", tasks, err)
	}

	e := profile.New(db, nil, slog.New(slog.DiscardHandler))
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- e.Run(runCtx) }()
	e.Wake()
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		tasks, err := db.PendingProfiles(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(tasks) != 0 {
			return fmt.Errorf("the enricher has not cleared the task: %d pending", len(tasks))
		}
		return nil
	})
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}

// TestEnricherAppliesARoundInOneCommit: a burst of new clients is
// enriched with one commit, not one each queued behind the receipts.
func TestEnricherAppliesARoundInOneCommit(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	ctx := context.Background()
	const n = 30
	for i := range n {
		in := &clienteling.Inbound{Identity: clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: fmt.Sprintf("oBURST%04d", i)},
			Message: clienteling.Message{Type: "text", Text: "hello"}, DedupeKey: fmt.Sprintf("oa:%d", i)}
		if _, err := db.Receive(ctx, in, nil); err != nil {
			t.Fatal(err)
		}
	}
	before := db.Commits()

	e := profile.New(db, nil, slog.New(slog.DiscardHandler))
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- e.Run(runCtx) }()
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if tasks, err := db.PendingProfiles(ctx, n); err != nil || len(tasks) != 0 {
			return fmt.Errorf("%d profiles still pending (%v)", len(tasks), err)
		}
		return nil
	})
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if got := db.Commits() - before; got != 1 {
		t.Errorf("enriching %d new clients took %d commits, want 1", n, got)
	}
}
