package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

func TestOutboundWindowAndReconcile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := clientelingtest.MustOpenDB(t)
	to := clienteling.Identity{Channel: "oa", ExternalID: "oOUTBOUND01"}
	c := &clienteling.Customer{Identities: []clienteling.Identity{to}}
	c.Normalize()
	if err := db.CreateCustomers(ctx, []*clienteling.Customer{c}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	in := &clienteling.Message{Customer: c.ID, Direction: "in", Channel: "oa", Type: "text", Text: "hi",
		Author: "client", Status: "received", At: now.Add(-49 * time.Hour)}
	if _, err := db.AppendMessage(ctx, in); err != nil {
		t.Fatal(err)
	}
	out := func(at time.Time) *clienteling.Message {
		return &clienteling.Message{Customer: c.ID, Channel: "oa", Type: "text", Text: "hello", Author: "associate", At: at}
	}
	if err := db.Enqueue(ctx, out(now), to, clienteling.CheckServiceWindow); clienteling.ErrorCode(err) != clienteling.ECONFLICT {
		t.Fatalf("49 hours after the last inbound: got %v, want ECONFLICT", err)
	}
	in.ID, in.At = "", now.Add(-47*time.Hour)
	if _, err := db.AppendMessage(ctx, in); err != nil {
		t.Fatal(err)
	}
	m := out(now)
	if err := db.Enqueue(ctx, m, to, clienteling.CheckServiceWindow); err != nil {
		t.Fatalf("47 hours after: %v", err)
	}
	task, err := db.ClaimOutbound(ctx)
	if err != nil || task == nil || task.Message.ID != m.ID || task.Message.Status != clienteling.StatusSending || task.To != to {
		t.Fatalf("claim: %+v %v", task, err)
	}
	if again, err := db.ClaimOutbound(ctx); err != nil || again != nil {
		t.Fatalf("second claim: %+v %v, want nothing: the entry is sending", again, err)
	}
	// A crash here: the next start finds the entry sending.
	if n, err := db.ReconcileOutbound(ctx); err != nil || n != 1 {
		t.Fatalf("reconcile: %d %v, want 1", n, err)
	}
	got, err := db.FindMessage(ctx, m.ID)
	if err != nil || got.Status != clienteling.StatusFailed || got.ErrorReason != clienteling.ReasonInterrupted {
		t.Fatalf("after reconcile: %+v %v", got, err)
	}
	events, err := db.PendingEvents(ctx, 10)
	if err != nil || len(events) != 1 || events[0].Subject != "salon.events.message.failed" {
		t.Fatalf("outbox: %+v %v, want one message.failed event", events, err)
	}
	if n, err := db.ReconcileOutbound(ctx); err != nil || n != 0 {
		t.Fatalf("second reconcile: %d %v, want 0", n, err)
	}
}
