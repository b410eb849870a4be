package store_test

import (
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// TestReceiveLinksInOneTransaction: a WeCom add_external_contact makes its
// associate the client's advisor, in the transaction that stores the event;
// del_follow_user removes them; an unknown associate is reported.
func TestReceiveLinksInOneTransaction(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	seedStaff(t, db)
	event := func(key string, l *clienteling.Link) *clienteling.Inbound {
		in := inbound("wecom", "wmLinked", "", key, "change_external_contact")
		in.Message.Type = clienteling.TypeEvent
		in.Link = l
		return in
	}
	steps := []struct {
		name        string
		in          *clienteling.Inbound
		wantAdvisor clienteling.AssociateID
		wantEvent   string
	}{
		{"OK/AddContactLinks", event("k1", &clienteling.Link{Associate: "amy", Source: "wecom_contact", State: "spring-event"}), "amy", clienteling.EventCustomerLinked},
		{"OK/OtherAssociateKeepsAdvisor", event("k2", &clienteling.Link{Associate: "ben"}), "amy", clienteling.EventLinkScanned},
		{"ErrUnknownAssociateReported", event("k3", &clienteling.Link{Associate: "ghost"}), "amy", clienteling.EventLinkUnknown},
		{"OK/DelFollowUserUnlinks", event("k4", &clienteling.Link{Associate: "amy", Unlink: true}), "", clienteling.EventCustomerUnlinked},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before, _ := db.PendingEvents(ctx, 1000)
			r, err := db.Receive(ctx, s.in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Customer.Advisor != s.wantAdvisor {
				t.Fatalf("advisor %q, want %q", r.Customer.Advisor, s.wantAdvisor)
			}
			after, _ := db.PendingEvents(ctx, 1000)
			if len(after) <= len(before) || !strings.Contains(string(after[len(before)].Payload), `"type":"`+s.wantEvent+`"`) {
				t.Fatalf("no %s event written with the change", s.wantEvent)
			}
		})
	}
	amy := clienteling.AssociateID("amy")
	if book, _ := db.FindCustomers(ctx, clienteling.CustomerFilter{Advisor: &amy}); len(book) != 0 {
		t.Fatalf("unlinked client still in amy's book: %d", len(book))
	}
}

// A new client scanning the code of an associate Salon does not know is
// reported to the managers of the boutique new clients go to.
func TestUnknownAssociateScanReportedToManagers(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	seedStaff(t, db)
	in := inbound("oa", "oStranger", "", "scan1", "subscribe")
	in.Message.Type = clienteling.TypeEvent
	in.Link = &clienteling.Link{Associate: "ghost", Source: "oa_qr"}
	if _, err := db.Receive(ctx, in, nil); err != nil {
		t.Fatal(err)
	}
	got := drainSubjects(t, db)
	if !has(got, "salon.notify.boutique.bj-skp "+clienteling.EventLinkUnknown) {
		t.Fatalf("managers not told: %v", got)
	}
}
