package locales

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestCheckoutCatalogsAgree fails when a checkout message exists in one
// language only, when translations disagree on their placeholders, or when
// a language of the bot has no checkout catalog.
func TestCheckoutCatalogsAgree(t *testing.T) {
	t.Parallel()
	ref := checkoutCatalogs[Default]
	if len(ref) == 0 {
		t.Fatal("no checkout catalog in the default language")
	}
	for _, lang := range Languages() {
		if _, ok := checkoutCatalogs[lang]; !ok {
			t.Errorf("no checkout catalog for %s", lang)
		}
	}
	for name, cat := range checkoutCatalogs {
		if got, want := slices.Sorted(maps.Keys(cat)), slices.Sorted(maps.Keys(ref)); !slices.Equal(got, want) {
			t.Errorf("checkout/%s has keys %v, %s has %v", name, got, Default, want)
		}
		for id, msg := range cat {
			if got, want := strings.Count(msg, "%"), strings.Count(ref[id], "%"); got != want {
				t.Errorf("checkout/%s/%s has %d placeholders, want %d", name, id, got, want)
			}
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
