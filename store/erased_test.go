package store_test

import (
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// WeChat redelivers a message it saw no answer to for about 15 seconds. A
// client erased in between must stay erased: the redelivery is a duplicate
// of what was erased, and recreates neither the client nor the message.
func TestErasedClientRedeliveryRecreatesNothing(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	delivery := func() *clienteling.Inbound {
		return inbound("oa", "oERASED00001", "uERASED00001", "oa:erased-1", "请删除我的资料")
	}
	first, err := db.Receive(ctx, delivery(), announceReceived)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCustomer(ctx, first.Customer.ID); err != nil {
		t.Fatal(err)
	}
	pending, err := db.PendingEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}

	for i := range 3 {
		r, err := db.Receive(ctx, delivery(), announceReceived)
		if err != nil {
			t.Fatalf("redelivery %d: %v", i, err)
		}
		if !r.Duplicate || r.NewCustomer {
			t.Fatalf("redelivery %d: got %+v, want a duplicate that creates no client", i, r)
		}
	}
	if c, err := db.FindCustomerByIdentity(ctx, clienteling.Identity{Channel: "oa", ExternalID: "oERASED00001"}); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("the erased openid: got %+v %v, want ENOTFOUND", c, err)
	}
	if cs, err := db.FindCustomers(ctx, clienteling.CustomerFilter{}); err != nil || len(cs) != 0 {
		t.Fatalf("customers after the redeliveries: %d %v, want none", len(cs), err)
	}
	if _, err := db.FindMessage(ctx, first.Message.ID); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("the erased message: %v, want ENOTFOUND", err)
	}
	after, err := db.PendingEvents(ctx, 100)
	if err != nil || len(after) != len(pending) {
		t.Fatalf("outbox: %d events after the redeliveries, %d before (%v): a redelivery announced something", len(after), len(pending), err)
	}
}
