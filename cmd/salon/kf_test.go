package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/kf"
	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

const (
	testKfID      = "wkSALON0001"
	testKfToken   = "kf-callback-token"
	testKfAESKey  = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testAppToken  = "app-callback-token"
	testAppAESKey = "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI"
)

// withWeCom configures WeCom against the fake: sandbox off, every WeCom
// call to fake, the app and 微信客服 callbacks on.
func withWeCom(fake *wechattest.Server) func(*Config) {
	return func(c *Config) {
		c.Sandbox = "off"
		c.WeComAPIBase = fake.URL()
		c.WeComCorpID = fake.Options().CorpID
		c.WeComToken, c.WeComAESKey = testAppToken, testAppAESKey
		c.WeComKFToken, c.WeComKFAESKey, c.WeComKFSecret = testKfToken, testKfAESKey, wechattest.DefaultKfSecret
	}
}

// postTo sends a callback to path and returns the status and body.
func postTo(t *testing.T, m *Main, path string, cb *wechattest.Callback) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(cb.Request(m.URL() + path))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// kfNotice is the signed, encrypted 微信客服 callback WeCom sends when
// messages wait.
func kfNotice(fake *wechattest.Server, token string) *wechattest.Callback {
	corp := fake.Options().CorpID
	w := wechattest.WeCom{CorpID: corp, Token: testKfToken, EncodingAESKey: testKfAESKey}
	return w.Message(wechattest.KfMsgOrEvent(corp, token, testKfID, time.Now()).XML())
}

// history returns a wecom client's texts over the API, oldest first; nil
// while the client is unknown.
func history(t *testing.T, m *Main, external string) []string {
	t.Helper()
	var c struct{ ID string }
	if got := call(t, m, "GET", "/api/v1/customers?channel=wecom&external_id="+external, testAdminToken, nil, &c); got == http.StatusNotFound {
		return nil
	} else if got != 200 {
		t.Fatalf("lookup: status %d", got)
	}
	var h struct {
		Messages []struct{ Text, Direction, Type string }
	}
	if got := call(t, m, "GET", "/api/v1/customers/"+c.ID+"/messages", testAdminToken, nil, &h); got != 200 {
		t.Fatalf("messages: status %d", got)
	}
	out := make([]string, len(h.Messages))
	for i, msg := range h.Messages {
		out[len(out)-1-i] = msg.Direction + ":" + msg.Text
	}
	return out
}

func waitHistory(t *testing.T, m *Main, external string, want []string) {
	t.Helper()
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if got := history(t, m, external); fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("history of %s: got %q, want %q", external, got, want)
		}
		return nil
	})
}

func TestKfCallbackPullsOnceAndResumesAfterRestart(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	at := time.Now().Add(-time.Minute)
	fake.EnqueueKf(testKfID,
		wechattest.KfText("m1", testKfID, "wmVIPKF", "你好", at),
		wechattest.KfText("m2", testKfID, "wmVIPKF", "有36码吗", at.Add(time.Second)))
	fake.EnqueueKfEmptyPage(testKfID)
	fake.EnqueueKf(testKfID, wechattest.KfText("m3", testKfID, "wmVIPKF", "谢谢", at.Add(2*time.Second)))

	m := MustRunMain(t, withWeCom(fake))
	cb := kfNotice(fake, "tok1")
	for i := range 2 { // WeChat's retries are identical
		if status, body := postTo(t, m, "/wecom/kf", cb); status != 200 || body != "success" {
			t.Fatalf("delivery %d: got %d %q, want 200 success", i, status, body)
		}
	}
	waitHistory(t, m, "wmVIPKF", []string{"in:你好", "in:有36码吗", "in:谢谢"})

	// The pull is done once its last page cleared the pending mark; only
	// then is the stored cursor final.
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		_, _, pending, _, err := m.DB.KfSyncState(t.Context(), testKfID)
		if err != nil {
			t.Fatal(err)
		}
		if pending {
			return errors.New("the kf pull never finished")
		}
		return nil
	})

	// Restart on the same data dir: the stored cursor is where the next
	// pull starts, so only the new message comes.
	cfg := m.Config
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	fake.ResetCalls()
	fake.EnqueueKf(testKfID, wechattest.KfText("m4", testKfID, "wmVIPKF", "明天到店", at.Add(3*time.Second)))
	m2 := &Main{Config: cfg}
	if err := m2.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m2.Close() })
	if status, body := postTo(t, m2, "/wecom/kf", kfNotice(fake, "tok2")); status != 200 || body != "success" {
		t.Fatalf("after restart: got %d %q", status, body)
	}
	waitHistory(t, m2, "wmVIPKF", []string{"in:你好", "in:有36码吗", "in:谢谢", "in:明天到店"})
	calls := fake.CallsTo(kf.SyncMsgPath)
	if len(calls) == 0 {
		t.Fatal("no sync_msg after restart")
	}
	var req struct{ Cursor, Token string }
	if err := json.Unmarshal(calls[0].Body, &req); err != nil {
		t.Fatal(err)
	}
	if req.Cursor != "kfc4-"+testKfID || req.Token != "tok2" {
		t.Fatalf("first sync_msg after restart: %+v, want the stored cursor and the new token", req)
	}
}

func TestKfCallbackRefusesForgery(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	m := MustRunMain(t, withWeCom(fake))
	if status, _ := postTo(t, m, "/wecom/kf", kfNotice(fake, "tok").Forge()); status != 401 {
		t.Fatalf("forged: got %d, want 401", status)
	}
	if n := len(fake.CallsTo(kf.SyncMsgPath)); n != 0 {
		t.Fatalf("a forged notice caused %d pulls", n)
	}
}

func TestWeComAppCallback(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	m := MustRunMain(t, withWeCom(fake))
	corp := fake.Options().CorpID
	app := wechattest.WeCom{CorpID: corp, Token: testAppToken, EncodingAESKey: testAppAESKey, AgentID: wechattest.DefaultAgentID}

	ev := wechattest.ExternalContactEvent(corp, "add_external_contact", "amy", "wmVIPAPP", time.Now())
	cb := app.Message(ev.XML())
	for i := range 2 {
		if status, body := postTo(t, m, "/wecom/app", cb); status != 200 || body != "success" {
			t.Fatalf("event delivery %d: got %d %q", i, status, body)
		}
	}
	got := history(t, m, "wmVIPAPP")
	if len(got) != 1 || got[0] != "in:change_external_contact add_external_contact" {
		t.Fatalf("history %q, want the event once", got)
	}

	// An associate writing to the app: acknowledged, not stored as anyone's.
	own := wechattest.TextMsg(corp, "amy", "测试", 7000000001, time.Now())
	own.AgentID = wechattest.DefaultAgentID
	if status, body := postTo(t, m, "/wecom/app", app.Message(own.XML())); status != 200 || body != "success" {
		t.Fatalf("associate message: got %d %q", status, body)
	}
	var customers struct{ Customers []map[string]any }
	call(t, m, "GET", "/api/v1/customers", testAdminToken, nil, &customers)
	if len(customers.Customers) != 1 {
		t.Fatalf("%d customers, want only the external contact", len(customers.Customers))
	}
}

// A client entering a 微信客服 session with a welcome code is greeted once,
// in their language, through send_msg_on_event, even if the event is
// pulled twice.
func TestKfEnterSessionWelcomesOnce(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	at := time.Now().Add(-time.Second)
	enter := wechattest.KfEvent("e1", testKfID, "wmNEWKF", "enter_session", at, map[string]any{"welcome_code": "WC1", "scene": "qr"})
	fake.EnqueueKf(testKfID, enter)
	m := MustRunMain(t, withWeCom(fake), func(c *Config) { c.BrandName = "Maison Lumière" })
	if status, body := postTo(t, m, "/wecom/kf", kfNotice(fake, "tok1")); status != 200 || body != "success" {
		t.Fatalf("notice: %d %q", status, body)
	}
	waitHistory(t, m, "wmNEWKF", []string{"in:enter_session qr", "out:欢迎来到Maison Lumière。您的专属顾问将很快为您服务。"})
	fake.EnqueueKf(testKfID, enter) // pulled again: stored once, greeted once
	if status, _ := postTo(t, m, "/wecom/kf", kfNotice(fake, "tok2")); status != 200 {
		t.Fatal("second notice refused")
	}
	// Once the second pull has finished, a second greeting would be in the
	// history already: it is queued by the pull.
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		_, _, pending, _, err := m.DB.KfSyncState(t.Context(), testKfID)
		if err != nil {
			t.Fatal(err)
		}
		if pending || len(fake.CallsTo(kf.SyncMsgPath)) < 2 {
			return errors.New("the second pull never finished")
		}
		return nil
	})
	waitHistory(t, m, "wmNEWKF", []string{"in:enter_session qr", "out:欢迎来到Maison Lumière。您的专属顾问将很快为您服务。"})
	var calls []wechattest.Call
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if calls = fake.CallsTo(outbound.KfSendOnEventPath); len(calls) == 0 {
			return errors.New("no greeting sent")
		}
		return nil
	})
	if len(calls) != 1 {
		t.Fatalf("%d greetings, want 1", len(calls))
	}
	var body struct {
		Code, MsgType string
		Text          struct{ Content string }
	}
	if err := json.Unmarshal(calls[0].Body, &body); err != nil || body.Code != "WC1" || body.MsgType != "text" {
		t.Fatalf("greeting %s: %v", calls[0].Body, err)
	}
}
