package checkout_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/checkout"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

const (
	weChatUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50"
	safariUA  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
	maxPageKB = 60
)

// placed records the choices handed on, as the payment step would take
// them.
type placed struct{ choices []*checkout.Choice }

func (p *placed) PlaceOrder(_ context.Context, c *checkout.Choice) error {
	p.choices = append(p.choices, c)
	return nil
}

type fixture struct {
	m      *clientelingtest.Maison
	srv    *httptest.Server
	orders *placed
}

func newFixture(t testing.TB, opts checkout.Options) *fixture {
	t.Helper()
	m := clientelingtest.NewMaison(t)
	f := &fixture{m: m, orders: &placed{}}
	opts.Orders, opts.Now = f.orders, m.Clock.Now
	mux := http.NewServeMux()
	checkout.New(m.Service, opts).Register(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// client imports a client of amy's in lang, who wears size in bags and has
// written once (so a card may be sent).
func (f *fixture) client(t testing.TB, openid, lang, size string) *clienteling.Customer {
	t.Helper()
	ctx := clienteling.WithPrincipal(t.Context(), clienteling.System())
	c := &clienteling.Customer{Name: "Test Client", Advisor: "amy", Boutique: "sh-plaza66", Tier: clienteling.TierVIP, Language: lang,
		Identities: []clienteling.Identity{{Channel: clienteling.ChannelOA, ExternalID: openid}},
		Consent:    clienteling.Consent{Contact: true, Profiling: true}}
	if size != "" {
		c.Preferences.Sizes = []clienteling.SizePreference{{Category: "bags", Size: size}}
	}
	if err := f.m.Service.ImportCustomers(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := f.m.DB.Receive(ctx, &clienteling.Inbound{Identity: c.Identities[0], DedupeKey: "oa:" + openid,
		Message: clienteling.Message{Type: clienteling.TypeText, Text: "hello"}}, clienteling.AnnounceReceived); err != nil {
		t.Fatal(err)
	}
	return c
}

// card sends the maison's bag to c as amy and returns its token.
func (f *fixture) card(t testing.TB, c *clienteling.Customer) string {
	t.Helper()
	ctx := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate)
	_, card, err := f.m.Service.SendCard(ctx, c.ID, &clienteling.CardRequest{SKU: clientelingtest.MaisonBag})
	if err != nil {
		t.Fatal(err)
	}
	return card.Token
}

func (f *fixture) get(t *testing.T, path, ua string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, f.srv.URL+path, nil)
	req.Header.Set("User-Agent", ua)
	return do(t, req)
}

func (f *fixture) post(t *testing.T, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("User-Agent", weChatUA)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// openedEvents counts the card.opened events waiting in the outbox, by
// subject.
func (f *fixture) openedEvents(t *testing.T) map[string]int {
	t.Helper()
	pending, err := f.m.DB.PendingEvents(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range pending {
		if strings.Contains(string(e.Payload), `"card.opened"`) {
			n[e.Subject]++
		}
	}
	return n
}

func (f *fixture) openedAt(t *testing.T, token string) time.Time {
	t.Helper()
	id, err := f.m.CardKey.VerifyCardToken(token)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.m.DB.FindCard(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c.OpenedAt
}

func TestCheckoutChinese(t *testing.T) {
	t.Parallel()
	f := newFixture(t, checkout.Options{})
	token := f.card(t, f.client(t, "oCheckoutZh000001", "zh-CN", "M"))
	resp, body := f.get(t, "/c/"+token, weChatUA)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for _, want := range []string{"月光手袋", "¥28,500.00", `<option value="M" selected>`, "已根据您的资料预选",
		"Plaza 66", "Amy Li", `loading="lazy"`, "bag-2.jpg", "--accent:#1A2B3C", `lang="zh-CN"`, `name="form"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "SKP") {
		t.Error("page offers collection in SKP, which has none in stock")
	}
	if len(body) > maxPageKB<<10 {
		t.Errorf("page is %d bytes, over %d KB", len(body), maxPageKB)
	}
	if regexp.MustCompile(`<script[^>]+src=|<link[^>]+stylesheet|@import|url\(`).MatchString(body) {
		t.Error("page loads something from outside")
	}
}

func TestCheckoutEnglishWithoutSavedSize(t *testing.T) {
	t.Parallel()
	f := newFixture(t, checkout.Options{})
	token := f.card(t, f.client(t, "oCheckoutEn000001", "en", ""))
	_, body := f.get(t, "/c/"+token, weChatUA)
	for _, want := range []string{"Moonlight bag", "¥28,500.00", "Offered by Amy Li, Plaza 66", "White-glove delivery", `lang="en"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "Preselected from your profile") {
		t.Error("page says a size was preselected for a client without one")
	}
}

func TestCheckoutTamperedTokenIsNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t, checkout.Options{})
	token := f.card(t, f.client(t, "oCheckoutTamper01", "zh-CN", "M"))
	last := token[len(token)-1]
	flip := map[bool]byte{true: 'A', false: 'B'}[last != 'A']
	for _, bad := range []string{token[:len(token)-1] + string(flip), "nope", strings.Repeat("0", 26) + token[26:]} {
		resp, body := f.get(t, "/c/"+bad, weChatUA)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "月光手袋") {
			t.Errorf("GET /c/%s: status %d, product shown: %v", bad, resp.StatusCode, strings.Contains(body, "月光手袋"))
		}
	}
	if got := f.openedEvents(t); len(got) != 0 {
		t.Errorf("tampered tokens recorded %v", got)
	}
	if !f.openedAt(t, token).IsZero() {
		t.Error("a tampered token marked the card opened")
	}
}

func TestCheckoutExpiredIsCourteous(t *testing.T) {
	t.Parallel()
	f := newFixture(t, checkout.Options{})
	token := f.card(t, f.client(t, "oCheckoutExpired1", "en", "M"))
	f.m.Clock.Advance(clienteling.DefaultCardTTL + time.Minute)
	resp, body := f.get(t, "/c/"+token, weChatUA)
	if resp.StatusCode != http.StatusGone {
		t.Errorf("status %d, want 410", resp.StatusCode)
	}
	for _, want := range []string{"This offer has ended", "Amy Li", "Moonlight bag"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<form") {
		t.Error("an expired card offers its form")
	}
	if got := f.openedEvents(t); len(got) != 0 {
		t.Errorf("an expired card recorded %v", got)
	}
}

func TestCheckoutOutsideWeChatShowsQR(t *testing.T) {
	t.Parallel()
	f := newFixture(t, checkout.Options{})
	token := f.card(t, f.client(t, "oCheckoutSafari01", "zh-CN", "M"))
	_, body := f.get(t, "/c/"+token, safariUA)
	if !strings.Contains(body, `id="qr"><img src="data:image/png;base64,`) || !strings.Contains(body, "请用微信扫码继续") {
		t.Error("no QR code to continue in WeChat")
	}
	if strings.Contains(body, "<form") {
		t.Error("the order form shows outside WeChat")
	}
	if !strings.Contains(body, "月光手袋") {
		t.Error("the product is not shown outside WeChat")
	}
}

func TestCheckoutOpenedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, checkout.Options{})
	token := f.card(t, f.client(t, "oCheckoutOnce0001", "zh-CN", "M"))
	f.get(t, "/c/"+token, weChatUA)
	first := f.openedAt(t, token)
	if first.IsZero() {
		t.Fatal("the first open did not mark the card")
	}
	f.m.Clock.Advance(time.Hour)
	f.get(t, "/c/"+token, weChatUA)
	if got := f.openedAt(t, token); !got.Equal(first) {
		t.Errorf("second open moved OpenedAt from %v to %v", first, got)
	}
	got := f.openedEvents(t)
	want := map[string]int{clienteling.EventSubject(clienteling.EventCardOpened): 1, clienteling.AssociateSubject("amy"): 1}
	if len(got) != len(want) || got[clienteling.EventSubject(clienteling.EventCardOpened)] != 1 || got[clienteling.AssociateSubject("amy")] != 1 {
		t.Errorf("card.opened events %v, want %v", got, want)
	}
}

func TestCheckoutSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, checkout.Options{})
	token := f.card(t, f.client(t, "oCheckoutHeader01", "zh-CN", "M"))
	var nonces []string
	for _, path := range []string{"/c/" + token, "/c/" + token, "/c/unknown"} {
		resp, body := f.get(t, path, weChatUA)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		m := regexp.MustCompile(`^default-src 'none'; img-src https: data:; style-src 'nonce-([A-Za-z0-9_-]{16,})'; script-src 'nonce-([A-Za-z0-9_-]{16,})'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$`).FindStringSubmatch(csp)
		if m == nil || m[1] != m[2] {
			t.Fatalf("%s: CSP %q", path, csp)
		}
		if !strings.Contains(body, `<style nonce="`+m[1]+`">`) {
			t.Errorf("%s: the style does not carry the response's nonce", path)
		}
		nonces = append(nonces, m[1])
		for k, v := range map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), v)
			}
		}
	}
	if nonces[0] == nonces[1] {
		t.Error("two responses share a nonce")
	}
}

func TestCheckoutRateLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, checkout.Options{PerMinute: 3})
	for i := range 3 {
		if resp, _ := f.get(t, "/c/unknown", weChatUA); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("request %d: status %d", i, resp.StatusCode)
		}
	}
	resp, _ := f.get(t, "/c/unknown", weChatUA)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("fourth request: status %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	f.m.Clock.Advance(time.Minute)
	if resp, _ := f.get(t, "/c/unknown", weChatUA); resp.StatusCode != http.StatusNotFound {
		t.Errorf("after a minute: status %d", resp.StatusCode)
	}
}
