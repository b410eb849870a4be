package console_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/console"
	"github.com/salonhq/salon/locales"
)

// rig is the kit's maison with the console served over real HTTP.
type rig struct {
	*clientelingtest.Maison
	url string
}

func newRig(t testing.TB, change ...func(*console.Config)) *rig {
	t.Helper()
	m := clientelingtest.NewMaison(t)
	words, langs, err := locales.Console()
	if err != nil {
		t.Fatal(err)
	}
	cfg := console.Config{Service: m.Service, Strings: words, Languages: langs, Now: m.Clock.Now}
	for _, f := range change {
		f(&cfg)
	}
	mux := http.NewServeMux()
	console.New(cfg).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &rig{Maison: m, url: srv.URL}
}

// browser is a cookie-keeping client that does not follow redirects, so
// that tests see where the console sends it.
type browser struct {
	*http.Client
	base string
}

func (r *rig) browser(t testing.TB) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{Client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, base: r.url}
}

type answer struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (b *browser) get(t testing.TB, path string) answer {
	t.Helper()
	return b.do(t, http.MethodGet, path, nil)
}

func (b *browser) post(t testing.TB, path string, form url.Values) answer {
	t.Helper()
	return b.do(t, http.MethodPost, path, form)
}

func (b *browser) do(t testing.TB, method, path string, form url.Values) answer {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(context.Background(), method, b.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw), header: resp.Header}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// formToken returns the CSRF token of the first form on a page.
func formToken(t testing.TB, page string) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page:\n%s", page)
	}
	return m[1]
}

// issueLink makes a sign-in link secret for id, as an admin.
func (r *rig) issueLink(t testing.TB, id clienteling.AssociateID) string {
	t.Helper()
	secret, _, err := r.Service.IssueSignInLink(clienteling.WithPrincipal(context.Background(), clientelingtest.AsAdmin), id)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// useLink opens a sign-in link and confirms it, as a person does.
func (b *browser) useLink(t testing.TB, secret string) answer {
	t.Helper()
	page := b.get(t, "/signin/link?t="+url.QueryEscape(secret))
	return b.post(t, "/signin/link", url.Values{"csrf": {formToken(t, page.body)}, "t": {secret}})
}

// signIn signs the browser in as id by a fresh link.
func (r *rig) signIn(t testing.TB, id clienteling.AssociateID) *browser {
	t.Helper()
	b := r.browser(t)
	if a := b.useLink(t, r.issueLink(t, id)); a.status != http.StatusSeeOther || a.location != "/" {
		t.Fatalf("sign in as %s: %d to %q: %s", id, a.status, a.location, a.body)
	}
	return b
}

// mustBeSignedOut checks that the browser's session no longer opens the desk.
func (b *browser) mustBeSignedOut(t testing.TB) {
	t.Helper()
	if a := b.get(t, "/"); a.status != http.StatusSeeOther || a.location != "/signin" {
		t.Fatalf("desk answered %d to %q, want a redirect to /signin", a.status, a.location)
	}
}

func (b *browser) mustBeSignedIn(t testing.TB) answer {
	t.Helper()
	a := b.get(t, "/")
	if a.status != http.StatusOK {
		t.Fatalf("desk answered %d to %q, want 200", a.status, a.location)
	}
	return a
}
