package store_test

import (
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// A message WeChat refused never reached the client, so it must not use
// up one of the five slots of their service window.
func TestFailedMessagesLeaveTheWindow(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	to := clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: "oFAILEDSLOT01"}
	r, err := db.Receive(ctx, inbound(to.Channel, to.ExternalID, "", "oa:failed-slot", "在吗？"), nil)
	if err != nil {
		t.Fatal(err)
	}
	enqueue := func() error {
		t.Helper()
		m := &clienteling.Message{Customer: r.Customer.ID, Channel: to.Channel, Type: clienteling.TypeText,
			Text: "您好", Author: clienteling.AuthorAssociate, At: time.Now()}
		return db.Enqueue(ctx, m, to, clienteling.CheckServiceWindow)
	}
	for i := 1; i <= clienteling.ServiceWindowMessages; i++ {
		if err := enqueue(); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	if err := enqueue(); clienteling.ErrorCode(err) != clienteling.ECONFLICT {
		t.Fatalf("sixth message: got %v, want ECONFLICT", err)
	}
	task, err := db.ClaimOutbound(ctx)
	if err != nil || task == nil {
		t.Fatalf("claim: %v %v", task, err)
	}
	if err := db.MarkFailed(ctx, task.Key, 45047, "out of response count limit"); err != nil {
		t.Fatal(err)
	}
	if err := enqueue(); err != nil {
		t.Fatalf("after one failed, a fifth live message: %v", err)
	}
	if err := enqueue(); clienteling.ErrorCode(err) != clienteling.ECONFLICT {
		t.Fatalf("a sixth live message: got %v, want ECONFLICT", err)
	}
}
