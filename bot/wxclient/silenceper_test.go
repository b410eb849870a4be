package wxclient

import (
	"errors"
	"testing"

	"github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/message"
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
