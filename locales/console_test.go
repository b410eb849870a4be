package locales

import (
	"slices"
	"testing"
)

// TestConsoleCatalogsHaveTheSameKeys fails when a console string is in one
// language and not another (staff would see a key instead of words), or
// when translations disagree on their placeholders.
func TestConsoleCatalogsHaveTheSameKeys(t *testing.T) {
	t.Parallel()
	cats, langs, err := Console()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(langs, []string{"zh-CN", "en"}) {
		t.Fatalf("console languages %v, want [zh-CN en]", langs)
	}
	catalogsAgree(t, "console/", cats)
}
