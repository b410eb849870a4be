package wechatsim

import (
	"net/url"
	"testing"
	"time"
)

func TestOAToken_ExpiryAndSupersession(t *testing.T) {
	t.Parallel()
	s, clk := startClocked(t, Options{TokenTTL: time.Hour})
	s.SetOAUser(OAUser{OpenID: "oVIP", Subscribe: true, Language: "zh_CN"})

	first := oaToken(t, s)
	if got := userInfo(t, s, first, "oVIP").Errcode; got != 0 {
		t.Fatalf("fresh token: errcode %d, want 0", got)
	}
	second := oaToken(t, s)
	if first == second {
		t.Fatal("/cgi-bin/token returned the same token twice; WeChat issues a new one per call")
	}
	steps := []struct {
		name    string
		advance time.Duration
		token   string
		want    int
	}{
		{"OldTokenInGrace", 4 * time.Minute, first, 0},
		{"NewToken", 0, second, 0},
		{"OldTokenAfterGrace", 2 * time.Minute, first, 40001},
		{"NewTokenBeforeTTL", 50 * time.Minute, second, 0},
		{"NewTokenAfterTTL", 10 * time.Minute, second, 42001},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		if got := userInfo(t, s, st.token, "oVIP").Errcode; got != st.want {
			t.Errorf("%s: errcode %d, want %d", st.name, got, st.want)
		}
	}
	if got := s.TokensIssued(); got != 2 {
		t.Errorf("TokensIssued = %d, want 2", got)
	}
}

func TestTokenEndpoints_Errors(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	o := s.Options()
	oaTok := oaToken(t, s)
	wcTok := wecomToken(t, s, DefaultAppSecret)
	issued := s.TokensIssued()

	tests := []struct {
		name  string
		path  string
		query url.Values
		want  int
	}{
		{"OABadAppID", "/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {"wx0000000000000000"}, "secret": {o.OASecret}}, 40013},
		{"OABadSecret", "/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {o.OAAppID}, "secret": {"nope"}}, 40125},
		{"OANoSecret", "/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {o.OAAppID}}, 41004},
		{"OABadGrant", "/cgi-bin/token", url.Values{"grant_type": {"x"}, "appid": {o.OAAppID}, "secret": {o.OASecret}}, 40002},
		{"WeComBadCorp", "/cgi-bin/gettoken", url.Values{"corpid": {"ww0"}, "corpsecret": {DefaultAppSecret}}, 40013},
		{"WeComBadSecret", "/cgi-bin/gettoken", url.Values{"corpid": {o.CorpID}, "corpsecret": {"nope"}}, 40001},
		{"MissingToken", "/cgi-bin/user/info", url.Values{"openid": {"o"}}, 41001},
		{"GarbageOAToken", "/cgi-bin/user/info", url.Values{"access_token": {"garbage"}, "openid": {"o"}}, 40001},
		{"WeComTokenOnOA", "/cgi-bin/user/info", url.Values{"access_token": {wcTok}, "openid": {"o"}}, 40001},
		{"GarbageWeComToken", "/cgi-bin/externalcontact/get", url.Values{"access_token": {"garbage"}}, 40014},
		{"OATokenOnWeCom", "/cgi-bin/externalcontact/get", url.Values{"access_token": {oaTok}}, 40014},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := get(t, s, tt.path, tt.query)
			if r.Status != 200 || r.Errcode != tt.want {
				t.Errorf("status %d errcode %d (%v), want 200 and %d", r.Status, r.Errcode, r.Fields["errmsg"], tt.want)
			}
		})
	}
	if got := s.TokensIssued(); got != issued {
		t.Errorf("failed token requests counted: TokensIssued %d, want %d", got, issued)
	}
}

func TestWeComToken_PerSecretAndStable(t *testing.T) {
	t.Parallel()
	s, clk := startClocked(t, Options{})
	app1 := wecomToken(t, s, DefaultAppSecret)
	app2 := wecomToken(t, s, DefaultAppSecret)
	kf := wecomToken(t, s, DefaultKfSecret)
	if app1 != app2 {
		t.Errorf("same secret, live token: got %s then %s, want the same", app1, app2)
	}
	if app1 == kf {
		t.Error("two secrets got the same token")
	}
	clk.Advance(7200 * time.Second)
	app3 := wecomToken(t, s, DefaultAppSecret)
	if app3 == app1 {
		t.Error("expired token handed out again")
	}
	kf = wecomToken(t, s, DefaultKfSecret)
	tests := []struct {
		secret string
		want   int
	}{
		{DefaultAppSecret, 3},
		{DefaultKfSecret, 2},
		{DefaultContactSecret, 0},
	}
	for _, tt := range tests {
		if got := s.TokensIssuedFor(tt.secret); got != tt.want {
			t.Errorf("TokensIssuedFor(%s) = %d, want %d", tt.secret, got, tt.want)
		}
	}
	s.SetExternalContact(ExternalContact{ExternalUserID: "wmA"})
	get(t, s, "/cgi-bin/externalcontact/get", url.Values{"access_token": {kf}, "external_userid": {"wmA"}})
	call, _ := s.LastCall("/cgi-bin/externalcontact/get")
	if call.Credential != DefaultKfSecret || call.Errcode != 0 {
		t.Errorf("call credential %q errcode %d, want %q and 0", call.Credential, call.Errcode, DefaultKfSecret)
	}
}

func TestStableToken(t *testing.T) {
	t.Parallel()
	s, clk := startClocked(t, Options{})
	o := s.Options()
	stable := func(force bool) string {
		t.Helper()
		r := post(t, s, "/cgi-bin/stable_token", "", map[string]any{
			"grant_type": "client_credential", "appid": o.OAAppID, "secret": o.OASecret, "force_refresh": force})
		tok, _ := r.Fields["access_token"].(string)
		if tok == "" {
			t.Fatalf("stable_token: %v", r.Fields)
		}
		return tok
	}
	a, b := stable(false), stable(false)
	if a != b {
		t.Errorf("stable_token without force gave %s then %s, want the same", a, b)
	}
	c := stable(true)
	if c == a {
		t.Error("force_refresh returned the old token")
	}
	s.SetOAUser(OAUser{OpenID: "oVIP"})
	steps := []struct {
		name    string
		advance time.Duration
		token   string
		want    int
	}{
		{"OldInGrace", 20 * time.Second, a, 0},
		{"OldAfterGrace", 20 * time.Second, a, 40001},
		{"New", 0, c, 0},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		if got := userInfo(t, s, st.token, "oVIP").Errcode; got != st.want {
			t.Errorf("%s: errcode %d, want %d", st.name, got, st.want)
		}
	}
	if bad := post(t, s, "/cgi-bin/stable_token", "", map[string]any{"grant_type": "client_credential", "appid": o.OAAppID, "secret": "x"}); bad.Errcode != 40125 {
		t.Errorf("bad secret: errcode %d, want 40125", bad.Errcode)
	}
}

func TestExpireAndRevokeTokens(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	s.SetOAUser(OAUser{OpenID: "oVIP"})
	s.SetExternalContact(ExternalContact{ExternalUserID: "wmA"})
	tests := []struct {
		name      string
		act       func()
		wantOA    int
		wantWeCom int
	}{
		{"Expire", s.ExpireTokens, 42001, 42001},
		{"Revoke", s.RevokeTokens, 40001, 40014},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oa, wc := oaToken(t, s), wecomToken(t, s, DefaultContactSecret)
			tt.act()
			if got := userInfo(t, s, oa, "oVIP").Errcode; got != tt.wantOA {
				t.Errorf("OA errcode %d, want %d", got, tt.wantOA)
			}
			ext := get(t, s, "/cgi-bin/externalcontact/get", url.Values{"access_token": {wc}, "external_userid": {"wmA"}})
			if ext.Errcode != tt.wantWeCom {
				t.Errorf("WeCom errcode %d, want %d", ext.Errcode, tt.wantWeCom)
			}
			if fresh := wecomToken(t, s, DefaultContactSecret); fresh == wc {
				t.Error("a dead WeCom token was handed out again")
			}
		})
	}
}

func TestScopes(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{Scopes: map[string][]string{DefaultKfSecret: {"/cgi-bin/kf/sync_msg"}}})
	kf := wecomToken(t, s, DefaultKfSecret)
	app := wecomToken(t, s, DefaultAppSecret)
	tests := []struct {
		name, token, path string
		want              int
	}{
		{"KfOnKf", kf, "/cgi-bin/kf/sync_msg", 0},
		{"KfOnContact", kf, "/cgi-bin/externalcontact/add_contact_way", 48002},
		{"UnscopedSecret", app, "/cgi-bin/kf/sync_msg", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, s, tt.path, tt.token, map[string]any{"type": 1, "scene": 2, "user": []string{"amy"}})
			if r.Errcode != tt.want {
				t.Errorf("errcode %d, want %d", r.Errcode, tt.want)
			}
		})
	}
}
