package locales

import (
	"slices"
	"testing"
)

// TestConsoleCatalogsHaveTheSameKeys fails when a console string is in one
// language and not another: staff would see a key instead of words.
func TestConsoleCatalogsHaveTheSameKeys(t *testing.T) {
	t.Parallel()
	cats, langs, err := Console()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(langs, []string{"zh-CN", "en"}) {
		t.Fatalf("console languages %v, want [zh-CN en]", langs)
	}
	for _, a := range langs {
		for key := range cats[a] {
			for _, b := range langs {
				if _, ok := cats[b][key]; !ok {
					t.Errorf("console key %q is in %s but missing from %s", key, a, b)
				}
			}
		}
	}
}
