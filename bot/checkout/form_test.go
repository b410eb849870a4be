package checkout_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/checkout"
)

// formToken reads the form token off the card's page.
func (f *fixture) formToken(t *testing.T, path string) string {
	t.Helper()
	_, body := f.get(t, path, weChatUA)
	m := regexp.MustCompile(`name="form" value="([^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no form token on the page")
	}
	return m[1]
}

func TestCheckoutFormRejectsBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t, checkout.Options{})
	path := "/c/" + f.card(t, f.client(t, "oCheckoutForm0001", "en", "M"))
	token := f.formToken(t, path)
	tomorrow := f.m.Clock.Now().Add(24 * time.Hour).Format(time.RFC3339)
	deliver := func(change func(url.Values)) url.Values {
		v := url.Values{"form": {token}, "size": {"M"}, "delivery": {"deliver"}, "name": {"Lin"}, "phone": {"+86 138 0000 0009"},
			"city": {"Shanghai"}, "street": {"1266 Nanjing Road West"}, "postcode": {"200040"}, "slot": {tomorrow}}
		change(v)
		return v
	}
	tests := []struct {
		name string
		form url.Values
		want string // the message shown
	}{
		{"size", deliver(func(v url.Values) { v.Set("size", "XL") }), "Please choose one of the sizes offered."},
		{"delivery", deliver(func(v url.Values) { v.Set("delivery", "drone") }), "Please choose collection or delivery."},
		{"boutique", deliver(func(v url.Values) { v.Set("delivery", "collect"); v.Set("boutique", "bj-skp") }), "Please choose a boutique that has the piece."},
		{"name", deliver(func(v url.Values) { v.Del("name") }), "Please enter the recipient&#39;s name."},
		{"phone", deliver(func(v url.Values) { v.Set("phone", "call me") }), "Please enter a valid phone number."},
		{"city", deliver(func(v url.Values) { v.Set("city", "") }), "Please enter the city."},
		{"street", deliver(func(v url.Values) { v.Set("street", strings.Repeat("x", 301)) }), "Please enter the street and number."},
		{"postcode", deliver(func(v url.Values) { v.Set("postcode", "<b>") }), "Please enter a valid postcode."},
		{"slot past", deliver(func(v url.Values) { v.Set("slot", f.m.Clock.Now().Add(-time.Hour).Format(time.RFC3339)) }), "Please choose a delivery time that is still to come."},
		{"slot garbage", deliver(func(v url.Values) { v.Set("slot", "soon") }), "Please choose a delivery time that is still to come."},
		{"form token", deliver(func(v url.Values) { v.Set("form", "forged") }), "This page has expired; please reload it."},
	}
	for _, tt := range tests {
		resp, body := f.post(t, path, tt.form)
		if resp.StatusCode < 400 || !strings.Contains(body, `id="error" role="alert">`+tt.want) {
			t.Errorf("%s: status %d, message %q not shown", tt.name, resp.StatusCode, tt.want)
		}
	}
	if len(f.orders.choices) != 0 {
		t.Errorf("bad input placed %d orders", len(f.orders.choices))
	}
}

func TestCheckoutFormPlacesChoiceWithoutPrice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, checkout.Options{})
	path := "/c/" + f.card(t, f.client(t, "oCheckoutForm0002", "zh-CN", "M"))
	token := f.formToken(t, path)
	resp, body := f.post(t, path, url.Values{"form": {token}, "size": {"S"}, "delivery": {"collect"}, "boutique": {"sh-plaza66"},
		"price": {"1"}, "amount": {"1"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "您的顾问已收到") {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if len(f.orders.choices) != 1 {
		t.Fatalf("%d choices placed, want 1", len(f.orders.choices))
	}
	c := f.orders.choices[0]
	if c.Size != "S" || c.Delivery != checkout.DeliveryCollect || c.Boutique != "sh-plaza66" || c.Address != nil || "/c/"+c.Token != path {
		t.Errorf("placed %+v", c)
	}
}
