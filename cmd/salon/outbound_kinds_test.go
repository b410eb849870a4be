package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

// withOA points the Official Account at fake, sandbox off.
func withOA(fake *wechattest.Server) func(*Config) {
	return func(c *Config) {
		c.Sandbox = "off"
		c.WeChatAPIBase = fake.URL()
		c.OAAppID, c.OASecret = fake.Options().OAAppID, fake.Options().OASecret
		c.OAToken = "oa-callback-token"
	}
}

// openClient creates a client with the given identities who wrote on each
// a minute ago (through 微信客服 account testKfID on wecom), or never when
// silent; it returns their id.
func openClient(t *testing.T, m *Main, silent bool, ids ...clienteling.Identity) string {
	t.Helper()
	ctx := clienteling.WithPrincipal(context.Background(), clienteling.System())
	c := &clienteling.Customer{Language: "zh-CN", Identities: ids}
	if err := m.Service.ImportCustomers(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if silent {
			break
		}
		in := &clienteling.Message{Customer: c.ID, Direction: "in", Channel: id.Channel, Type: "text", Text: "您好",
			Author: "client", Status: "received", At: time.Now().Add(-time.Minute)}
		if id.Channel == clienteling.ChannelWeCom {
			in.Account = testKfID
		}
		if _, err := m.DB.AppendMessage(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	return string(c.ID)
}

func oaID(openid string) clienteling.Identity {
	return clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: openid}
}

// The reply API takes each kind, validates every field, routes to the
// channel the client wrote on, and the message reaches WeChat as the JSON
// it expects.
func TestReplyKinds(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	m := MustRunMain(t, withOA(fake), withWeCom(fake))
	both := openClient(t, m, false, oaID("oKINDAPI001"), clienteling.Identity{Channel: "wecom", ExternalID: "wmKINDAPI01"})
	silent := openClient(t, m, true, oaID("oKINDAPI002"))

	tests := []struct {
		name, customer, body string
		path                 string
		want                 string // the JSON WeChat receives; MSGID is the message id
	}{
		{"OAImage", both, `{"type":"image","channel":"oa","media_id":"MEDIA_9"}`, outbound.CustomSendPath,
			`{"touser":"oKINDAPI001","msgtype":"image","image":{"media_id":"MEDIA_9"}}`},
		{"KfTextByDefault", both, `{"type":"text","text":"  您好  "}`, outbound.KfSendPath,
			`{"touser":"wmKINDAPI01","open_kfid":"` + testKfID + `","msgid":"MSGID","msgtype":"text","text":{"content":"您好"}}`},
		{"TemplateOutsideWindow", silent, `{"type":"template","template_id":"TPL_ARRIVAL","data":{"first":{"value":"Votre sac est arrivé"}}}`,
			outbound.TemplateSendPath,
			`{"touser":"oKINDAPI002","template_id":"TPL_ARRIVAL","data":{"first":{"value":"Votre sac est arrivé"}},"client_msg_id":"MSGID"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake.ResetCalls()
			var queued clienteling.Message
			if got := call(t, m, "POST", "/api/v1/customers/"+tt.customer+"/messages", testAdminToken, tt.body, &queued); got != http.StatusAccepted {
				t.Fatalf("reply: %d, want 202", got)
			}
			if queued.Status != clienteling.StatusQueued {
				t.Fatalf("answered %+v, want a queued message", queued)
			}
			if got := waitStatus(t, m, tt.customer, string(queued.ID)); got.Status != clienteling.StatusSent {
				t.Fatalf("status %s (%d %s), want sent", got.Status, got.ErrorCode, got.ErrorReason)
			}
			calls := fake.CallsTo(tt.path)
			if len(calls) != 1 {
				t.Fatalf("%d calls to %s, want 1", len(calls), tt.path)
			}
			var got, want any
			_ = json.Unmarshal(calls[0].Body, &got)
			if err := json.Unmarshal([]byte(strings.ReplaceAll(tt.want, "MSGID", string(queued.ID))), &want); err != nil {
				t.Fatal(err)
			}
			if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
				t.Fatalf("WeChat received %s, want %s", g, w)
			}
		})
	}

	errs := []struct {
		name, customer, body string
		status               int
		field                string
	}{
		{"ErrImageWithoutMedia", both, `{"type":"image"}`, 400, "media_id"},
		{"ErrTextWithMedia", both, `{"type":"text","text":"x","media_id":"M"}`, 400, "media_id"},
		{"ErrNewsBadURL", both, `{"type":"news","channel":"oa","title":"t","url":"not a url"}`, 400, "url"},
		{"ErrTemplateWithoutData", silent, `{"type":"template","template_id":"T"}`, 400, "data"},
		{"ErrTemplateEmptyValue", silent, `{"type":"template","template_id":"T","data":{"first":{"value":""}}}`, 400, "data[first].value"},
		{"ErrLinkOnOA", both, `{"type":"link","channel":"oa","title":"t","url":"https://a.example","thumb_media_id":"M"}`, 400, "type"},
		{"ErrCardUnknownSKU", both, `{"type":"card","sku":"S1"}`, 404, "sku"},
		{"ErrCardWithText", both, `{"type":"card","sku":"S1","text":"x"}`, 400, "text"},
		{"ErrNoteWithoutCard", both, `{"type":"text","text":"x","note":"y"}`, 400, "note"},
		{"ErrChannel", both, `{"type":"text","text":"x","channel":"sms"}`, 400, "channel"},
		{"ErrUnknownField", both, `{"type":"text","text":"x","colour":"red"}`, 400, "colour"},
		{"ErrTextOutsideWindow", silent, `{"type":"text","text":"bonjour"}`, 409, ""},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			var e apiError
			if got := call(t, m, "POST", "/api/v1/customers/"+tt.customer+"/messages", testAdminToken, tt.body, &e); got != tt.status {
				t.Fatalf("got %d %+v, want %d", got, e, tt.status)
			}
			if e.Error.Field != tt.field || e.Error.Message == "" {
				t.Fatalf("error %+v, want one naming field %q", e.Error, tt.field)
			}
		})
	}
}

// The window of the 微信客服 channel closes at the sixth message, as the
// Official Account's does.
func TestReplyKfWindow(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	m := MustRunMain(t, withWeCom(fake))
	c := openClient(t, m, false, clienteling.Identity{Channel: "wecom", ExternalID: "wmWINDOW01"})
	for i := 1; i <= 5; i++ {
		if got := call(t, m, "POST", "/api/v1/customers/"+c+"/messages", testAdminToken, fmt.Sprintf(`{"type":"text","text":"m%d"}`, i), nil); got != 202 {
			t.Fatalf("message %d: %d, want 202", i, got)
		}
	}
	var e apiError
	if got := call(t, m, "POST", "/api/v1/customers/"+c+"/messages", testAdminToken, `{"type":"text","text":"sixth"}`, &e); got != http.StatusConflict || !strings.Contains(e.Error.Message, "service window") {
		t.Fatalf("sixth: %d %+v, want 409 with the reason", got, e)
	}
}
