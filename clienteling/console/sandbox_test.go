package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/console"
)

// TestSandboxSignInAsIsLoopbackOnly: the demo staff are offered and
// signed in as over loopback; a proxied request is offered nothing and
// refused, and a console without sandbox staff has no such door.
func TestSandboxSignInAsIsLoopbackOnly(t *testing.T) {
	t.Parallel()
	staff := []*clienteling.Associate{{UserID: "amy", Name: "Amy Li", Role: "associate"}}
	r := newRig(t, func(c *console.Config) { c.SandboxStaff = staff })
	b := r.browser(t)
	page := b.get(t, "/signin")
	if !strings.Contains(page.body, `data-userid="amy"`) {
		t.Fatalf("the sign-in page offers no demo staff over loopback:\n%s", page.body)
	}
	token := formToken(t, page.body)

	// Every header a proxy adds gives it away, X-Forwarded-Server as much
	// as X-Forwarded-For.
	for _, header := range []string{"X-Forwarded-For", "X-Forwarded-Server", "Forwarded", "Via", "X-Real-IP"} {
		proxied := r.browser(t)
		proxied.Jar = b.Jar
		req, _ := http.NewRequest(http.MethodPost, r.url+"/signin/sandbox", strings.NewReader(url.Values{"csrf": {token}, "userid": {"amy"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(header, "203.0.113.7")
		resp, err := proxied.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Fatalf("sign-in-as proxied with %s: %d, want 404", header, resp.StatusCode)
		}
		b.mustBeSignedOut(t)
	}

	if a := b.post(t, "/signin/sandbox", url.Values{"csrf": {token}, "userid": {"sophie"}}); a.status != http.StatusBadRequest {
		t.Fatalf("sign in as someone not offered: %d, want 400", a.status)
	}
	if a := b.post(t, "/signin/sandbox", url.Values{"csrf": {token}, "userid": {"amy"}}); a.status != http.StatusSeeOther {
		t.Fatalf("sign in as amy: %d: %s", a.status, a.body)
	}
	b.mustBeSignedIn(t)

	plain := newRig(t)
	pb := plain.browser(t)
	if a := pb.post(t, "/signin/sandbox", url.Values{"csrf": {token}, "userid": {"amy"}}); a.status != http.StatusNotFound {
		t.Fatalf("sign-in-as outside sandbox mode: %d, want 404", a.status)
	}
}
