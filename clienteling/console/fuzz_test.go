package console

import (
	"strings"
	"testing"
)

// FuzzLocalPath: whatever ?next= says, the console redirects only to a
// path of its own site, never to another host.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/", "/clients/01M8VY3D0A920A95D6WB0S0VFJ", "//evil.example", "/\\evil.example", "https://evil.example", "", "javascript:alert(1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := localPath(next)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") ||
			strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
			t.Fatalf("localPath(%q) = %q leaves the site", next, got)
		}
		if got != "/" && got != next {
			t.Fatalf("localPath(%q) = %q changed a local path", next, got)
		}
	})
}
