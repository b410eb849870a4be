package main

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// waitCustomer polls the API until cond holds for the client known by openid.
func waitCustomer(t *testing.T, m *Main, openid string, cond func(c *clienteling.Customer) bool) *clienteling.Customer {
	t.Helper()
	var found *clienteling.Customer
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		var c clienteling.Customer
		status := call(t, m, "GET", "/api/v1/customers?channel=oa&external_id="+openid, testAdminToken, nil, &c)
		if status != 200 || !cond(&c) {
			return fmt.Errorf("client %s: condition not met (last: %d %+v)", openid, status, c)
		}
		found = &c
		return nil
	})
	return found
}

func TestNewClientProfileFromUserInfo(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	m.sandbox.fake.SetOAUser(wechattest.OAUser{OpenID: "oENGLISH01", Subscribe: true, Language: "en", UnionID: "uENGLISH01"})
	cb := oaSender(m).Safe(wechattest.TextMsg("gh_salon", "oENGLISH01", "Hello, is the bag in black?", 77, time.Now()).XML())
	if status, body := post(t, m, cb); status != 200 || body != "success" {
		t.Fatalf("got %d %q", status, body)
	}
	c := waitCustomer(t, m, "oENGLISH01", func(c *clienteling.Customer) bool { return c.UnionID != "" })
	if c.Language != "en" || c.UnionID != "uENGLISH01" {
		t.Fatalf("got language %q unionid %q, want en and uENGLISH01", c.Language, c.UnionID)
	}
}

// TestUnionIDMergesOAIntoWeComClient: a client known on WeCom writes on the
// Official Account; user/info's unionid makes them one person.
func TestUnionIDMergesOAIntoWeComClient(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	known := &clienteling.Customer{Name: "Mei", UnionID: "uMEI", Tier: "vip", Language: "zh-CN",
		Identities: []clienteling.Identity{{Channel: "wecom", ExternalID: "wmMEI"}}}
	if err := m.Service.ImportCustomers(clienteling.WithPrincipal(context.Background(), clienteling.System()), known); err != nil {
		t.Fatal(err)
	}
	m.sandbox.fake.SetOAUser(wechattest.OAUser{OpenID: "oMEI", Subscribe: true, Language: "zh_CN", UnionID: "uMEI"})
	cb := oaSender(m).Safe(wechattest.TextMsg("gh_salon", "oMEI", "你好", 78, time.Now()).XML())
	if status, _ := post(t, m, cb); status != 200 {
		t.Fatalf("got %d", status)
	}
	c := waitCustomer(t, m, "oMEI", func(c *clienteling.Customer) bool { return c.ID == known.ID })
	if len(c.Identities) != 2 {
		t.Fatalf("merged client has identities %+v, want oa and wecom", c.Identities)
	}
	var history struct{ Messages []clienteling.Message }
	call(t, m, "GET", "/api/v1/customers/"+string(known.ID)+"/messages", testAdminToken, nil, &history)
	if len(history.Messages) != 1 || history.Messages[0].Text != "你好" {
		t.Fatalf("merged history: %+v", history.Messages)
	}
}

// TestAcknowledgementDoesNotWaitForWeChat: with WeChat's API hanging, the
// callback is still answered within WeChat's patience; the profile waits.
func TestAcknowledgementDoesNotWaitForWeChat(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	m.sandbox.fake.Always("/cgi-bin/user/info", wechattest.Fault{Hang: true})
	m.sandbox.fake.Always("/cgi-bin/stable_token", wechattest.Fault{Hang: true})
	client := &http.Client{Timeout: time.Second} // WeChat wants an answer within 5 s; the contract says 1 s
	for i := 0; i < 5; i++ {
		cb := oaSender(m).Safe(wechattest.TextMsg("gh_salon", "oHANG0"+string(rune('0'+i)), "hi", int64(90+i), time.Now()).XML())
		resp, err := client.Do(cb.Request(m.URL() + "/wechat/oa"))
		if err != nil {
			t.Fatalf("delivery %d not acknowledged within 1 s while WeChat's API hangs: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("delivery %d: %d", i, resp.StatusCode)
		}
	}
	if pending, _ := m.DB.PendingProfiles(context.Background(), 10); len(pending) != 5 {
		t.Fatalf("%d profiles pending, want 5 waiting for WeChat", len(pending))
	}
}
