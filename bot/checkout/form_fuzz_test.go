package checkout

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// FuzzParseChoice: whatever the page posts, the parser answers a choice
// within what was offered, or a field error; it never panics.
func FuzzParseChoice(f *testing.F) {
	f.Add("size=M&delivery=collect&boutique=sh-plaza66")
	f.Add("size=S&delivery=deliver&name=Lin&phone=%2B8613800000009&city=Shanghai&street=1+Road&postcode=200040&slot=2026-11-24T10%3A00%3A00%2B08%3A00")
	f.Add("size=XL&delivery=deliver&slot=yesterday&price=1")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	o := offer{sizes: []string{"S", "M"}, boutiques: []clienteling.BoutiqueID{"sh-plaza66"}, now: now}
	f.Fuzz(func(t *testing.T, raw string) {
		form, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		c, ferr := parseChoice(form, "token", o)
		if (c == nil) == (ferr == nil) {
			t.Fatalf("choice %v and error %v", c, ferr)
		}
		if ferr != nil {
			if ferr.Field == "" {
				t.Fatalf("error without a field: %v", ferr)
			}
			return
		}
		if !slices.Contains(o.sizes, c.Size) {
			t.Fatalf("size %q was not offered", c.Size)
		}
		switch c.Delivery {
		case DeliveryCollect:
			if !slices.Contains(o.boutiques, c.Boutique) {
				t.Fatalf("boutique %q has no stock", c.Boutique)
			}
		case DeliveryDeliver:
			if c.Address == nil || !c.Slot.After(now) || c.Address.Phone[0] != '+' {
				t.Fatalf("delivery %+v at %v", c.Address, c.Slot)
			}
		default:
			t.Fatalf("delivery %q", c.Delivery)
		}
	})
}
