package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// TestTransferBook: a 500-client book moves in one transaction: every
// client gets the new advisor and boutique, the old book is empty, the
// indexes agree, and a client who wrote recently is told in their language.
// An invalid transfer changes nothing.
func TestTransferBook(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	seedStaff(t, db)
	if err := db.CreateAssociates(ctx, []*clienteling.Associate{
		{UserID: "chenjing", Name: "Chen Jing", Boutique: "sh-plaza66", Role: "manager", Status: "active"},
		{UserID: "gone", Name: "Gone Away", Boutique: "sh-plaza66", Role: "associate", Status: "departed"},
	}); err != nil {
		t.Fatal(err)
	}
	const n = 500
	book := make([]*clienteling.Customer, n)
	for i := range book {
		c := newCustomer(fmt.Sprintf("oBOOK%04d", i))
		c.Advisor, c.Boutique = "amy", "sh-plaza66"
		if i == 0 {
			c.Language = "en"
		}
		book[i] = c
	}
	if err := db.CreateCustomers(ctx, book); err != nil {
		t.Fatal(err)
	}
	outsider := mustCreateCustomer(t, db, newCustomer("oOUTSIDER"))
	// The first client wrote a moment ago, so their window is open.
	if _, err := db.Receive(ctx, inbound("oa", "oBOOK0000", "", "oa:book0", "hello"), nil); err != nil {
		t.Fatal(err)
	}
	svc := clienteling.NewService(db, nil)
	svc.SetTransferNotice(func(lang, name string) string { return lang + ": " + name + " is your advisor" })
	admin := clienteling.WithPrincipal(ctx, &clienteling.Principal{Subject: "admin", Role: clienteling.RoleAdmin})

	amyBook := func() int {
		amy := clienteling.AssociateID("amy")
		cs, err := db.FindCustomers(ctx, clienteling.CustomerFilter{Advisor: &amy})
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}
	for _, tc := range []struct {
		name string
		t    clienteling.Transfer
		code string
	}{
		{"ErrOneClientNotInBook", clienteling.Transfer{From: "amy", To: "chenjing",
			Customers: []clienteling.CustomerID{book[1].ID, book[2].ID, outsider.ID}}, clienteling.EINVALID},
		{"ErrUnknownTarget", clienteling.Transfer{From: "amy", To: "nobody"}, clienteling.ENOTFOUND},
		{"ErrDepartedTarget", clienteling.Transfer{From: "amy", To: "gone"}, clienteling.ECONFLICT},
		{"ErrSameAssociate", clienteling.Transfer{From: "amy", To: "amy"}, clienteling.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			moved, err := svc.Transfer(admin, &tc.t)
			if got := clienteling.ErrorCode(err); got != tc.code || moved != 0 {
				t.Fatalf("got %d, %v; want code %s", moved, err, tc.code)
			}
			if got := amyBook(); got != n {
				t.Fatalf("amy's book has %d clients after a refused transfer, want %d", got, n)
			}
		})
	}

	t.Run("ErrAssociateMayNotTransfer", func(t *testing.T) {
		amy := clienteling.WithPrincipal(ctx, &clienteling.Principal{Subject: "amy", Role: clienteling.RoleAssociate, Boutique: "sh-plaza66"})
		if _, err := svc.Transfer(amy, &clienteling.Transfer{From: "amy", To: "chenjing"}); clienteling.ErrorCode(err) != clienteling.EFORBIDDEN {
			t.Fatalf("got %v, want EFORBIDDEN", err)
		}
	})

	t.Run("OK/WholeBook", func(t *testing.T) {
		before, _ := db.PendingEvents(ctx, 10*n)
		moved, err := svc.Transfer(admin, &clienteling.Transfer{From: "amy", To: "chenjing", Reason: "amy leaves"})
		if err != nil || moved != n {
			t.Fatalf("got %d, %v; want %d moved", moved, err, n)
		}
		if got := amyBook(); got != 0 {
			t.Fatalf("amy's book still has %d clients", got)
		}
		chen := clienteling.AssociateID("chenjing")
		cs, err := db.FindCustomers(ctx, clienteling.CustomerFilter{Advisor: &chen})
		if err != nil || len(cs) != n {
			t.Fatalf("chenjing's book: %d, %v; want %d", len(cs), err, n)
		}
		for _, c := range cs {
			if c.Boutique != "sh-plaza66" {
				t.Fatalf("client %s in boutique %q", c.ID, c.Boutique)
			}
		}
		if err := db.VerifyIndexes(); err != nil {
			t.Fatal(err)
		}
		after, _ := db.PendingEvents(ctx, 10*n)
		var perClient, notices, told int
		for _, e := range after[len(before):] {
			if !strings.Contains(string(e.Payload), `"type":"customer.transferred"`) {
				continue
			}
			switch e.Subject {
			case "salon.events.customer.transferred":
				perClient++
			case "salon.notify.associate.chenjing":
				notices++
			case "salon.notify.associate.amy":
				told++
			}
		}
		if told != 1 {
			t.Fatalf("amy was told %d times of her book's transfer, want once", told)
		}
		if perClient != n || notices != 1 {
			t.Fatalf("%d customer.transferred events and %d notices, want %d and 1", perClient, notices, n)
		}
		conv, err := db.Conversation(ctx, book[0].ID)
		if err != nil || conv.Assignee != "chenjing" || conv.Routing[len(conv.Routing)-1].Reason != clienteling.RouteTransferred {
			t.Fatalf("the waiting conversation stayed with amy: %+v, %v", conv, err)
		}
		assertTold(t, db, book[0].ID, "en: Chen Jing is your advisor")
		assertTold(t, db, book[1].ID, "")
		task, err := db.ClaimOutbound(ctx)
		if err != nil || task == nil || task.Message.Customer != book[0].ID || task.To.ExternalID != "oBOOK0000" {
			t.Fatalf("the courtesy message is not in the outbound queue: %+v, %v", task, err)
		}
	})
}

// assertTold checks the client's newest message is the courtesy text want,
// or, for want empty, that nothing was sent to a client whose window is shut.
func assertTold(t *testing.T, db *store.DB, id clienteling.CustomerID, want string) {
	t.Helper()
	ms, _, err := db.Messages(ctx, id, clienteling.MessagePage{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if len(ms) > 0 && ms[0].Direction == clienteling.DirectionOut {
		got = ms[0].Text
	}
	if got != want {
		t.Fatalf("client %s was told %q, want %q", id, got, want)
	}
}
