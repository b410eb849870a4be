package clientelingtest

import (
	"testing"

	"github.com/salonhq/salon/clienteling"
)

// The second house of the group NewGroup builds, and its boutique.
const (
	Brand         clienteling.BrandID    = "maison" // the brand of NewMaison's boutiques
	OtherBrand    clienteling.BrandID    = "atelier"
	OtherBoutique clienteling.BoutiqueID = "sz-mixc"
)

// GroupProduct is the SKU of the product NewGroup stocks in a boutique of
// each brand.
const GroupProduct clienteling.SKU = "BAG-GROUP"

// Group is a deployment serving two maisons of one group on one database:
// the Maison (brand "maison") and a second house, brand "atelier":
//
//	sz-mixc: xavier (associate), yara (manager)
//
// with one client of xavier's who has written, and one product stocked in
// sh-plaza66 and in sz-mixc.
type Group struct {
	*Maison
	// Others is xavier's client: outside every view limited to "maison".
	Others *clienteling.Customer
}

// The principals limited to the maison's brand, as Authenticate makes them
// from brand-limited tokens.
var (
	AsBrandAdmin = &clienteling.Principal{Subject: "maison-ops", Role: clienteling.RoleAdmin, Brand: Brand}
	AsBrandCRM   = &clienteling.Principal{Subject: "maison-crm", Role: clienteling.RoleCRM, Brand: Brand}
)

// NewGroup builds the group on a fresh database, checked at cleanup.
func NewGroup(tb testing.TB) *Group {
	tb.Helper()
	ctx := clienteling.WithPrincipal(tb.Context(), clienteling.System())
	g := &Group{Maison: NewMaison(tb)}
	if err := g.Service.CreateBoutique(ctx, &clienteling.Boutique{ID: OtherBoutique, Brand: OtherBrand, Name: "MixC",
		City: "Shenzhen", Timezone: "Asia/Shanghai"}); err != nil {
		tb.Fatal(err)
	}
	if err := g.Service.CreateAssociates(ctx,
		&clienteling.Associate{UserID: "xavier", Name: "Xavier Gu", Boutique: OtherBoutique, Role: "associate"},
		&clienteling.Associate{UserID: "yara", Name: "Yara He", Boutique: OtherBoutique, Role: "manager"},
	); err != nil {
		tb.Fatal(err)
	}
	if _, err := g.DB.SetAssociateQRCode(ctx, "xavier", "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=xavier"); err != nil {
		tb.Fatal(err)
	}
	g.Others = g.client(tb, "xavier", OtherBoutique, "oOthersClientOpen4", "Han Yuqing", "+8613800000004")
	if err := g.Service.PutProducts(ctx, &clienteling.Product{SKU: GroupProduct, Title: clienteling.Localized{"en": "Group bag"},
		Price: clienteling.Money{Amount: 100, Currency: "CNY"}, Stock: map[clienteling.BoutiqueID]int{"sh-plaza66": 2, OtherBoutique: 3}}); err != nil {
		tb.Fatal(err)
	}
	return g
}
