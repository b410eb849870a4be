package clienteling_test

import (
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// A client linked to an advisor or boutique that does not exist could
// never be reached or corrected, so ImportCustomers refuses the whole batch.
func TestImportCustomersRefusesUnknownLinks(t *testing.T) {
	m := clientelingtest.NewMaison(t)
	ctx := clienteling.WithPrincipal(t.Context(), clienteling.System())
	newClient := func(openid string, advisor clienteling.AssociateID, boutique clienteling.BoutiqueID) *clienteling.Customer {
		return &clienteling.Customer{Identities: []clienteling.Identity{{Channel: clienteling.ChannelOA, ExternalID: openid}},
			Advisor: advisor, Boutique: boutique, Phone: "+86 139 0000 0009"}
	}
	tests := []struct {
		name  string
		c     *clienteling.Customer
		field string
	}{
		{"ErrUnknownAdvisor", newClient("oNEW1", "nobody", "sh-plaza66"), "advisor"},
		{"ErrUnknownBoutique", newClient("oNEW2", "amy", "sh-nowhere"), "boutique"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := newClient("oFINE", "amy", "sh-plaza66")
			err := m.Service.ImportCustomers(ctx, ok, tt.c)
			if clienteling.ErrorCode(err) != clienteling.ENOTFOUND || fieldOf(err) != tt.field {
				t.Fatalf("got %v, want ENOTFOUND naming %s", err, tt.field)
			}
			if _, err := m.DB.FindCustomerByIdentity(t.Context(), ok.Identities[0]); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
				t.Errorf("the good client of the batch was stored: %v", err)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		c := newClient("oNEW3", "amy", "sh-plaza66")
		if err := m.Service.ImportCustomers(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := m.DB.FindCustomerByIdentity(t.Context(), c.Identities[0])
		if err != nil || got.Phone != "+8613900000009" {
			t.Fatalf("got %v, %v; want the client stored with the phone in E.164 form", got, err)
		}
	})
}
