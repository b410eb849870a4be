package locales

import "testing"

// TestCheckoutCatalogsAgree fails when a checkout message exists in one
// language only, when translations disagree on their placeholders, or when
// a language of the bot has no checkout catalog.
func TestCheckoutCatalogsAgree(t *testing.T) {
	t.Parallel()
	catalogsAgree(t, "checkout/", checkoutCatalogs)
	for _, lang := range Languages() {
		if _, ok := checkoutCatalogs[lang]; !ok {
			t.Errorf("no checkout catalog for %s", lang)
		}
	}
}

func TestCheckout(t *testing.T) {
	t.Parallel()
	if got := Checkout("en-GB", "advisor", "Amy", "Plaza 66"); got != "Offered by Amy, Plaza 66" {
		t.Errorf("Checkout(en-GB, advisor) = %q", got)
	}
	if got := Checkout("zh_CN", "size"); got != "尺码" {
		t.Errorf("Checkout(zh_CN, size) = %q", got)
	}
}
