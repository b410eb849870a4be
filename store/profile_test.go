package store_test

import (
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

func TestApplyProfile(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	t.Run("OK/LanguageAndUnionID", func(t *testing.T) {
		r, err := db.Receive(ctx, inbound("oa", "oSolo", "", "oa:solo", "hello"), nil)
		if err != nil {
			t.Fatal(err)
		}
		pending, _ := db.PendingProfiles(ctx, 10)
		if len(pending) != 1 || pending[0].Customer != r.Customer.ID || pending[0].Identity.ExternalID != "oSolo" {
			t.Fatalf("pending: %+v", pending)
		}
		c, err := db.ApplyProfile(ctx, r.Customer.ID, clienteling.Profile{Language: "en", UnionID: "uSolo"})
		if err != nil || c.Language != "en" || c.UnionID != "uSolo" {
			t.Fatalf("got %+v, %v", c, err)
		}
		if pending, _ := db.PendingProfiles(ctx, 10); len(pending) != 0 {
			t.Fatalf("still pending: %+v", pending)
		}
	})
	t.Run("OK/UnionIDMergesTwoClients", func(t *testing.T) {
		// The person wrote first on WeCom, where the unionid was known...
		wecom, err := db.Receive(ctx, inbound("wecom", "wmMei", "uMei", "wecom:1", "first on WeCom"), nil)
		if err != nil {
			t.Fatal(err)
		}
		// ...then on the Official Account, before user/info told who they are.
		oa, err := db.Receive(ctx, inbound("oa", "oMei", "", "oa:mei", "then on the Official Account"), nil)
		if err != nil || oa.Customer.ID == wecom.Customer.ID {
			t.Fatalf("got %+v, %v", oa, err)
		}
		merged, err := db.ApplyProfile(ctx, oa.Customer.ID, clienteling.Profile{Language: "zh-CN", UnionID: "uMei"})
		if err != nil {
			t.Fatal(err)
		}
		if merged.ID != wecom.Customer.ID || len(merged.Identities) != 2 {
			t.Fatalf("merged into %+v, want %s with both identities", merged, wecom.Customer.ID)
		}
		if _, err := db.FindCustomerByID(ctx, oa.Customer.ID); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
			t.Fatalf("the merged-away client still exists: %v", err)
		}
		byOA, err := db.FindCustomerByIdentity(ctx, clienteling.Identity{Channel: "oa", ExternalID: "oMei"})
		if err != nil || byOA.ID != wecom.Customer.ID {
			t.Fatalf("openid now finds %v, %v", byOA, err)
		}
		page, _, err := db.Messages(ctx, wecom.Customer.ID, clienteling.MessagePage{})
		if err != nil || len(page) != 2 || page[0].Text != "then on the Official Account" {
			t.Fatalf("history after merge: %+v, %v", page, err)
		}
		if m, err := db.FindMessage(ctx, oa.Message.ID); err != nil || m.Customer != wecom.Customer.ID {
			t.Fatalf("moved message: %+v, %v", m, err)
		}
		events, _ := db.PendingEvents(ctx, 100)
		if len(events) == 0 || events[len(events)-1].Subject != "salon.events.customer.merged" {
			t.Fatalf("no customer.merged event: %+v", events)
		}
	})
}

// ApplyProfiles applies a batch in order in one commit: two new clients
// that turn out to be one person are merged within the batch.
func TestApplyProfiles(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	oa, err := db.Receive(ctx, inbound("oa", "oLin", "", "oa:lin", "on the Official Account"), nil)
	if err != nil {
		t.Fatal(err)
	}
	mini, err := db.Receive(ctx, inbound("oa", "oLinMini", "", "oa:linmini", "on the mini program"), nil)
	if err != nil {
		t.Fatal(err)
	}
	before := db.Commits()
	err = db.ApplyProfiles(ctx, []clienteling.FetchedProfile{
		{Customer: oa.Customer.ID, Profile: clienteling.Profile{Language: "en", UnionID: "uLin"}},
		{Customer: mini.Customer.ID, Profile: clienteling.Profile{Language: "en", UnionID: "uLin"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := db.Commits() - before; got != 1 {
		t.Fatalf("two profiles took %d commits, want 1", got)
	}
	if pending, _ := db.PendingProfiles(ctx, 10); len(pending) != 0 {
		t.Fatalf("still pending: %+v", pending)
	}
	c, err := db.FindCustomerByID(ctx, oa.Customer.ID)
	if err != nil || c.Language != "en" || len(c.Identities) != 2 {
		t.Fatalf("got %+v, %v; want the first client, in English, with both identities", c, err)
	}
	if _, err := db.FindCustomerByID(ctx, mini.Customer.ID); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("the second client was not merged into the first: %v", err)
	}
}
