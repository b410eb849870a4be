package outbound_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

// Each kind on each channel reaches WeChat's API as the exact JSON WeChat
// documents.
func TestDeliveryOfEachKind(t *testing.T) {
	t.Parallel()
	r := startRig(t, outbound.Options{})
	c := r.client(t, "oKINDS00001", "wmKINDS0001")
	tests := []struct {
		name string
		o    clienteling.Outgoing
		path string
		want string // with MSGID standing for the message id
	}{
		{"OAText", clienteling.Outgoing{Type: "text", Channel: "oa", Text: "黑色款今天到店了。"}, outbound.CustomSendPath,
			`{"touser":"oKINDS00001","msgtype":"text","text":{"content":"黑色款今天到店了。"}}`},
		{"OAImage", clienteling.Outgoing{Type: "image", Channel: "oa", MediaID: "MEDIA_1"}, outbound.CustomSendPath,
			`{"touser":"oKINDS00001","msgtype":"image","image":{"media_id":"MEDIA_1"}}`},
		{"OANews", clienteling.Outgoing{Type: "news", Channel: "oa", Title: "Nouvelle collection", Description: "Printemps",
			URL: "https://salon.example/c/abc", PicURL: "https://salon.example/p.jpg"}, outbound.CustomSendPath,
			`{"touser":"oKINDS00001","msgtype":"news","news":{"articles":[{"title":"Nouvelle collection","description":"Printemps","url":"https://salon.example/c/abc","picurl":"https://salon.example/p.jpg"}]}}`},
		{"OAMiniProgram", clienteling.Outgoing{Type: "miniprogram", Channel: "oa", Title: "Sac 25", AppID: "wxa1b2c3d4e5f6a7b8",
			PagePath: "pages/p?sku=S1", ThumbMediaID: "THUMB_1"}, outbound.CustomSendPath,
			`{"touser":"oKINDS00001","msgtype":"miniprogrampage","miniprogrampage":{"title":"Sac 25","appid":"wxa1b2c3d4e5f6a7b8","pagepath":"pages/p?sku=S1","thumb_media_id":"THUMB_1"}}`},
		{"OATemplate", clienteling.Outgoing{Type: "template", Channel: "oa", TemplateID: "TPL_1", URL: "https://salon.example/c/abc",
			Data: map[string]clienteling.TemplateValue{"first": {Value: "Votre commande"}, "keyword1": {Value: "Sac 25", Color: "#173177"}}},
			outbound.TemplateSendPath,
			`{"touser":"oKINDS00001","template_id":"TPL_1","url":"https://salon.example/c/abc","data":{"first":{"value":"Votre commande"},"keyword1":{"value":"Sac 25","color":"#173177"}},"client_msg_id":"MSGID"}`},
		{"KfText", clienteling.Outgoing{Type: "text", Channel: "wecom", Text: "您好"}, outbound.KfSendPath,
			`{"touser":"wmKINDS0001","open_kfid":"wkSALON0001","msgid":"MSGID","msgtype":"text","text":{"content":"您好"}}`},
		{"KfImage", clienteling.Outgoing{Type: "image", Channel: "wecom", MediaID: "MEDIA_2"}, outbound.KfSendPath,
			`{"touser":"wmKINDS0001","open_kfid":"wkSALON0001","msgid":"MSGID","msgtype":"image","image":{"media_id":"MEDIA_2"}}`},
		{"KfLink", clienteling.Outgoing{Type: "link", Channel: "wecom", Title: "Sac 25", Description: "Noir", URL: "https://salon.example/c/x",
			ThumbMediaID: "THUMB_2"}, outbound.KfSendPath,
			`{"touser":"wmKINDS0001","open_kfid":"wkSALON0001","msgid":"MSGID","msgtype":"link","link":{"title":"Sac 25","desc":"Noir","url":"https://salon.example/c/x","thumb_media_id":"THUMB_2"}}`},
		{"KfMiniProgram", clienteling.Outgoing{Type: "miniprogram", Channel: "wecom", Title: "Sac 25", AppID: "wxa1b2c3d4e5f6a7b8",
			PagePath: "pages/p", ThumbMediaID: "THUMB_3"}, outbound.KfSendPath,
			`{"touser":"wmKINDS0001","open_kfid":"wkSALON0001","msgid":"MSGID","msgtype":"miniprogram","miniprogram":{"appid":"wxa1b2c3d4e5f6a7b8","title":"Sac 25","thumb_media_id":"THUMB_3","pagepath":"pages/p"}}`},
		{"KfWelcome", clienteling.Outgoing{Type: "text", Channel: "wecom", Text: "欢迎光临", WelcomeCode: "WELCOME_CODE_1"}, outbound.KfSendOnEventPath,
			`{"code":"WELCOME_CODE_1","msgid":"MSGID","msgtype":"text","text":{"content":"欢迎光临"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.fake.ResetCalls()
			o := tt.o
			m := r.send(t, c, &o)
			got := final(t, r.db, m.ID)
			if got.Status != clienteling.StatusSent {
				t.Fatalf("status %s (%d %s), want sent", got.Status, got.ErrorCode, got.ErrorReason)
			}
			calls := r.fake.CallsTo(tt.path)
			if len(calls) != 1 {
				t.Fatalf("%d calls to %s, want 1", len(calls), tt.path)
			}
			if calls[0].Errcode != 0 {
				t.Fatalf("the fake answered errcode %d", calls[0].Errcode)
			}
			sameJSON(t, calls[0].Body, strings.ReplaceAll(tt.want, "MSGID", string(m.ID)))
			if tt.path == outbound.KfSendPath || tt.path == outbound.KfSendOnEventPath {
				// WeCom echoes the msgid it was given.
				if got.WeChatID != string(m.ID) {
					t.Errorf("wechat id %q, want the message id", got.WeChatID)
				}
			}
		})
	}
}

// WeChat's answers by kind: transient failures are retried and the message
// delivered once; a stale token is refreshed once; final errcodes fail the
// message at once, visibly, with a suggestion for the associate.
func TestDeliveryErrors(t *testing.T) {
	t.Parallel()
	r := startRig(t, outbound.Options{})
	tests := []struct {
		name       string
		faults     []wechattest.Fault
		calls      int
		status     string
		errcode    int
		suggestion string
	}{
		{"Two500sThenOK", []wechattest.Fault{{Status: 500}, {Status: 500}}, 3, "sent", 0, ""},
		{"BusyThenOK", []wechattest.Fault{{Errcode: -1}}, 2, "sent", 0, ""},
		{"TokenRefreshedOnce", []wechattest.Fault{{Errcode: 40001}}, 2, "sent", 0, ""},
		{"OutsideWindowFinal", []wechattest.Fault{{Errcode: 45015}}, 1, "failed", 45015, "send a template message, or wait for the client to write again"},
		{"QuotaFinal", []wechattest.Fault{{Errcode: 45047}}, 1, "failed", 45047, "send a template message, or wait for the client to write again"},
		{"UnsubscribedFinal", []wechattest.Fault{{Errcode: 43004}}, 1, "failed", 43004, "wait for the client to write again, or reach them in the boutique"},
		{"RefusedFinal", []wechattest.Fault{{Errcode: 43101}}, 1, "failed", 43101, "wait for the client to write again, or reach them in the boutique"},
		{"TooLongFinal", []wechattest.Fault{{Errcode: 45008}}, 1, "failed", 45008, "shorten the message and send it again"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := r.client(t, openid(i), "")
			r.fake.ResetCalls()
			tokens := r.fake.TokensIssued()
			r.fake.Script(outbound.CustomSendPath, tt.faults...)
			m := r.send(t, c, &clienteling.Outgoing{Type: "text", Channel: "oa", Text: "hello"})
			got := final(t, r.db, m.ID)
			if got.Status != tt.status || got.ErrorCode != tt.errcode {
				t.Fatalf("got %s %d (%s), want %s %d", got.Status, got.ErrorCode, got.ErrorReason, tt.status, tt.errcode)
			}
			if n := len(r.fake.CallsTo(outbound.CustomSendPath)); n != tt.calls {
				t.Fatalf("%d calls, want %d", n, tt.calls)
			}
			if tt.faults[0].Errcode == 40001 {
				if n := r.fake.TokensIssued() - tokens; n != 1 {
					t.Fatalf("%d tokens fetched, want 1 (the refresh)", n)
				}
			}
			if tt.status == "failed" {
				if got.ErrorReason == "" {
					t.Fatal("failed without a reason")
				}
				notice := associateNotice(t, r, m.ID)
				if notice["suggestion"] != tt.suggestion || notice["error_code"] != float64(tt.errcode) {
					t.Fatalf("associate notice %v, want errcode %d and suggestion %q", notice, tt.errcode, tt.suggestion)
				}
			}
		})
	}
}

// associateNotice returns the data of the message.failed notice for the
// associate about message id, from the outbox.
func associateNotice(t *testing.T, r *rig, id clienteling.MessageID) map[string]any {
	t.Helper()
	entries, err := r.db.PendingEvents(context.Background(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Subject != "salon.notify.associate.amy" {
			continue
		}
		var ev struct{ Data map[string]any }
		if err := json.Unmarshal(e.Payload, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Data["message"] == string(id) {
			return ev.Data
		}
	}
	t.Fatalf("no notice to amy about %s", id)
	return nil
}

// A WeChat that never answers: each call is abandoned at the call timeout
// and retried, five calls in all, then the message fails visibly.
func TestDeliveryHangingWeChat(t *testing.T) {
	t.Parallel()
	if d := outbound.New(nil, outbound.APIs{}, outbound.Options{}).Options(); d.CallTimeout != 5*time.Second || d.Attempts != 5 {
		t.Fatalf("defaults: call timeout %v, attempts %d; want 5s and 5", d.CallTimeout, d.Attempts)
	}
	// Long enough that every abandoned call has reached the fake first, even
	// on a loaded machine: the fake counts what it received.
	r := startRig(t, outbound.Options{CallTimeout: 300 * time.Millisecond})
	c := r.client(t, "oHANG000001", "")
	r.fake.Always(outbound.CustomSendPath, wechattest.Fault{Hang: true})
	m := r.send(t, c, &clienteling.Outgoing{Type: "text", Channel: "oa", Text: "hello"})
	got := final(t, r.db, m.ID)
	if got.Status != clienteling.StatusFailed || !strings.Contains(got.ErrorReason, "5 attempts") {
		t.Fatalf("got %s %q, want failed after 5 attempts", got.Status, got.ErrorReason)
	}
	calls := r.fake.CallsTo(outbound.CustomSendPath)
	if len(calls) != 5 {
		t.Fatalf("%d calls, want 5", len(calls))
	}
	for _, call := range calls {
		if call.Status != 0 {
			t.Fatalf("call %d was answered %d; the fake hangs, so the client must have given up", call.Seq, call.Status)
		}
	}
}

// Clients' messages go out side by side, each client's one at a time and
// in the order written.
func TestDeliveryConcurrentAcrossClientsOrderedWithin(t *testing.T) {
	t.Parallel()
	r := startRig(t, outbound.Options{Concurrency: 8})
	r.fake.Always(outbound.CustomSendPath, wechattest.Fault{Delay: 300 * time.Millisecond})
	clients := []*clienteling.Customer{r.client(t, "oORDER00001", ""), r.client(t, "oORDER00002", ""), r.client(t, "oORDER00003", "")}
	words := []string{"un", "deux", "trois", "quatre", "cinq"}
	// Client 1's messages are queued first: a sender one message at a
	// time, or one that ignored clients, would call for them first.
	for _, c := range clients {
		for _, w := range words {
			queue(t, r.db, c, &clienteling.Outgoing{Type: "text", Channel: "oa", Text: w})
		}
	}
	r.sender.Wake()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	first, err := r.fake.WaitArrived(ctx, outbound.CustomSendPath, 3)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, call := range first[:3] {
		var body struct{ ToUser string }
		_ = call.JSON(&body)
		if seen[body.ToUser] {
			t.Fatalf("the first three calls went to %v: one client twice", seen)
		}
		seen[body.ToUser] = true
	}
	all, err := r.fake.WaitCalls(ctx, outbound.CustomSendPath, 15)
	if err != nil {
		t.Fatal(err)
	}
	byClient := map[string][]string{}
	for _, call := range all {
		var body struct {
			ToUser string
			Text   struct{ Content string }
		}
		_ = call.JSON(&body)
		byClient[body.ToUser] = append(byClient[body.ToUser], body.Text.Content)
	}
	for to, got := range byClient {
		if strings.Join(got, " ") != strings.Join(words, " ") {
			t.Errorf("%s received %q, want %q", to, got, words)
		}
	}
}
