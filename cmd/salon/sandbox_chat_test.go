package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/sandbox"
	"github.com/salonhq/salon/bot/wechatsim"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// customerIDOf looks a client up by openid through the API.
func customerIDOf(t *testing.T, m *Main, openid string) string {
	t.Helper()
	var c struct{ ID string }
	if status := call(t, m, "GET", "/api/v1/customers?channel=oa&external_id="+url.QueryEscape(openid), testAdminToken, nil, &c); status != http.StatusOK {
		t.Fatalf("look up %s: %d", openid, status)
	}
	return c.ID
}

// adminSends queues a message to a client through the API, as the console
// does, and returns its id.
func adminSends(t *testing.T, m *Main, openid string, body map[string]any) string {
	t.Helper()
	var msg clienteling.Message
	if status := call(t, m, "POST", "/api/v1/customers/"+customerIDOf(t, m, openid)+"/messages", testAdminToken, body, &msg); status != http.StatusAccepted {
		t.Fatalf("send %v: %d", body, status)
	}
	return string(msg.ID)
}

// waitChatMessage polls the sandbox conversation of openid until a message
// satisfies ok, and returns it.
func waitChatMessage(t *testing.T, m *Main, openid, what string, ok func(sandbox.Message) bool) sandbox.Message {
	t.Helper()
	var found sandbox.Message
	clientelingtest.CheckFor(t, 15*time.Second, func() error {
		for _, msg := range sandboxConversationOf(t, m, openid).Messages {
			if ok(msg) {
				found = msg
				return nil
			}
		}
		return fmt.Errorf("no %s in the conversation yet", what)
	})
	return found
}

const hostileTitle = `<script>window.pwned=1</script><img src=x onerror="window.pwned=1"> 月光珍珠耳环`

var newsCard = map[string]any{"type": "news", "title": hostileTitle, "description": "南洋白珍珠，18K 白金耳钩。",
	"url": "https://maison.example/c/pearl", "picurl": "https://images.example.com/pearl.jpg"}

var appointmentTemplate = map[string]any{"type": "template", "template_id": "TPL-APPOINTMENT",
	"url": "https://maison.example/appointments/42",
	"data": map[string]any{
		"first":    map[string]string{"value": "您的贵宾室预约已确认"},
		"keyword1": map[string]string{"value": "周六 15:00"},
		"keyword2": map[string]string{"value": "Plaza 66"},
		"remark":   map[string]string{"value": "期待您的光临"},
	}}

// TestSandboxShowsCards checks that news and mini-program replies show in
// the chat as the client's phone shows them: a card with its title,
// description, picture and link, marked delivered, the title kept as the
// text it is.
func TestSandboxShowsCards(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	vip := sandboxClients(t, m)[0].OpenID
	sandboxSend(t, m, vip, "有新款耳环的图片吗？") // opens the service window
	news := adminSends(t, m, vip, newsCard)
	adminSends(t, m, vip, map[string]any{"type": "miniprogram", "title": "预约试戴", "appid": "wxminiapp01",
		"pagepath": "pages/book?sku=PEARL", "thumb_media_id": "MEDIA_THUMB"})

	card := waitChatMessage(t, m, vip, "delivered news card", func(msg sandbox.Message) bool {
		return msg.ID == news && msg.Delivered
	})
	if card.Type != "news" || card.Text != hostileTitle || card.Description != newsCard["description"] ||
		card.Link != newsCard["url"] || card.Image != newsCard["picurl"] || card.Source != sandbox.FromHistory {
		t.Fatalf("news card %+v, want its title, description, link and picture", card)
	}
	mini := waitChatMessage(t, m, vip, "delivered mini-program card", func(msg sandbox.Message) bool {
		return msg.Type == "miniprogram" && msg.Delivered
	})
	if mini.Text != "预约试戴" || mini.Description != "pages/book?sku=PEARL" || mini.Link != "" {
		t.Fatalf("mini-program card %+v, want its title and page, and no web link", mini)
	}
}

// TestSandboxTemplateMarks checks that a template message shows with the
// mark WeChat's TEMPLATESENDJOBFINISH gave it, and that the report came
// through the real callback into the history.
func TestSandboxTemplateMarks(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	clients := sandboxClients(t, m)
	fan, blocker := clients[0].OpenID, clients[1].OpenID
	m.sandbox.fake.SetOAUser(wechatsim.OAUser{OpenID: blocker, Subscribe: true, TemplateStatus: wechatsim.TemplateUserBlock})
	toFan := adminSends(t, m, fan, appointmentTemplate)
	toBlocker := adminSends(t, m, blocker, appointmentTemplate)

	for _, tt := range []struct{ openid, id, report string }{
		{fan, toFan, wechatsim.TemplateDelivered},
		{blocker, toBlocker, wechatsim.TemplateUserBlock},
	} {
		got := waitChatMessage(t, m, tt.openid, "the template's report", func(msg sandbox.Message) bool {
			return msg.ID == tt.id && msg.Report != ""
		})
		if got.Report != tt.report || got.Type != "template" || got.Text != "您的贵宾室预约已确认" ||
			got.Description != "周六 15:00\nPlaza 66\n期待您的光临" || got.Link != appointmentTemplate["url"] || !got.Delivered {
			t.Fatalf("template to %s: %+v, want report %q with its fields", tt.openid, got, tt.report)
		}
		// The report reached Salon through /wechat/oa; the chat shows it as
		// the mark, not as an event of its own.
		var stored bool
		for _, msg := range storedHistory(t, m, tt.openid) {
			stored = stored || (msg.Type == "event" && msg.Text == wechatsim.EventTemplateSendJobFinish)
		}
		if !stored {
			t.Errorf("%s: no TEMPLATESENDJOBFINISH in the stored history", tt.openid)
		}
		for _, msg := range sandboxConversationOf(t, m, tt.openid).Messages {
			if msg.Type == "event" && strings.Contains(msg.Text, wechatsim.EventTemplateSendJobFinish) {
				t.Errorf("%s: the chat shows the report as an event: %+v", tt.openid, msg)
			}
		}
	}
}

// TestSandboxMarksSurviveRestart checks that what the chat marks delivered,
// reported or received from WeChat is still so after salon serve is
// restarted on the same data dir.
func TestSandboxMarksSurviveRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	inDir := func(c *Config) { c.DataDir = dir }
	m := MustRunMain(t, inDir)
	vip := sandboxClients(t, m)[0].OpenID
	sandboxSend(t, m, vip, "请把耳环的链接发给我。")
	news := adminSends(t, m, vip, newsCard)
	template := adminSends(t, m, vip, appointmentTemplate)
	const direct = "这条只经过微信接口。"
	fakeReply(t, m, vip, direct)
	waitChatMessage(t, m, vip, "delivered news", func(msg sandbox.Message) bool { return msg.ID == news && msg.Delivered })
	waitChatMessage(t, m, vip, "reported template", func(msg sandbox.Message) bool { return msg.ID == template && msg.Report != "" })
	before := sandboxConversationOf(t, m, vip).Messages
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m = MustRunMain(t, inDir)
	after := sandboxConversationOf(t, m, vip).Messages
	marks := func(ms []sandbox.Message) map[string]string {
		out := map[string]string{}
		for _, msg := range ms {
			key := msg.ID
			if key == "" {
				key = msg.Text
			}
			out[key] = fmt.Sprintf("%s delivered=%v report=%q image=%q", msg.Source, msg.Delivered, msg.Report, msg.Image)
		}
		return out
	}
	want, got := marks(before), marks(after)
	for _, key := range []string{news, template, direct} {
		if got[key] != want[key] || want[key] == "" {
			t.Errorf("%s after a restart: %s, want %s", key, got[key], want[key])
		}
	}
	if !strings.Contains(want[news], "delivered=true") || !strings.Contains(want[template], `report="success"`) {
		t.Fatalf("before the restart: %v", want)
	}
}

// scan posts to the sandbox's scan endpoint and decodes a 200 answer.
func scan(t *testing.T, m *Main, req map[string]any) sandbox.ScanResult {
	t.Helper()
	var res sandbox.ScanResult
	if status := call(t, m, "POST", "/sandbox/api/scan", "", req, &res); status != http.StatusOK {
		t.Fatalf("POST /sandbox/api/scan %v: %d", req, status)
	}
	if !res.Acknowledged || res.CallbackStatus != http.StatusOK {
		t.Fatalf("scan %v: %+v, want an acknowledged callback", req, res)
	}
	return res
}

// TestSandboxScan checks the QR scan of the page end to end: a new visitor
// who follows by an associate's code becomes their client; a client who
// has an advisor keeps them, and the scan is recorded; both go through the
// signed callback as SCAN and subscribe events.
func TestSandboxScan(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	vip := sandboxClients(t, m)[0]
	var associates struct{ Associates []sandbox.Associate }
	if status := call(t, m, "GET", "/sandbox/api/associates", "", nil, &associates); status != http.StatusOK || len(associates.Associates) < 2 {
		t.Fatalf("GET /sandbox/api/associates: %d %+v", status, associates)
	}
	var other sandbox.Associate
	for _, a := range associates.Associates {
		if string(a.UserID) != vip.Advisor {
			other = a
			break
		}
	}

	t.Run("NewVisitorLinked", func(t *testing.T) {
		res := scan(t, m, map[string]any{"new_visitor": true, "associate": string(other.UserID)})
		if res.Event != "subscribe" || res.EventKey != "qrscene_adv:"+string(other.UserID) || res.Outcome != sandbox.ScanLinked ||
			res.Client == nil || res.Client.Advisor != string(other.UserID) || res.Client.AdvisorName != other.Name {
			t.Fatalf("new visitor: %+v (client %+v), want a subscribe linking them to %s", res, res.Client, other.UserID)
		}
		var c clienteling.Customer
		call(t, m, "GET", "/api/v1/customers/"+customerIDOf(t, m, res.OpenID), testAdminToken, nil, &c)
		if c.Advisor != other.UserID {
			t.Fatalf("the stored client's advisor is %q, want %q", c.Advisor, other.UserID)
		}
		listed := false
		for _, cl := range sandboxClients(t, m) {
			listed = listed || cl.OpenID == res.OpenID
		}
		if !listed {
			t.Fatal("the visitor is not listed among the clients")
		}
		sandboxSend(t, m, res.OpenID, "你好，我刚扫了二维码。") // and can be written as
		waitChatMessage(t, m, res.OpenID, "the described follow", func(msg sandbox.Message) bool {
			return msg.Type == "event" && strings.Contains(msg.Text, "Followed by scanning "+other.Name+"'s QR code")
		})
	})
	t.Run("AdvisorKept", func(t *testing.T) {
		res := scan(t, m, map[string]any{"openid": vip.OpenID, "associate": string(other.UserID)})
		if res.Event != "SCAN" || res.EventKey != "adv:"+string(other.UserID) || res.Outcome != sandbox.ScanRecorded ||
			res.Client == nil || res.Client.Advisor != vip.Advisor {
			t.Fatalf("scan by a linked client: %+v, want the scan recorded and %s kept", res, vip.Advisor)
		}
		waitChatMessage(t, m, vip.OpenID, "the described scan", func(msg sandbox.Message) bool {
			return msg.Type == "event" && msg.Source == sandbox.FromHistory && strings.Contains(msg.Text, "Scanned "+other.Name+"'s QR code")
		})
	})
	t.Run("OwnAdvisor", func(t *testing.T) {
		if res := scan(t, m, map[string]any{"openid": vip.OpenID, "associate": vip.Advisor}); res.Outcome != sandbox.ScanUnchanged {
			t.Fatalf("scan of one's own advisor: %+v, want unchanged", res)
		}
	})
}

// TestSandboxScanValidation checks that a bad scan request is refused with
// the field named, and pushes nothing.
func TestSandboxScanValidation(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	vip := sandboxClients(t, m)[0]
	for _, tt := range []struct {
		name      string
		body      any
		wantField string
	}{
		{"ErrNoAssociate", map[string]any{"openid": vip.OpenID}, "associate"},
		{"ErrUnknownAssociate", map[string]any{"openid": vip.OpenID, "associate": "nobody"}, "associate"},
		{"ErrNotADemoClient", map[string]any{"openid": "oNOTADEMOCLIENT", "associate": vip.Advisor}, "openid"},
		{"ErrNoOpenID", map[string]any{"associate": vip.Advisor}, "openid"},
		{"ErrVisitorWithOpenID", map[string]any{"openid": vip.OpenID, "new_visitor": true, "associate": vip.Advisor}, "openid"},
		{"ErrUnknownField", `{"openid":"` + vip.OpenID + `","associate":"` + vip.Advisor + `","event":"SCAN"}`, "event"},
		{"ErrWrongType", `{"openid":"` + vip.OpenID + `","associate":7}`, "associate"},
		{"ErrMalformed", `{"openid":`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got apiError
			if status := call(t, m, "POST", "/sandbox/api/scan", "", tt.body, &got); status != http.StatusBadRequest ||
				got.Error.Code != "invalid" || got.Error.Field != tt.wantField || got.Error.Message == "" {
				t.Fatalf("got %d %+v, want 400 invalid naming %q", status, got.Error, tt.wantField)
			}
		})
	}
	if pushes := m.sandbox.fake.Pushes(); len(pushes) != 0 {
		t.Fatalf("refused scans pushed %+v", pushes)
	}
	if got := len(sandboxClients(t, m)); got != 5 {
		t.Fatalf("%d clients listed, want the 5 demo ones", got)
	}
}

// TestSandboxForgetsErasedClients checks that what the simulated WeChat
// kept of a client erased since is gone from the data dir at the next
// start, and what it kept of the others stays.
func TestSandboxForgetsErasedClients(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	inDir := func(c *Config) { c.DataDir = dir }
	m := MustRunMain(t, inDir)
	clients := sandboxClients(t, m)
	erased, kept := clients[0].OpenID, clients[1].OpenID
	const toErased, toKept = "只发给将被删除的贵宾。", "发给留下的贵宾。"
	fakeReply(t, m, erased, toErased)
	fakeReply(t, m, kept, toKept)
	if status := call(t, m, "DELETE", "/api/v1/customers/"+customerIDOf(t, m, erased), testAdminToken, nil, nil); status/100 != 2 {
		t.Fatalf("erase: %d", status)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m = MustRunMain(t, inDir)
	raw, err := os.ReadFile(sandboxStatePath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), toErased) || strings.Contains(string(raw), erased) {
		t.Fatal("the simulated WeChat's record still holds what was sent to the erased client")
	}
	waitChatMessage(t, m, kept, "the kept client's reply", func(msg sandbox.Message) bool {
		return msg.Text == toKept && msg.Source == sandbox.FromWeChat
	})
}
