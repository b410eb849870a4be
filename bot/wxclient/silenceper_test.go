package wxclient

import (
	"errors"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	workconfig "github.com/silenceper/wechat/v2/work/config"
)

// TestNewOfficialAccount: silenceper's OA calls carry the provider's token
// and silenceper never fetches one itself.
func TestNewOfficialAccount(t *testing.T) {
	f := newFake(t)
	f.serveTokens(7200)
	c := f.install(t)
	f.handleJSON("/oa/cgi-bin/message/custom/send", map[string]any{"errcode": 45015, "errmsg": "response out of time limit"})
	p := newTestProvider(t, c, oaCred, ProviderOptions{})

	oa, err := NewOfficialAccount(&config.Config{AppID: oaCred.ID, AppSecret: oaCred.Secret}, p)
	if err != nil {
		t.Fatal(err)
	}
	err = Wrap("oa send", oa.GetCustomerMessageManager().Send(message.NewCustomerTextMessage("o1", "hello")))

	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 45015 {
		t.Fatalf("Send error = %v, want errcode 45015 kept by Wrap", err)
	}
	sends := f.requests("/oa/cgi-bin/message/custom/send")
	if len(sends) != 1 || sends[0].Query.Get("access_token") != "tok-oa-1" {
		t.Fatalf("sends = %+v, want one with tok-oa-1", sends)
	}
	if got := f.count("/oa/cgi-bin/stable_token") + f.count("/oa/cgi-bin/token"); got != 1 {
		t.Errorf("token fetches = %d, want 1 (the provider's)", got)
	}

	t.Run("ErrOtherApp", func(t *testing.T) {
		if _, err := NewOfficialAccount(&config.Config{AppID: "wxother"}, p); err == nil {
			t.Error("a provider of another appid was accepted")
		}
	})
}

// TestNewWork: clients handed out by Work use the provider's token.
func TestNewWork(t *testing.T) {
	f := newFake(t)
	f.serveTokens(7200)
	c := f.install(t)
	f.handleJSON("/wecom/cgi-bin/externalcontact/get", map[string]any{"errcode": 0, "errmsg": "ok"})
	cred := Credential{Family: WeCom, ID: "wwcorp", Secret: "contact-secret", Name: "contact"}
	p := newTestProvider(t, c, cred, ProviderOptions{})

	wk, err := NewWork(&workconfig.Config{CorpID: "wwcorp", CorpSecret: cred.Secret}, p)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := wk.GetExternalContact().GetExternalUserDetail("wmEXT"); err != nil {
			t.Fatalf("GetExternalUserDetail: %v", Wrap("externalcontact/get", err))
		}
	}
	for _, r := range f.requests("/wecom/cgi-bin/externalcontact/get") {
		if got := r.Query.Get("access_token"); got != "tok-wecom-1" {
			t.Errorf("access_token = %q, want tok-wecom-1", got)
		}
	}
	if got := f.count("/wecom/cgi-bin/gettoken"); got != 1 {
		t.Errorf("gettoken requests = %d, want 1", got)
	}
}

// TestNewKF: the kf client, which builds its own token handle, still uses
// the provider's token through the cache.
func TestNewKF(t *testing.T) {
	f := newFake(t)
	f.serveTokens(7200)
	c := f.install(t)
	f.handleJSON("/wecom/cgi-bin/kf/account/list", map[string]any{"errcode": 0, "errmsg": "ok", "account_list": []any{}})
	p := newTestProvider(t, c, wecomCred, ProviderOptions{})

	kfc, err := NewKF(&workconfig.Config{CorpID: "wwcorp", CorpSecret: wecomCred.Secret, AgentID: "1000002"}, p)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := kfc.AccountList(); err != nil {
			t.Fatalf("AccountList: %v", Wrap("kf/account/list", err))
		}
	}
	mustToken(t, p)
	for _, r := range f.requests("/wecom/cgi-bin/kf/account/list") {
		if got := r.Query.Get("access_token"); got != "tok-wecom-1" {
			t.Errorf("access_token = %q, want tok-wecom-1", got)
		}
	}
	if got := f.count("/wecom/cgi-bin/gettoken"); got != 1 {
		t.Errorf("gettoken requests = %d, want 1 (the provider's)", got)
	}
}

func TestProviderCacheKeys(t *testing.T) {
	c, _ := New(Config{})
	oa := newTestProvider(t, c, oaCred, ProviderOptions{})
	wc := newTestProvider(t, c, wecomCred, ProviderOptions{})
	oaPrefix, workPrefix := credential.CacheKeyOfficialAccountPrefix, credential.CacheKeyWorkPrefix
	tests := []struct {
		p    *AccessTokenProvider
		key  string
		want bool
	}{
		{oa, oaPrefix + "_access_token_wxapp", true},
		{oa, oaPrefix + "_stable_access_token_wxapp", true},
		{oa, oaPrefix + "_access_token_wxother", false},
		{oa, oaPrefix + "_jsapi_ticket_wxapp", false},
		{wc, workPrefix + "_access_token_wwcorp", true},
		{wc, workPrefix + "_access_token_wwcorp_1000002", true},
		{wc, workPrefix + "_access_token_wwcorpX", false},
		{wc, oaPrefix + "_access_token_wwcorp", false},
	}
	for _, tt := range tests {
		if got := tt.p.ownsCacheKey(tt.key); got != tt.want {
			t.Errorf("%s owns %q = %v, want %v", tt.p.cred, tt.key, got, tt.want)
		}
	}

	// Keys it does not own pass through to the next cache.
	next := newMemoryCache()
	pc := wc.Cache(next)
	_ = pc.Set("ticket", "t1", time.Minute)
	if got := next.Get("ticket"); got != "t1" {
		t.Errorf("next.Get(ticket) = %v, want t1", got)
	}
	_ = pc.Set(workPrefix+"_access_token_wwcorp", "theirs", time.Minute)
	if next.IsExist(workPrefix + "_access_token_wwcorp") {
		t.Error("silenceper's own token reached the next cache")
	}
}
