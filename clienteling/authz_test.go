package clienteling_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// authzFixture is the kit's maison under the short names these tables use.
type authzFixture struct {
	db                 *store.DB
	svc                *clienteling.Service
	own, sophies, bens *clienteling.Customer
}

// The principals of the four roles, as Authenticate makes them.
var (
	asAssociate = clientelingtest.AsAssociate
	asManager   = clientelingtest.AsManager
	asCRM       = clientelingtest.AsCRM
	asAdmin     = clientelingtest.AsAdmin
	principals  = clientelingtest.Principals()
)

func newAuthzFixture(t *testing.T) *authzFixture {
	t.Helper()
	m := clientelingtest.NewMaison(t)
	return &authzFixture{db: m.DB, svc: m.Service, own: m.Own, sophies: m.Sophies, bens: m.Bens}
}

// target is what a call acts on: the associate's own client and the
// associate themself, or what p must not see (another associate's client
// for an associate; another boutique's client and associate for a manager).
type target struct {
	client *clienteling.Customer
	staff  clienteling.AssociateID
}

func (f *authzFixture) target(p *clienteling.Principal, hidden bool) target {
	switch {
	case !hidden:
		return target{f.own, "amy"}
	case p.Role == clienteling.RoleAssociate:
		return target{f.sophies, "ben"}
	default:
		return target{f.bens, "ben"}
	}
}

// ok is the code of success in a row's want.
const ok = ""

// TestServiceAuthorisation calls every Service method a staff member can
// reach with each role's principal, on a fresh database each time. Where a
// role may act on its own, acting on what it must not see is ENOTFOUND,
// as if it did not exist; without a principal everything is EUNAUTHORIZED.
func TestServiceAuthorisation(t *testing.T) {
	t.Parallel()
	const (
		forbidden = clienteling.EFORBIDDEN
	)
	for _, row := range []struct {
		name string
		call func(ctx context.Context, f *authzFixture, x target) error
		want [4]string // associate, manager, crm, admin
		// scoped: the call names a client or associate, so a hidden one is
		// ENOTFOUND for the associate and manager.
		scoped bool
	}{
		{"IssueToken", func(ctx context.Context, f *authzFixture, _ target) error {
			_, err := f.svc.IssueToken(ctx, &clienteling.Token{Subject: "crm-two", Role: clienteling.RoleCRM})
			return err
		}, [4]string{forbidden, forbidden, forbidden, ok}, false},
		{"CreateBoutique", func(ctx context.Context, f *authzFixture, _ target) error {
			return f.svc.CreateBoutique(ctx, &clienteling.Boutique{ID: "gz-taikoo", Name: "Taikoo Hui", City: "Guangzhou", Timezone: "Asia/Shanghai"})
		}, [4]string{forbidden, forbidden, forbidden, ok}, false},
		{"Boutiques", func(ctx context.Context, f *authzFixture, _ target) error {
			_, err := f.svc.Boutiques(ctx)
			return err
		}, [4]string{ok, ok, ok, ok}, false},
		{"CreateAssociates", func(ctx context.Context, f *authzFixture, _ target) error {
			return f.svc.CreateAssociates(ctx, &clienteling.Associate{UserID: "nina", Name: "Nina", Boutique: "sh-plaza66", Role: "associate"})
		}, [4]string{forbidden, forbidden, forbidden, ok}, false},
		{"Associates", func(ctx context.Context, f *authzFixture, _ target) error {
			_, err := f.svc.Associates(ctx, clienteling.AssociateFilter{})
			return err
		}, [4]string{ok, ok, ok, ok}, false},
		{"PutProducts", func(ctx context.Context, f *authzFixture, _ target) error {
			return f.svc.PutProducts(ctx, &clienteling.Product{SKU: "BAG-1", Title: clienteling.Localized{"en": "Bag"},
				Price: clienteling.Money{Amount: 100, Currency: "CNY"}})
		}, [4]string{forbidden, forbidden, ok, ok}, false},
		{"FindProducts", func(ctx context.Context, f *authzFixture, _ target) error {
			_, err := f.svc.FindProducts(ctx, clienteling.ProductFilter{Query: "bag"})
			return err
		}, [4]string{ok, ok, ok, ok}, false},
		{"ImportCustomers", func(ctx context.Context, f *authzFixture, _ target) error {
			return f.svc.ImportCustomers(ctx, &clienteling.Customer{Advisor: "amy", Boutique: "sh-plaza66",
				Identities: []clienteling.Identity{{Channel: clienteling.ChannelOA, ExternalID: "oNewClient"}}})
		}, [4]string{forbidden, forbidden, forbidden, ok}, false},
		{"FindCustomers", func(ctx context.Context, f *authzFixture, _ target) error {
			_, err := f.svc.FindCustomers(ctx, clienteling.CustomerFilter{})
			return err
		}, [4]string{ok, ok, ok, ok}, false},
		{"FindCustomerByID", func(ctx context.Context, f *authzFixture, x target) error {
			_, err := f.svc.FindCustomerByID(ctx, x.client.ID)
			return err
		}, [4]string{ok, ok, ok, ok}, true},
		{"FindCustomerByIdentity", func(ctx context.Context, f *authzFixture, x target) error {
			_, err := f.svc.FindCustomerByIdentity(ctx, x.client.Identities[0])
			return err
		}, [4]string{ok, ok, forbidden, ok}, true},
		{"Messages", func(ctx context.Context, f *authzFixture, x target) error {
			_, _, err := f.svc.Messages(ctx, x.client.ID, clienteling.MessagePage{})
			return err
		}, [4]string{ok, ok, ok, ok}, true},
		{"SearchMessages", func(ctx context.Context, f *authzFixture, x target) error {
			_, _, err := f.svc.SearchMessages(ctx, x.client.ID, "hello", clienteling.MessagePage{})
			return err
		}, [4]string{ok, ok, forbidden, ok}, true},
		{"Notes", func(ctx context.Context, f *authzFixture, x target) error {
			_, err := f.svc.Notes(ctx, x.client.ID)
			return err
		}, [4]string{ok, ok, ok, ok}, true},
		{"AddNote", func(ctx context.Context, f *authzFixture, x target) error {
			_, err := f.svc.AddNote(ctx, x.client.ID, "prefers green")
			return err
		}, [4]string{ok, ok, forbidden, ok}, true},
		{"UpdateProfile", func(ctx context.Context, f *authzFixture, x target) error {
			tags := []string{"private-viewing"}
			_, err := f.svc.UpdateProfile(ctx, x.client.ID, clienteling.ProfileUpdate{Tags: &tags})
			return err
		}, [4]string{ok, ok, forbidden, ok}, true},
		{"Reply", func(ctx context.Context, f *authzFixture, x target) error {
			_, err := f.svc.Reply(ctx, x.client.ID, "Good afternoon")
			return err
		}, [4]string{ok, ok, forbidden, ok}, true},
		{"Conversation", func(ctx context.Context, f *authzFixture, x target) error {
			_, err := f.svc.Conversation(ctx, x.client.ID)
			return err
		}, [4]string{ok, ok, ok, ok}, true},
		{"Conversations", func(ctx context.Context, f *authzFixture, _ target) error {
			_, err := f.svc.Conversations(ctx, clienteling.ConversationFilter{State: clienteling.ConversationWaiting})
			return err
		}, [4]string{ok, ok, ok, ok}, false},
		{"AssignConversation", func(ctx context.Context, f *authzFixture, x target) error {
			_, err := f.svc.AssignConversation(ctx, x.client.ID, "sophie")
			return err
		}, [4]string{forbidden, ok, forbidden, ok}, true},
		{"UpdateAssociate", func(ctx context.Context, f *authzFixture, x target) error {
			away := clienteling.StatusAway
			_, err := f.svc.UpdateAssociate(ctx, x.staff, &clienteling.AssociatePatch{Status: &away})
			return err
		}, [4]string{ok, ok, forbidden, ok}, true},
		{"AssociateCodes", func(ctx context.Context, f *authzFixture, x target) error {
			_, err := f.svc.AssociateCodes(ctx, x.staff, clienteling.CodeMakers{})
			return err
		}, [4]string{ok, ok, forbidden, ok}, true},
		{"Transfer", func(ctx context.Context, f *authzFixture, x target) error {
			_, err := f.svc.Transfer(ctx, &clienteling.Transfer{From: x.staff, To: "sophie"})
			return err
		}, [4]string{forbidden, ok, forbidden, ok}, true},
		{"ExportCustomer", func(ctx context.Context, f *authzFixture, x target) error {
			_, err := f.svc.ExportCustomer(ctx, x.client.ID)
			return err
		}, [4]string{forbidden, forbidden, forbidden, ok}, true},
		{"EraseCustomer", func(ctx context.Context, f *authzFixture, x target) error {
			return f.svc.EraseCustomer(ctx, x.client.ID)
		}, [4]string{forbidden, forbidden, forbidden, ok}, true},
	} {
		t.Run(row.name, func(t *testing.T) {
			t.Parallel()
			t.Run("NoPrincipal", func(t *testing.T) {
				t.Parallel()
				f := newAuthzFixture(t)
				if err := row.call(t.Context(), f, f.target(asAdmin, false)); clienteling.ErrorCode(err) != clienteling.EUNAUTHORIZED {
					t.Fatalf("got %v, want %s", err, clienteling.EUNAUTHORIZED)
				}
			})
			for i, p := range principals {
				t.Run(p.Role, func(t *testing.T) {
					t.Parallel()
					f := newAuthzFixture(t)
					ctx := clienteling.WithPrincipal(t.Context(), p)
					if row.scoped && row.want[i] == ok && (p.Role == clienteling.RoleAssociate || p.Role == clienteling.RoleManager) {
						if err := row.call(ctx, f, f.target(p, true)); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
							t.Errorf("outside %s's view: got %v, want %s", p.Subject, err, clienteling.ENOTFOUND)
						}
					}
					err := row.call(ctx, f, f.target(p, false))
					if got := clienteling.ErrorCode(err); err == nil && row.want[i] != ok || err != nil && got != row.want[i] {
						t.Fatalf("got %v, want %q", err, row.want[i])
					}
				})
			}
		})
	}
}

// TestServiceShowsEachRoleItsBook: listings hold exactly the clients a
// role may see, and the CRM team sees contact details masked wherever a
// client is returned.
func TestServiceShowsEachRoleItsBook(t *testing.T) {
	t.Parallel()
	f := newAuthzFixture(t)
	for _, tc := range []struct {
		p    *clienteling.Principal
		want []*clienteling.Customer
	}{
		{asAssociate, []*clienteling.Customer{f.own}},
		{asManager, []*clienteling.Customer{f.own, f.sophies}},
		{asCRM, []*clienteling.Customer{f.own, f.sophies, f.bens}},
		{asAdmin, []*clienteling.Customer{f.own, f.sophies, f.bens}},
	} {
		t.Run(tc.p.Role, func(t *testing.T) {
			ctx := clienteling.WithPrincipal(t.Context(), tc.p)
			cs, err := f.svc.FindCustomers(ctx, clienteling.CustomerFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, c := range cs {
				got = append(got, string(c.ID))
			}
			for _, c := range tc.want {
				want = append(want, string(c.ID))
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("FindCustomers: got %v, want %v", got, want)
			}
			byID, err := f.svc.FindCustomerByID(ctx, f.own.ID)
			if err != nil {
				t.Fatal(err)
			}
			seen := append(cs, byID)
			if tc.p.Role != clienteling.RoleCRM { // who may not look clients up
				byIdentity, err := f.svc.FindCustomerByIdentity(ctx, f.own.Identities[0])
				if err != nil {
					t.Fatal(err)
				}
				seen = append(seen, byIdentity)
			}
			for _, c := range seen {
				masked := c.Phone != "" && !strings.HasPrefix(c.Phone, "+86138") && c.Name != "" &&
					!strings.HasPrefix(c.Identities[0].ExternalID, "oOwn") && !strings.HasPrefix(c.Identities[0].ExternalID, "oSophies") &&
					!strings.HasPrefix(c.Identities[0].ExternalID, "oBens")
				if tc.p.Role == clienteling.RoleCRM && !masked {
					t.Errorf("the crm role sees %s unmasked: %q %q %q", c.ID, c.Name, c.Phone, c.Identities[0].ExternalID)
				}
				if tc.p.Role != clienteling.RoleCRM && c.ID == f.own.ID && (c.Phone != f.own.Phone || c.Name != f.own.Name) {
					t.Errorf("%s sees their client masked: %q %q", tc.p.Role, c.Name, c.Phone)
				}
			}
		})
	}
}

// TestCoveringColleague: the associate a client's conversation is handed
// to, though not the advisor, may read the client (by id and by channel
// identity alike) and answer them, but not change what the brand remembers
// of them: that stays with the advisor and the boutique's managers.
func TestCoveringColleague(t *testing.T) {
	t.Parallel()
	f := newAuthzFixture(t)
	if _, err := f.db.AssignConversation(t.Context(), f.own.ID, "sophie", "chenjing"); err != nil {
		t.Fatal(err)
	}
	sophie := clienteling.WithPrincipal(t.Context(), &clienteling.Principal{Subject: "sophie", Role: clienteling.RoleAssociate, Boutique: "sh-plaza66"})
	if _, err := f.svc.FindCustomerByID(sophie, f.own.ID); err != nil {
		t.Errorf("read by id: %v", err)
	}
	if _, err := f.svc.FindCustomerByIdentity(sophie, f.own.Identities[0]); err != nil {
		t.Errorf("read by identity: %v", err)
	}
	if _, _, err := f.svc.Messages(sophie, f.own.ID, clienteling.MessagePage{}); err != nil {
		t.Errorf("history: %v", err)
	}
	if _, err := f.svc.Reply(sophie, f.own.ID, "Amy is away today; I can help."); err != nil {
		t.Errorf("reply: %v", err)
	}
	tags := []string{"covered"}
	if _, err := f.svc.UpdateProfile(sophie, f.own.ID, clienteling.ProfileUpdate{Tags: &tags}); clienteling.ErrorCode(err) != clienteling.EFORBIDDEN {
		t.Errorf("profile change: got %v, want %s", err, clienteling.EFORBIDDEN)
	}
	if _, err := f.svc.AddNote(sophie, f.own.ID, "covered for Amy"); clienteling.ErrorCode(err) != clienteling.EFORBIDDEN {
		t.Errorf("note: got %v, want %s", err, clienteling.EFORBIDDEN)
	}
	// amy, who is no longer the one answering, still owns the client.
	amy := clienteling.WithPrincipal(t.Context(), asAssociate)
	if _, err := f.svc.UpdateProfile(amy, f.own.ID, clienteling.ProfileUpdate{Tags: &tags}); err != nil {
		t.Errorf("the advisor's profile change: %v", err)
	}
}

// TestManagerSeesNoOtherBoutiqueStaff: to a manager, an associate of
// another boutique is indistinguishable from nobody, whatever the call.
func TestManagerSeesNoOtherBoutiqueStaff(t *testing.T) {
	t.Parallel()
	f := newAuthzFixture(t)
	ctx := clienteling.WithPrincipal(t.Context(), asManager)
	for _, tc := range []struct {
		name string
		call func(id clienteling.AssociateID) error
	}{
		{"AssignConversation", func(id clienteling.AssociateID) error {
			_, err := f.svc.AssignConversation(ctx, f.own.ID, id)
			return err
		}},
		{"TransferFrom", func(id clienteling.AssociateID) error {
			_, err := f.svc.Transfer(ctx, &clienteling.Transfer{From: id, To: "sophie"})
			return err
		}},
		{"TransferTo", func(id clienteling.AssociateID) error {
			_, err := f.svc.Transfer(ctx, &clienteling.Transfer{From: "amy", To: id})
			return err
		}},
		{"UpdateAssociate", func(id clienteling.AssociateID) error {
			away := clienteling.StatusAway
			_, err := f.svc.UpdateAssociate(ctx, id, &clienteling.AssociatePatch{Status: &away})
			return err
		}},
		{"AssociateCodes", func(id clienteling.AssociateID) error {
			_, err := f.svc.AssociateCodes(ctx, id, clienteling.CodeMakers{})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ghost, ben := tc.call("ghost"), tc.call("ben")
			if ghost == nil || ben == nil {
				t.Fatalf("ghost: %v; ben: %v; want both refused", ghost, ben)
			}
			if clienteling.ErrorCode(ben) != clienteling.ErrorCode(ghost) || clienteling.ErrorField(ben) != clienteling.ErrorField(ghost) ||
				clienteling.ErrorMessage(ben) != strings.ReplaceAll(clienteling.ErrorMessage(ghost), "ghost", "ben") {
				t.Fatalf("ben of another boutique: %v; nobody: %v; want the same answer", ben, ghost)
			}
		})
	}
}

// TestCRMReceivesNoPersonalData: whatever the CRM team may read through
// the Service, the answer holds none of a client's personal details,
// though they were typed into the profile, the client's messages and an
// associate's note; the client's advisor reads every one of them. The
// reads are those TestServiceAuthorisation lets the CRM role make.
func TestCRMReceivesNoPersonalData(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	personal := clientelingtest.SeedPersonalData(t, m.DB, m.Own)
	reads := []struct {
		name string
		read func(ctx context.Context) (any, error)
	}{
		{"Boutiques", func(ctx context.Context) (any, error) { return m.Service.Boutiques(ctx) }},
		{"Associates", func(ctx context.Context) (any, error) {
			return m.Service.Associates(ctx, clienteling.AssociateFilter{})
		}},
		{"FindProducts", func(ctx context.Context) (any, error) {
			return m.Service.FindProducts(ctx, clienteling.ProductFilter{})
		}},
		{"FindCustomers", func(ctx context.Context) (any, error) {
			return m.Service.FindCustomers(ctx, clienteling.CustomerFilter{})
		}},
		{"FindCustomerByID", func(ctx context.Context) (any, error) { return m.Service.FindCustomerByID(ctx, m.Own.ID) }},
		{"Messages", func(ctx context.Context) (any, error) {
			ms, _, err := m.Service.Messages(ctx, m.Own.ID, clienteling.MessagePage{})
			return ms, err
		}},
		{"Notes", func(ctx context.Context) (any, error) { return m.Service.Notes(ctx, m.Own.ID) }},
		{"Conversation", func(ctx context.Context) (any, error) { return m.Service.Conversation(ctx, m.Own.ID) }},
		{"Conversations", func(ctx context.Context) (any, error) {
			return m.Service.Conversations(ctx, clienteling.ConversationFilter{State: clienteling.ConversationWaiting})
		}},
	}
	body := func(ctx context.Context, name string, read func(context.Context) (any, error)) string {
		t.Helper()
		v, err := read(ctx)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	crm := clienteling.WithPrincipal(t.Context(), clientelingtest.AsCRM)
	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			got := body(crm, r.name, r.read)
			for _, s := range personal {
				if strings.Contains(got, s) {
					t.Errorf("the crm role receives %q: %s", s, got)
				}
			}
		})
	}
	t.Run("WhatIsNotPersonalStays", func(t *testing.T) {
		ms := body(crm, "Messages", reads[5].read)
		for _, s := range []string{"hello, is the bag in?", "我的手机", "的名片", clienteling.RedactedPhone, clienteling.RedactedAddress} {
			if !strings.Contains(ms, s) {
				t.Errorf("the crm role's history lost %q: %s", s, ms)
			}
		}
		if c := body(crm, "FindCustomerByID", reads[4].read); !strings.Contains(c, `"date":"01-01"`) {
			t.Errorf("the crm role's profile lost the birthday's month and day: %s", c)
		}
	})
	t.Run("TheAdvisorReadsAll", func(t *testing.T) {
		amy := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate)
		var all string
		for _, r := range reads {
			all += body(amy, r.name, r.read)
		}
		for _, s := range personal {
			if !strings.Contains(all, s) {
				t.Errorf("the advisor does not receive %q", s)
			}
		}
	})
}
