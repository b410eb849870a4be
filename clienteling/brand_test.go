package clienteling_test

import (
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

func TestPutBrand(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	admin := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	b := &clienteling.Brand{ID: "atelier", Name: "Atelier Nord", LogoURL: "https://images.example.com/atelier.png", Accent: "#0A0B0C", DefaultCurrency: "HKD"}
	created, err := m.Service.PutBrand(admin, b)
	if err != nil || !created {
		t.Fatalf("PutBrand: created %v, %v", created, err)
	}
	b.Accent = "#FFFFFF"
	if created, err := m.Service.PutBrand(admin, b); err != nil || created {
		t.Fatalf("PutBrand again: created %v, %v; want replaced", created, err)
	}
	got, err := m.Service.Brand(clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate), "atelier")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Atelier Nord" || got.Accent != "#FFFFFF" || got.DefaultCurrency != "HKD" || got.LogoURL != b.LogoURL || !got.UpdatedAt.Equal(m.Clock.Now()) {
		t.Errorf("got %+v", got)
	}
	if _, err := m.Service.Brand(admin, "no-such-brand"); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Errorf("unknown brand: %v, want not_found", err)
	}
}

func TestPutBrandRefused(t *testing.T) {
	t.Parallel()
	good := clienteling.Brand{ID: "atelier", Name: "Atelier", Accent: "#0A0B0C", DefaultCurrency: "CNY"}
	tests := []struct {
		name   string
		as     *clienteling.Principal
		change func(*clienteling.Brand)
		code   string
		field  string
	}{
		{"Associate", clientelingtest.AsAssociate, func(*clienteling.Brand) {}, clienteling.EFORBIDDEN, ""},
		{"Manager", clientelingtest.AsManager, func(*clienteling.Brand) {}, clienteling.EFORBIDDEN, ""},
		{"CRM", clientelingtest.AsCRM, func(*clienteling.Brand) {}, clienteling.EFORBIDDEN, ""},
		{"ShortAccent", clientelingtest.AsAdmin, func(b *clienteling.Brand) { b.Accent = "#FFF" }, clienteling.EINVALID, "accent"},
		{"AccentNoHash", clientelingtest.AsAdmin, func(b *clienteling.Brand) { b.Accent = "0A0B0C0" }, clienteling.EINVALID, "accent"},
		{"AccentNotHex", clientelingtest.AsAdmin, func(b *clienteling.Brand) { b.Accent = "#GGGGGG" }, clienteling.EINVALID, "accent"},
		{"NotACurrency", clientelingtest.AsAdmin, func(b *clienteling.Brand) { b.DefaultCurrency = "ABC" }, clienteling.EINVALID, "default_currency"},
		{"LowerCurrency", clientelingtest.AsAdmin, func(b *clienteling.Brand) { b.DefaultCurrency = "cny" }, clienteling.EINVALID, "default_currency"},
		{"NoCurrency", clientelingtest.AsAdmin, func(b *clienteling.Brand) { b.DefaultCurrency = "" }, clienteling.EINVALID, "default_currency"},
		{"NoName", clientelingtest.AsAdmin, func(b *clienteling.Brand) { b.Name = "" }, clienteling.EINVALID, "name"},
		{"LogoNotURL", clientelingtest.AsAdmin, func(b *clienteling.Brand) { b.LogoURL = "javascript:alert(1)" }, clienteling.EINVALID, "logo_url"},
		{"BadID", clientelingtest.AsAdmin, func(b *clienteling.Brand) { b.ID = "Atelier Nord" }, clienteling.EINVALID, "id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := clientelingtest.NewMaison(t)
			b := good
			tc.change(&b)
			_, err := m.Service.PutBrand(clienteling.WithPrincipal(t.Context(), tc.as), &b)
			if clienteling.ErrorCode(err) != tc.code || clienteling.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want %s on %q", err, clienteling.ErrorField(err), tc.code, tc.field)
			}
			if _, err := m.DB.FindBrand(t.Context(), "atelier"); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
				t.Errorf("a refused brand was stored: %v", err)
			}
		})
	}
}

// Prices carry a real ISO 4217 currency, and only the catalog's keepers
// (CRM team, admins) set them.
func TestPutProductsPrice(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	p := func(currency string) *clienteling.Product {
		return &clienteling.Product{SKU: "BAG-2", Title: clienteling.Localized{"en": "Bag"}, Price: clienteling.Money{Amount: 100, Currency: currency}}
	}
	admin := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	if err := m.Service.PutProducts(admin, p("ABC")); clienteling.ErrorField(err) != "price.currency" {
		t.Errorf("currency ABC: %v, want invalid price.currency", err)
	}
	for _, as := range []*clienteling.Principal{clientelingtest.AsAssociate, clientelingtest.AsManager} {
		if err := m.Service.PutProducts(clienteling.WithPrincipal(t.Context(), as), p("CNY")); clienteling.ErrorCode(err) != clienteling.EFORBIDDEN {
			t.Errorf("%s sets a price: %v, want forbidden", as.Role, err)
		}
	}
	if err := m.Service.PutProducts(clienteling.WithPrincipal(t.Context(), clientelingtest.AsCRM), p("EUR")); err != nil {
		t.Errorf("crm sets a price: %v", err)
	}
}

// Stock names boutiques that exist: a misspelt one would make a piece look
// available that no boutique holds.
func TestPutProductsStockBoutiques(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	admin := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	p := &clienteling.Product{SKU: "BAG-3", Title: clienteling.Localized{"en": "Bag"}, Price: clienteling.Money{Amount: 100, Currency: "CNY"},
		Stock: map[clienteling.BoutiqueID]int{"sh-plaza66": 1, "sh-plaza-66": 2}}
	err := m.Service.PutProducts(admin, p)
	if clienteling.ErrorCode(err) != clienteling.ENOTFOUND || clienteling.ErrorField(err) != "stock" {
		t.Fatalf("unknown boutique in stock: %v, want not_found on stock", err)
	}
	if _, err := m.DB.FindProduct(t.Context(), "BAG-3"); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Errorf("a refused product was stored: %v", err)
	}
	delete(p.Stock, "sh-plaza-66")
	if err := m.Service.PutProducts(admin, p); err != nil {
		t.Fatal(err)
	}
}
