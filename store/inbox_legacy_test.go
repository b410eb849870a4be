package store_test

import (
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// TestReceiveLegacyDedupeKey: deliveries stored under the key of an earlier
// release (MsgId without its sender) still dedupe a redelivery after the
// upgrade, but only the same client's, or an erased client's.
func TestReceiveLegacyDedupeKey(t *testing.T) {
	db := clientelingtest.MustOpenDB(t)
	old := func(external, msgID string) *clienteling.Inbound {
		return inbound("oa", external, "", "oa|msg|"+msgID, "stored before the upgrade")
	}
	upgraded := func(external, msgID string) *clienteling.Inbound {
		in := inbound("oa", external, "", "oa|msg|"+external+"|"+msgID, "delivered after the upgrade")
		in.LegacyDedupeKey = "oa|msg|" + msgID
		return in
	}
	first, err := db.Receive(ctx, old("oLEGACYA0001", "101"), announceReceived)
	if err != nil {
		t.Fatal(err)
	}
	erased, err := db.Receive(ctx, old("oLEGACYE0001", "102"), announceReceived)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCustomer(ctx, erased.Customer.ID); err != nil {
		t.Fatal(err)
	}

	t.Run("OK/SameClientIsDuplicate", func(t *testing.T) {
		r, err := db.Receive(ctx, upgraded("oLEGACYA0001", "101"), announceReceived)
		if err != nil || !r.Duplicate || r.Message.ID != first.Message.ID {
			t.Fatalf("got %+v, %v: want a duplicate of %s", r, err, first.Message.ID)
		}
	})
	t.Run("OK/OtherClientIsStored", func(t *testing.T) {
		r, err := db.Receive(ctx, upgraded("oLEGACYB0001", "101"), announceReceived)
		if err != nil || r.Duplicate || !r.NewCustomer {
			t.Fatalf("got %+v, %v: want a new client's message", r, err)
		}
		again, err := db.Receive(ctx, upgraded("oLEGACYB0001", "101"), announceReceived)
		if err != nil || !again.Duplicate || again.Message.ID != r.Message.ID {
			t.Fatalf("its redelivery: got %+v, %v: want a duplicate", again, err)
		}
	})
	t.Run("OK/ErasedClientRecreatesNothing", func(t *testing.T) {
		r, err := db.Receive(ctx, upgraded("oLEGACYE0001", "102"), announceReceived)
		if err != nil || !r.Duplicate || r.NewCustomer {
			t.Fatalf("got %+v, %v: want a duplicate that creates no client", r, err)
		}
		if _, err := db.FindCustomerByIdentity(ctx, clienteling.Identity{Channel: "oa", ExternalID: "oLEGACYE0001"}); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
			t.Fatalf("the erased client: %v, want ENOTFOUND", err)
		}
	})
	t.Run("OK/NewKeyUnknownLegacyKey", func(t *testing.T) {
		r, err := db.Receive(ctx, upgraded("oLEGACYA0001", "103"), announceReceived)
		if err != nil || r.Duplicate {
			t.Fatalf("got %+v, %v: want a new message", r, err)
		}
	})
}
