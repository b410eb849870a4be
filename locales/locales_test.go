package locales

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"zh_CN", "zh-CN"}, {"zh-CN", "zh-CN"}, {"zh-TW", "zh-CN"}, {"en", "en"}, {"en-GB", "en"},
		{"fr-FR,en;q=0.8", "en"}, {"", Default}, {"!!", Default},
	}
	for _, tt := range tests {
		if got := Match(tt.in); got != tt.want {
			t.Errorf("Match(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCatalogsAgree fails when a message exists in one language only, or
// when translations disagree on their placeholders.
func TestCatalogsAgree(t *testing.T) {
	t.Parallel()
	catalogsAgree(t, "", catalogs)
}

// catalogsAgree fails when a message of one of cats' languages is missing
// in another, or when translations disagree on their placeholders; prefix
// names the catalog set in the errors.
func catalogsAgree(t *testing.T, prefix string, cats map[string]map[string]string) {
	t.Helper()
	ref := cats[Default]
	if len(ref) == 0 {
		t.Fatalf("%sno catalog in the default language", prefix)
	}
	for name, cat := range cats {
		if got, want := slices.Sorted(maps.Keys(cat)), slices.Sorted(maps.Keys(ref)); !slices.Equal(got, want) {
			t.Errorf("%s%s has keys %v, %s has %v", prefix, name, got, Default, want)
		}
		for id, msg := range cat {
			if got, want := strings.Count(msg, "%"), strings.Count(ref[id], "%"); got != want {
				t.Errorf("%s%s/%s has %d placeholders, want %d", prefix, name, id, got, want)
			}
		}
	}
}

func TestT(t *testing.T) {
	t.Parallel()
	if got, want := T("en", "advisor_linked", "Amy"), "Amy is now your personal advisor. Write here any time."; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := T("de", "advisor_linked", "Amy"); !strings.Contains(got, "专属顾问") {
		t.Errorf("unmatched language should fall back to %s, got %q", Default, got)
	}
	if got := T("en", "no.such.message"); got != "no.such.message" {
		t.Errorf("got %q", got)
	}
}
