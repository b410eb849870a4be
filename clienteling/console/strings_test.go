package console_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/locales"
)

// TestEveryStringIsTranslated fails when a template or handler names a
// string that a console catalog lacks, and for the keys made from the
// domain's routing reasons and message statuses.
func TestEveryStringIsTranslated(t *testing.T) {
	t.Parallel()
	words, langs, err := locales.Console()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	find := regexp.MustCompile(`(?:t \$?\.Lang|c\.text\(rq\.lang,) "([a-z_.]+)"`)
	files, _ := filepath.Glob("templates/*.html")
	code, _ := filepath.Glob("*.go")
	for _, f := range append(files, code...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range find.FindAllStringSubmatch(string(raw), -1) {
			used[m[1]] = true
		}
	}
	if len(used) < 30 {
		t.Fatalf("found only %d strings in use: is the pattern broken?", len(used))
	}
	for _, r := range []string{clienteling.RouteAdvisorOnDuty, clienteling.RouteAdvisorAway, clienteling.RouteAdvisorOffDuty,
		clienteling.RouteAdvisorDeparted, clienteling.RouteNoAdvisor, clienteling.RouteManagerAssigned, clienteling.RouteReoffered, clienteling.RouteTransferred} {
		used["reason."+r] = true
	}
	for _, s := range []string{clienteling.StatusQueued, clienteling.StatusSending, clienteling.StatusSent, clienteling.StatusFailed} {
		used["status."+s] = true
	}
	for _, w := range []string{"window.never", "window.expired", "window.full"} {
		used[w] = true
	}
	for key := range used {
		for _, l := range langs {
			if _, ok := words[l][key]; !ok {
				t.Errorf("%s: no %q", l, key)
			}
		}
	}
}
