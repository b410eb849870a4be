package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// replyClient imports a client of amy's at sh-plaza66 known by openid and,
// unless silent, has them write once through the Official Account
// callback, which opens the service window.
func replyClient(t *testing.T, m *Main, openid string, silent bool) string {
	t.Helper()
	c := &clienteling.Customer{Name: "Mme " + openid, Tier: "vip", Language: "zh-CN", Advisor: "amy", Boutique: "sh-plaza66",
		Identities: []clienteling.Identity{{Channel: "oa", ExternalID: openid}}}
	if err := m.Service.ImportCustomers(clienteling.WithPrincipal(context.Background(), clienteling.System()), c); err != nil {
		t.Fatal(err)
	}
	if !silent {
		cb := oaSender(m).Safe(wechattest.TextMsg("gh_salon", openid, "您好", time.Now().UnixNano(), time.Now()).XML())
		if status, body := post(t, m, cb); status != 200 || body != "success" {
			t.Fatalf("inbound: got %d %q", status, body)
		}
	}
	return string(c.ID)
}

// tokenFor issues a bearer token for a demo associate.
func tokenFor(t *testing.T, m *Main, subject, role string) string {
	t.Helper()
	var out struct{ Token string }
	if got := call(t, m, "POST", "/api/v1/tokens", testAdminToken, map[string]string{"subject": subject, "role": role}, &out); got != 201 {
		t.Fatalf("token for %s: %d", subject, got)
	}
	return out.Token
}

// waitStatus polls the history until message id reaches a final status.
func waitStatus(t *testing.T, m *Main, customer, id string) clienteling.Message {
	t.Helper()
	var final clienteling.Message
	clientelingtest.CheckFor(t, 15*time.Second, func() error {
		var h struct{ Messages []clienteling.Message }
		call(t, m, "GET", "/api/v1/customers/"+customer+"/messages", testAdminToken, nil, &h)
		for _, msg := range h.Messages {
			if string(msg.ID) == id && (msg.Status == clienteling.StatusSent || msg.Status == clienteling.StatusFailed) {
				final = msg
				return nil
			}
		}
		return fmt.Errorf("message %s: no final status: %+v", id, h.Messages)
	})
	return final
}

func reply(t *testing.T, m *Main, token, customer, text string, out any) int {
	t.Helper()
	return call(t, m, "POST", "/api/v1/customers/"+customer+"/messages", token, map[string]string{"type": "text", "text": text}, out)
}

func TestReplyDelivered(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	fake := m.sandbox.fake
	amy := tokenFor(t, m, "amy", "associate")
	tests := []struct {
		name   string
		faults []wechattest.Fault
		calls  int // calls to custom send, failed ones included
		tokens int // tokens fetched meanwhile, when positive (the first send fetches one)
	}{
		{"OK", nil, 1, 0},
		{"Retried5xx", []wechattest.Fault{{Status: 500}, {Status: 500}}, 3, 0},
		{"TokenRefreshed", []wechattest.Fault{{Errcode: 40001}}, 2, 1},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			openid := "oREPLY0000" + string(rune('A'+i))
			customer := replyClient(t, m, openid, false)
			fake.ResetCalls()
			fake.Script(outbound.CustomSendPath, tt.faults...)
			issued := fake.TokensIssued()
			var queued clienteling.Message
			if got := reply(t, m, amy, customer, "您好，黑色款今天到店了。", &queued); got != http.StatusAccepted {
				t.Fatalf("reply: got %d, want 202", got)
			}
			if queued.Status != clienteling.StatusQueued || queued.Direction != "out" || queued.Associate != "amy" {
				t.Fatalf("reply answered %+v, want an outbound queued message by amy", queued)
			}
			got := waitStatus(t, m, customer, string(queued.ID))
			if got.Status != clienteling.StatusSent {
				t.Fatalf("status %q (%d %s), want sent", got.Status, got.ErrorCode, got.ErrorReason)
			}
			calls := fake.CallsTo(outbound.CustomSendPath)
			if len(calls) != tt.calls {
				t.Fatalf("%d calls to custom send, want %d", len(calls), tt.calls)
			}
			var delivered, want any
			if err := calls[len(calls)-1].JSON(&delivered); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal([]byte(`{"touser":"`+openid+`","msgtype":"text","text":{"content":"您好，黑色款今天到店了。"}}`), &want)
			if gotJSON, wantJSON := mustJSON(t, delivered), mustJSON(t, want); gotJSON != wantJSON {
				t.Fatalf("delivered %s, want %s", gotJSON, wantJSON)
			}
			if last := calls[len(calls)-1]; last.Status != 200 || last.Errcode != 0 {
				t.Fatalf("last call answered %d errcode %d", last.Status, last.Errcode)
			}
			if extra := fake.TokensIssued() - issued; tt.tokens > 0 && extra != tt.tokens {
				t.Fatalf("%d tokens fetched meanwhile, want %d", extra, tt.tokens)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReplyFailedOutsideWeChatWindow(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	customer := replyClient(t, m, "oCLOSED0001", false)
	m.sandbox.fake.ResetCalls()
	m.sandbox.fake.SetOAUser(wechattest.OAUser{OpenID: "oCLOSED0001", Subscribe: true, SendWindowClosed: true})
	var queued clienteling.Message
	if got := reply(t, m, tokenFor(t, m, "amy", "associate"), customer, "Bonjour", &queued); got != 202 {
		t.Fatalf("reply: %d", got)
	}
	got := waitStatus(t, m, customer, string(queued.ID))
	if got.Status != clienteling.StatusFailed || got.ErrorCode != 45015 || got.ErrorReason == "" {
		t.Fatalf("got %q %d %q, want failed with errcode 45015 and a reason", got.Status, got.ErrorCode, got.ErrorReason)
	}
	if n := len(m.sandbox.fake.CallsTo(outbound.CustomSendPath)); n != 1 {
		t.Fatalf("%d calls, want 1: 45015 is final", n)
	}
}

func TestReplyServiceWindow(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	amy := tokenFor(t, m, "amy", "associate")
	silent := replyClient(t, m, "oSILENT0001", true)
	var e apiError
	if got := reply(t, m, amy, silent, "hello", &e); got != http.StatusConflict || e.Error.Message == "" {
		t.Fatalf("a client who never wrote: got %d %+v, want 409 with a reason", got, e)
	}
	customer := replyClient(t, m, "oWINDOW0001", false)
	for i := 1; i <= 5; i++ {
		if got := reply(t, m, amy, customer, "message", nil); got != 202 {
			t.Fatalf("message %d: got %d, want 202", i, got)
		}
	}
	if got := reply(t, m, amy, customer, "sixth", &e); got != http.StatusConflict || e.Error.Code != "conflict" {
		t.Fatalf("sixth message: got %d %+v, want 409", got, e)
	}
	for _, tt := range []struct {
		name string
		body string
		want int
	}{
		{"ErrEmpty", `{"type":"text","text":"  "}`, 400},
		{"ErrType", `{"type":"voice","text":"x"}`, 400},
		{"ErrMalformed", `{"type":"text"`, 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := call(t, m, "POST", "/api/v1/customers/"+silent+"/messages", amy, tt.body, nil); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestReplyAuthorisation(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	customer := replyClient(t, m, "oAUTHZ0001", false)
	tests := []struct {
		name, subject, role string
		want                int
	}{
		{"ErrOtherAssociate", "sophie", "associate", 404},
		{"ErrOtherBoutiqueManager", "liwei", "manager", 404},
		{"ErrCRM", "crm-team", "crm", 403},
		{"BoutiqueManager", "chenjing", "manager", 202},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reply(t, m, tokenFor(t, m, tt.subject, tt.role), customer, "hello", nil); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
	if got := reply(t, m, testAdminToken, customer, "from head office", nil); got != 202 {
		t.Fatalf("admin: got %d, want 202", got)
	}
}
