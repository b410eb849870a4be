package store_test

import (
	"encoding/json"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

func inbound(channel, external, union, key, text string) *clienteling.Inbound {
	return &clienteling.Inbound{
		Identity:  clienteling.Identity{Channel: channel, ExternalID: external},
		UnionID:   clienteling.UnionID(union),
		Message:   clienteling.Message{Type: "text", Text: text},
		DedupeKey: key,
	}
}

func announceReceived(r *clienteling.Receipt) []clienteling.Event {
	return []clienteling.Event{{Type: clienteling.EventMessageReceived, Subject: clienteling.EventSubject(clienteling.EventMessageReceived),
		Data: clienteling.MessageReceived{Customer: r.Customer.ID, Message: r.Message.ID, Channel: r.Message.Channel, Type: r.Message.Type}}}
}

func TestReceive(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	first, err := db.Receive(ctx, inbound("oa", "oAlice", "uAlice", "oa:1", "你好"), announceReceived)
	if err != nil {
		t.Fatal(err)
	}
	if !first.NewCustomer || first.Duplicate || first.Customer.Language != "zh-CN" {
		t.Fatalf("first receipt: %+v", first)
	}
	t.Run("OK/SameSenderSameCustomer", func(t *testing.T) {
		r, err := db.Receive(ctx, inbound("oa", "oAlice", "", "oa:2", "again"), announceReceived)
		if err != nil || r.NewCustomer || r.Customer.ID != first.Customer.ID {
			t.Fatalf("got %+v, %v", r, err)
		}
	})
	t.Run("OK/RedeliveryStoredOnce", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			r, err := db.Receive(ctx, inbound("oa", "oAlice", "uAlice", "oa:1", "你好"), announceReceived)
			if err != nil || !r.Duplicate || r.Message.ID != first.Message.ID {
				t.Fatalf("redelivery %d: got %+v, %v", i, r, err)
			}
		}
	})
	t.Run("OK/UnionIDMergesChannels", func(t *testing.T) {
		r, err := db.Receive(ctx, inbound("wecom", "wmAlice", "uAlice", "wecom:9", "hello from WeCom"), announceReceived)
		if err != nil || r.NewCustomer || r.Customer.ID != first.Customer.ID || len(r.Customer.Identities) != 2 {
			t.Fatalf("got %+v, %v", r, err)
		}
		byWeCom, err := db.FindCustomerByIdentity(ctx, clienteling.Identity{Channel: "wecom", ExternalID: "wmAlice"})
		if err != nil || byWeCom.ID != first.Customer.ID {
			t.Fatalf("lookup by the new identity: %v, %v", byWeCom, err)
		}
	})
	t.Run("ErrNoDedupeKey", func(t *testing.T) {
		if _, err := db.Receive(ctx, inbound("oa", "oBob", "", "", "x"), nil); clienteling.ErrorCode(err) != clienteling.EINVALID {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("OK/OutboxInCommitOrder", func(t *testing.T) {
		pending, err := db.PendingEvents(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(pending), 3; got != want {
			t.Fatalf("got %d events, want %d (one per stored message, none for duplicates)", got, want)
		}
		var payload struct {
			V    int
			ID   string
			Type string
			At   string
		}
		if err := json.Unmarshal(pending[0].Payload, &payload); err != nil || payload.V != 1 || payload.Type != "message.received" || payload.ID != pending[0].ID || payload.At == "" {
			t.Fatalf("payload %s: %v", pending[0].Payload, err)
		}
		for i := 1; i < len(pending); i++ {
			if pending[i].Key <= pending[i-1].Key {
				t.Fatal("events out of order")
			}
		}
		if err := db.AckEvents(ctx, []uint64{pending[0].Key, pending[1].Key}); err != nil {
			t.Fatal(err)
		}
		if left, _ := db.PendingEvents(ctx, 100); len(left) != 1 || left[0].Key != pending[2].Key {
			t.Fatalf("after ack: %+v", left)
		}
	})
}
