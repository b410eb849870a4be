package clienteling_test

import (
	"context"
	"slices"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// TestBrandScopeReads: a principal limited to a brand sees only its
// boutiques, their staff, clients and conversations; another brand's
// client is not found, and the catalog shows only its stock.
func TestBrandScopeReads(t *testing.T) {
	t.Parallel()
	g := clientelingtest.NewGroup(t)
	admin, crm := asBrand(t)
	for name, ctx := range map[string]context.Context{"admin": admin, "crm": crm} {
		t.Run(name, func(t *testing.T) {
			bs, err := g.Service.Boutiques(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bs {
				if b.Brand != clientelingtest.Brand {
					t.Errorf("sees boutique %s of brand %s", b.ID, b.Brand)
				}
			}
			if len(bs) != 2 {
				t.Errorf("sees %d boutiques, want the brand's 2", len(bs))
			}
			as, err := g.Service.Associates(ctx, clienteling.AssociateFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(as) != 5 || slices.ContainsFunc(as, func(a *clienteling.Associate) bool { return a.Boutique == clientelingtest.OtherBoutique }) {
				t.Errorf("sees associates %v, want the brand's 5", as)
			}
			if as, _ := g.Service.Associates(ctx, clienteling.AssociateFilter{Boutique: clientelingtest.OtherBoutique}); len(as) != 0 {
				t.Errorf("asking for the other brand's boutique shows %d associates", len(as))
			}
			cs, err := g.Service.FindCustomers(ctx, clienteling.CustomerFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 3 || slices.ContainsFunc(cs, func(c *clienteling.Customer) bool { return c.ID == g.Others.ID }) {
				t.Errorf("sees %d clients, want the brand's 3 and not %s", len(cs), g.Others.ID)
			}
			for what, err := range map[string]error{
				"by id":        second(g.Service.FindCustomerByID(ctx, g.Others.ID)),
				"notes":        second(g.Service.Notes(ctx, g.Others.ID)),
				"conversation": second(g.Service.Conversation(ctx, g.Others.ID)),
			} {
				if clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
					t.Errorf("the other brand's client %s: got %v, want %s", what, err, clienteling.ENOTFOUND)
				}
			}
			if _, _, err := g.Service.Messages(ctx, g.Others.ID, clienteling.MessagePage{}); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
				t.Errorf("the other brand's client's messages: got %v, want %s", err, clienteling.ENOTFOUND)
			}
			convs, err := g.Service.Conversations(ctx, clienteling.ConversationFilter{State: clienteling.ConversationWaiting})
			if err != nil {
				t.Fatal(err)
			}
			if len(convs) != 3 || slices.ContainsFunc(convs, func(c *clienteling.Conversation) bool { return c.Customer == g.Others.ID }) {
				t.Errorf("sees %d waiting conversations, want the brand's 3", len(convs))
			}
			ps, err := g.Service.FindProducts(ctx, clienteling.ProductFilter{Query: string(clientelingtest.GroupProduct)})
			if err != nil {
				t.Fatal(err)
			}
			if len(ps) != 1 || len(ps[0].Stock) != 1 || ps[0].Stock["sh-plaza66"] != 2 {
				t.Errorf("sees the group product as %+v, want stock in sh-plaza66 only", ps)
			}
		})
	}
	if _, err := g.Service.FindCustomerByIdentity(admin, g.Others.Identities[0]); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Errorf("look the other brand's client up by identity: got %v, want %s", err, clienteling.ENOTFOUND)
	}
	group := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	if cs, _ := g.Service.FindCustomers(group, clienteling.CustomerFilter{}); len(cs) != 4 {
		t.Errorf("a group-wide admin sees %d clients, want 4", len(cs))
	}
	if bs, _ := g.Service.Boutiques(group); len(bs) != 3 {
		t.Errorf("a group-wide admin sees %d boutiques, want 3", len(bs))
	}
}

// TestBrandScopePagesTheWholeBook: paging through a brand's clients finds
// every one of them, however the other brand's are interleaved by id.
func TestBrandScopePagesTheWholeBook(t *testing.T) {
	t.Parallel()
	g := clientelingtest.NewGroup(t)
	admin, _ := asBrand(t)
	sys := clienteling.WithPrincipal(t.Context(), clienteling.System())
	var others []*clienteling.Customer
	for range 6 {
		others = append(others, &clienteling.Customer{Advisor: "xavier", Boutique: clientelingtest.OtherBoutique})
	}
	if err := g.Service.ImportCustomers(sys, others...); err != nil {
		t.Fatal(err)
	}
	// Recorded with an advisor but no boutique: the advisor's brand.
	byAdvisor := &clienteling.Customer{Advisor: "ben"}
	if err := g.Service.ImportCustomers(sys, byAdvisor); err != nil {
		t.Fatal(err)
	}
	var seen []clienteling.CustomerID
	f := clienteling.CustomerFilter{Limit: 1}
	for range 20 {
		cs, err := g.Service.FindCustomers(admin, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 0 {
			break
		}
		seen = append(seen, cs[0].ID)
		f.After = cs[0].ID
	}
	want := []clienteling.CustomerID{g.Own.ID, g.Sophies.ID, g.Bens.ID, byAdvisor.ID}
	slices.Sort(want)
	if !slices.Equal(seen, want) {
		t.Fatalf("paged through %v, want the brand's %v", seen, want)
	}
}

// TestBrandScopeWrites: a brand-limited admin's writes stay in its brand:
// another brand's boutique or associate is EFORBIDDEN naming the rule,
// another brand's client and staff are not found, the shared catalog is
// not its to change, and nothing changes.
func TestBrandScopeWrites(t *testing.T) {
	t.Parallel()
	g := clientelingtest.NewGroup(t)
	admin, _ := asBrand(t)
	for _, row := range []struct {
		name  string
		call  func() error
		code  string
		field string
	}{
		{"CreateBoutiqueOfOtherBrand", func() error {
			return g.Service.CreateBoutique(admin, &clienteling.Boutique{ID: "gz-tkh", Brand: clientelingtest.OtherBrand, Name: "TKH", City: "Guangzhou", Timezone: "Asia/Shanghai"})
		}, clienteling.EFORBIDDEN, "brand"},
		{"CreateAssociateInOtherBrand", func() error {
			return g.Service.CreateAssociates(admin, &clienteling.Associate{UserID: "zoe", Name: "Zoe", Boutique: clientelingtest.OtherBoutique, Role: "associate"})
		}, clienteling.EFORBIDDEN, "boutique"},
		{"CreateAssociateInNoBoutique", func() error {
			return g.Service.CreateAssociates(admin, &clienteling.Associate{UserID: "zoe", Name: "Zoe", Boutique: "nowhere", Role: "associate"})
		}, clienteling.EFORBIDDEN, "boutique"},
		{"PutProducts", func() error {
			return g.Service.PutProducts(admin, &clienteling.Product{SKU: "BAG-2", Title: clienteling.Localized{"en": "Bag"}, Price: clienteling.Money{Amount: 1, Currency: "CNY"}})
		}, clienteling.EFORBIDDEN, ""},
		{"ExportOtherBrandsClient", func() error { return second(g.Service.ExportCustomer(admin, g.Others.ID)) }, clienteling.ENOTFOUND, ""},
		{"EraseOtherBrandsClient", func() error { return g.Service.EraseCustomer(admin, g.Others.ID) }, clienteling.ENOTFOUND, ""},
		{"ReplyToOtherBrandsClient", func() error {
			return second(g.Service.Send(admin, g.Others.ID, &clienteling.Outgoing{Type: clienteling.TypeText, Text: "hello"}))
		}, clienteling.ENOTFOUND, ""},
		{"NoteOnOtherBrandsClient", func() error { return second(g.Service.AddNote(admin, g.Others.ID, "x")) }, clienteling.ENOTFOUND, ""},
		{"AssignOtherBrandsClient", func() error { return second(g.Service.AssignConversation(admin, g.Others.ID, "xavier")) }, clienteling.ENOTFOUND, ""},
		{"AssignToOtherBrandsAssociate", func() error { return second(g.Service.AssignConversation(admin, g.Own.ID, "xavier")) }, clienteling.EINVALID, "associate"},
		{"UpdateOtherBrandsAssociate", func() error {
			away := clienteling.StatusAway
			return second(g.Service.UpdateAssociate(admin, "xavier", &clienteling.AssociatePatch{Status: &away}))
		}, clienteling.ENOTFOUND, ""},
		{"TransferFromOtherBrand", func() error {
			return second(g.Service.Transfer(admin, &clienteling.Transfer{From: "xavier", To: "yara"}))
		}, clienteling.ENOTFOUND, "from"},
		{"OtherBrandsQRCode", func() error {
			return second(g.Service.AssociateCodes(admin, "xavier", clienteling.CodeMakers{}))
		}, clienteling.ENOTFOUND, ""},
		{"ImportCustomers", func() error {
			return g.Service.ImportCustomers(admin, &clienteling.Customer{Advisor: "amy"})
		}, clienteling.EFORBIDDEN, ""},
	} {
		t.Run(row.name, func(t *testing.T) {
			err := row.call()
			if clienteling.ErrorCode(err) != row.code || clienteling.ErrorField(err) != row.field {
				t.Fatalf("got %v (field %q), want %s naming %q", err, clienteling.ErrorField(err), row.code, row.field)
			}
		})
	}
	group := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	if bs, _ := g.Service.Boutiques(group); len(bs) != 3 {
		t.Errorf("%d boutiques after refused writes, want 3", len(bs))
	}
	if as, _ := g.Service.Associates(group, clienteling.AssociateFilter{}); len(as) != 7 {
		t.Errorf("%d associates after refused writes, want 7", len(as))
	}
	if cs, _ := g.Service.FindCustomers(group, clienteling.CustomerFilter{}); len(cs) != 4 {
		t.Errorf("%d clients after refused writes, want 4", len(cs))
	}
	if ns, _ := g.Service.Notes(group, g.Others.ID); len(ns) != 0 {
		t.Errorf("a refused note was stored")
	}
	if a, _ := g.DB.FindAssociate(t.Context(), "xavier"); a.Status != clienteling.StatusActive {
		t.Errorf("xavier's status changed to %s", a.Status)
	}

	// Within its brand, it works; a boutique given no brand gets its own.
	b := &clienteling.Boutique{ID: "gz-tkh", Name: "TKH", City: "Guangzhou", Timezone: "Asia/Shanghai"}
	if err := g.Service.CreateBoutique(admin, b); err != nil {
		t.Fatal(err)
	}
	if b.Brand != clientelingtest.Brand {
		t.Errorf("a boutique created by the brand's admin has brand %q", b.Brand)
	}
	if err := g.Service.CreateAssociates(admin, &clienteling.Associate{UserID: "zoe", Name: "Zoe", Boutique: "gz-tkh", Role: "associate"}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.Service.ExportCustomer(admin, g.Bens.ID); err != nil {
		t.Fatal(err)
	}
}
