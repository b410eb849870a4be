package wechatsim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/util"
)

// noRedirect is a browser that stops at the first redirect, to read it.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize opens the authorize URL and returns the code and state of the
// redirect back, or the status of the error page.
func authorize(t *testing.T, s *Server, authURL string, cookie *http.Cookie) (code, state string, status int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.Rewrite(authURL), nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return "", "", resp.StatusCode
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(back.String(), "https://salon.example/c/tok?") {
		t.Fatalf("redirected to %q", resp.Header.Get("Location"))
	}
	return back.Query().Get("code"), back.Query().Get("state"), resp.StatusCode
}

// TestOAuthWithSilenceper drives snsapi_base authorisation with the bot's
// library: its redirect URL, the simulator's redirect back, and the code
// traded for the openid. silenceper's URLs are fixed, so it goes through
// the library's global URI modifier; this test must not run in parallel.
func TestOAuthWithSilenceper(t *testing.T) {
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	s := startSim(t, Options{Clock: func() time.Time { return now }})
	util.SetURIModifier(s.Rewrite)
	t.Cleanup(func() { util.SetURIModifier(nil) })
	o := s.Options()
	oa := officialaccount.NewOfficialAccount(&oaconfig.Config{AppID: o.OAAppID, AppSecret: o.OASecret, Cache: cache.NewMemory()})
	authURL, err := oa.GetOauth().GetRedirectURL("https://salon.example/c/tok?lang=zh", "snsapi_base", "st8")
	if err != nil {
		t.Fatal(err)
	}

	if _, _, status := authorize(t, s, authURL, nil); status != http.StatusForbidden {
		t.Fatalf("with nobody browsing: status %d, want 403", status)
	}
	s.SetOAuthUser("oVIP")
	s.SetOAUser(OAUser{OpenID: "oVIP", UnionID: "uVIP"})
	code, state, _ := authorize(t, s, authURL, nil)
	if code == "" || state != "st8" {
		t.Fatalf("redirect back: code %q state %q", code, state)
	}
	tok, err := oa.GetOauth().GetUserAccessToken(code)
	if err != nil || tok.OpenID != "oVIP" || tok.Scope != "snsapi_base" || tok.AccessToken == "" || tok.UnionID != "uVIP" {
		t.Fatalf("GetUserAccessToken = %+v, %v", tok, err)
	}
	if _, err := oa.GetOauth().GetUserAccessToken(code); err == nil || !strings.Contains(err.Error(), "40163") {
		t.Errorf("a code traded twice: %v, want 40163", err)
	}

	other, _, _ := authorize(t, s, authURL, &http.Cookie{Name: OAuthCookie, Value: "oOther"})
	if tok, err := oa.GetOauth().GetUserAccessToken(other); err != nil || tok.OpenID != "oOther" {
		t.Errorf("the cookie's user: %+v, %v", tok, err)
	}
	stale, _, _ := authorize(t, s, authURL, nil)
	now = now.Add(oauthCodeTTL + time.Second)
	if _, err := oa.GetOauth().GetUserAccessToken(stale); err == nil || !strings.Contains(err.Error(), "40029") {
		t.Errorf("a code traded after five minutes: %v, want 40029", err)
	}
	if _, err := oa.GetOauth().GetUserAccessToken("made-up"); err == nil || !strings.Contains(err.Error(), "40029") {
		t.Errorf("a made-up code: %v, want 40029", err)
	}
	if s.OAuthCodesIssued() != 3 {
		t.Errorf("codes issued %d, want 3", s.OAuthCodesIssued())
	}
}

func TestOAuthRefuses(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	s.SetOAuthUser("oVIP")
	o := s.Options()
	good := url.Values{"appid": {o.OAAppID}, "redirect_uri": {"https://salon.example/c/tok"}, "response_type": {"code"},
		"scope": {"snsapi_base"}, "state": {"s"}}
	for name, edit := range map[string]func(v url.Values){
		"OtherApp":     func(v url.Values) { v.Set("appid", "wx0000000000000000") },
		"NoRedirect":   func(v url.Values) { v.Del("redirect_uri") },
		"RelativeBack": func(v url.Values) { v.Set("redirect_uri", "/c/tok") },
		"JavaScript":   func(v url.Values) { v.Set("redirect_uri", "javascript:alert(1)") },
		"OtherScope":   func(v url.Values) { v.Set("scope", "snsapi_login") },
		"Token":        func(v url.Values) { v.Set("response_type", "token") },
	} {
		v := url.Values{}
		for k, vs := range good {
			v[k] = append([]string(nil), vs...)
		}
		edit(v)
		if _, _, status := authorize(t, s, "https://open.weixin.qq.com/connect/oauth2/authorize?"+v.Encode(), nil); status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, status)
		}
	}
	code, _, _ := authorize(t, s, "https://open.weixin.qq.com/connect/oauth2/authorize?"+good.Encode(), nil)
	for name, tc := range map[string]struct {
		query   url.Values
		errcode int
	}{
		"WrongSecret": {url.Values{"appid": {o.OAAppID}, "secret": {"nope"}, "code": {code}, "grant_type": {"authorization_code"}}, 40125},
		"OtherApp":    {url.Values{"appid": {"wx0000000000000000"}, "secret": {o.OASecret}, "code": {code}, "grant_type": {"authorization_code"}}, 40013},
		"NoApp":       {url.Values{"secret": {o.OASecret}, "code": {code}, "grant_type": {"authorization_code"}}, 41002},
		"OtherGrant":  {url.Values{"appid": {o.OAAppID}, "secret": {o.OASecret}, "code": {code}, "grant_type": {"client_credential"}}, 40035},
	} {
		resp, err := http.Get(s.URL() + "/sns/oauth2/access_token?" + tc.query.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if c, _ := s.LastCall("/sns/oauth2/access_token"); c.Errcode != tc.errcode {
			t.Errorf("%s: errcode %d, want %d", name, c.Errcode, tc.errcode)
		}
	}
}
