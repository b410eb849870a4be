package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/sandbox"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

// sandboxClients lists the demo VIPs through the simulator's endpoint.
func sandboxClients(t *testing.T, m *Main) []sandbox.Client {
	t.Helper()
	var got struct{ Clients []sandbox.Client }
	if status := call(t, m, "GET", "/sandbox/api/clients", "", nil, &got); status != http.StatusOK {
		t.Fatalf("GET /sandbox/api/clients: %d", status)
	}
	return got.Clients
}

// sandboxConversationOf reads a client's conversation through the simulator.
func sandboxConversationOf(t *testing.T, m *Main, openid string) sandbox.Conversation {
	t.Helper()
	var conv sandbox.Conversation
	if status := call(t, m, "GET", "/sandbox/api/conversation?openid="+url.QueryEscape(openid), "", nil, &conv); status != http.StatusOK {
		t.Fatalf("GET conversation of %s: %d", openid, status)
	}
	return conv
}

// sandboxSend writes as a demo VIP and fails the test unless the callback
// was acknowledged.
func sandboxSend(t *testing.T, m *Main, openid, text string) sandbox.SendResult {
	t.Helper()
	var res sandbox.SendResult
	if status := call(t, m, "POST", "/sandbox/api/send", "", map[string]string{"openid": openid, "text": text}, &res); status != http.StatusOK {
		t.Fatalf("POST /sandbox/api/send: %d", status)
	}
	if !res.Acknowledged || res.CallbackStatus != http.StatusOK || res.MsgID == "" {
		t.Fatalf("send: %+v, want an acknowledged callback with a MsgId", res)
	}
	return res
}

// storedHistory reads a client's history through the real JSON API, as an
// associate's console would, newest first.
func storedHistory(t *testing.T, m *Main, openid string) []clienteling.Message {
	t.Helper()
	var c struct{ ID string }
	if status := call(t, m, "GET", "/api/v1/customers?channel=oa&external_id="+url.QueryEscape(openid), testAdminToken, nil, &c); status != http.StatusOK {
		t.Fatalf("look up %s: %d", openid, status)
	}
	var page struct{ Messages []clienteling.Message }
	if status := call(t, m, "GET", "/api/v1/customers/"+c.ID+"/messages?limit=100", testAdminToken, nil, &page); status != http.StatusOK {
		t.Fatalf("history of %s: %d", c.ID, status)
	}
	return page.Messages
}

// fakeReply sends a text to openid through the fake WeChat's
// customer-service API, as the outbound pipeline does with a reply.
func fakeReply(t *testing.T, m *Main, openid, text string) {
	t.Helper()
	fake := m.sandbox.fake
	opts := fake.Options()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	getJSON(t, "GET", fake.URL()+"/cgi-bin/token?grant_type=client_credential&appid="+opts.OAAppID+"&secret="+opts.OASecret, "", &tok)
	body, _ := json.Marshal(map[string]any{"touser": openid, "msgtype": "text", "text": map[string]string{"content": text}})
	var res struct{ Errcode int }
	getJSON(t, "POST", fake.URL()+outbound.CustomSendPath+"?access_token="+tok.AccessToken, string(body), &res)
	if tok.AccessToken == "" || res.Errcode != 0 {
		t.Fatalf("fake reply: token %q, errcode %d", tok.AccessToken, res.Errcode)
	}
}

func getJSON(t *testing.T, method, target, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
}

func TestSandboxSendReachesHistory(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	clients := sandboxClients(t, m)
	if len(clients) != 5 {
		t.Fatalf("got %d demo clients, want 5", len(clients))
	}
	for _, c := range clients {
		if !strings.HasPrefix(c.OpenID, "oDEMO") || c.Name == "" || c.Tier == "" || c.Language == "" || c.AdvisorName == "" {
			t.Errorf("demo client %+v lacks an openid, name, tier, language or advisor", c)
		}
	}
	vip := clients[0]
	before := len(storedHistory(t, m, vip.OpenID))

	const text = "请问月光珍珠耳环还有现货吗？I'd like to see them on Saturday."
	first := sandboxSend(t, m, vip.OpenID, text)
	// The same words again are a new message: every send has its own MsgId,
	// so the callback's dedupe must not swallow it.
	second := sandboxSend(t, m, vip.OpenID, text)
	if first.MsgID == second.MsgID {
		t.Fatalf("two sends shared MsgId %s", first.MsgID)
	}

	history := storedHistory(t, m, vip.OpenID)
	if got, want := len(history), before+2; got != want {
		t.Fatalf("stored history has %d messages, want %d", got, want)
	}
	for _, msg := range history[:2] {
		if msg.Text != text || msg.Direction != clienteling.DirectionIn || msg.WeChatID == "" {
			t.Fatalf("newest stored message %+v, want the inbound text with its MsgId", msg)
		}
	}

	conv := sandboxConversationOf(t, m, vip.OpenID)
	last := conv.Messages[len(conv.Messages)-1]
	if conv.Client.OpenID != vip.OpenID || last.Text != text || last.Direction != "in" || last.Source != sandbox.FromHistory {
		t.Fatalf("conversation ends with %+v, want the message just sent", last)
	}
	for i := 1; i < len(conv.Messages); i++ {
		if conv.Messages[i].At.Before(conv.Messages[i-1].At) {
			t.Fatalf("conversation is not oldest first at %d", i)
		}
	}

	// A reply the outbound pipeline sends through WeChat shows too.
	const reply = "思琪您好，耳环为您留好了，周六见。"
	fakeReply(t, m, vip.OpenID, reply)
	conv = sandboxConversationOf(t, m, vip.OpenID)
	last = conv.Messages[len(conv.Messages)-1]
	if last.Text != reply || last.Direction != "out" || last.Source != sandbox.FromWeChat || last.Status != "sent" {
		t.Fatalf("conversation ends with %+v, want the reply the fake WeChat received", last)
	}
	// Another client's conversation does not show it.
	for _, msg := range sandboxConversationOf(t, m, clients[1].OpenID).Messages {
		if msg.Text == reply || msg.Text == text {
			t.Fatalf("%s's conversation shows another client's message %q", clients[1].OpenID, msg.Text)
		}
	}

	resp, err := http.Get(m.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `salon_callback_received_total{endpoint="oa",outcome="stored"} 2`) {
		t.Fatal("the sends did not go through the Official Account callback")
	}
}

func TestSandboxValidation(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	vip := sandboxClients(t, m)[0].OpenID
	body := func(openid, text string) string {
		b, _ := json.Marshal(map[string]string{"openid": openid, "text": text})
		return string(b)
	}
	tests := []struct {
		name, method, path string
		body               any
		wantStatus         int
		wantCode           string
		wantField          string
	}{
		{"ErrUnknownOpenID", "POST", "/sandbox/api/send", body("oNOTADEMOCLIENT", "hi"), 400, "invalid", "openid"},
		{"ErrMissingOpenID", "POST", "/sandbox/api/send", `{"text":"hi"}`, 400, "invalid", "openid"},
		{"ErrEmptyText", "POST", "/sandbox/api/send", body(vip, ""), 400, "invalid", "text"},
		{"ErrBlankText", "POST", "/sandbox/api/send", body(vip, " \n\t "), 400, "invalid", "text"},
		{"ErrTextTooLong", "POST", "/sandbox/api/send", body(vip, strings.Repeat("很", sandbox.MaxText+1)), 400, "invalid", "text"},
		{"ErrControlCharacter", "POST", "/sandbox/api/send", body(vip, "hi\x00there"), 400, "invalid", "text"},
		{"ErrUnknownField", "POST", "/sandbox/api/send", `{"openid":"` + vip + `","text":"hi","colour":"red"}`, 400, "invalid", "colour"},
		{"ErrWrongType", "POST", "/sandbox/api/send", `{"openid":5,"text":"hi"}`, 400, "invalid", "openid"},
		{"ErrMalformedJSON", "POST", "/sandbox/api/send", `{"openid":`, 400, "invalid", ""},
		{"ErrTwoObjects", "POST", "/sandbox/api/send", body(vip, "hi") + body(vip, "again"), 400, "invalid", ""},
		{"ErrTooLarge", "POST", "/sandbox/api/send", body(vip, strings.Repeat("x", sandbox.MaxBody)), 413, "too_large", ""},
		{"ErrConversationUnknownOpenID", "GET", "/sandbox/api/conversation?openid=oNOTADEMOCLIENT", nil, 400, "invalid", "openid"},
		{"ErrConversationNoOpenID", "GET", "/sandbox/api/conversation", nil, 400, "invalid", "openid"},
		{"ErrNoSuchEndpoint", "GET", "/sandbox/api/nothing", nil, 404, "not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got apiError
			status := call(t, m, tt.method, tt.path, "", tt.body, &got)
			if status != tt.wantStatus || got.Error.Code != tt.wantCode || got.Error.Field != tt.wantField || got.Error.Message == "" {
				t.Fatalf("got %d %+v, want %d code %q field %q", status, got.Error, tt.wantStatus, tt.wantCode, tt.wantField)
			}
		})
	}
	before := len(storedHistory(t, m, vip))
	t.Run("TextAtLimit", func(t *testing.T) {
		sandboxSend(t, m, vip, strings.Repeat("很", sandbox.MaxText))
	})
	if got := len(storedHistory(t, m, vip)); got != before+1 {
		t.Fatalf("history grew to %d, want %d: only the valid send is stored", got, before+1)
	}
	var customers struct{ Customers []map[string]any }
	call(t, m, "GET", "/api/v1/customers", testAdminToken, nil, &customers)
	if len(customers.Customers) != 5 {
		t.Fatalf("got %d customers, want the 5 demo ones: a refused send created a client", len(customers.Customers))
	}
}

func TestSandboxPage(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	vip := sandboxClients(t, m)[0]
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(m.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, page := get("/sandbox")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /sandbox: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	for _, want := range []string{vip.Name, `data-openid="` + vip.OpenID + `"`, vip.AdvisorName, "VVIP", "贵宾", "Sandbox", `"conversation":null`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, remote := range []string{`src="http`, `href="http`, "@import", "url(http", "<link rel=\"stylesheet"} {
		if strings.Contains(page, remote) {
			t.Errorf("the page loads something from elsewhere (%s); it must work offline", remote)
		}
	}
	// A link to one client opens their conversation without a round trip.
	_, page = get("/sandbox?openid=" + vip.OpenID)
	if !strings.Contains(page, `class="chatting"`) || !strings.Contains(page, `"conversation":{"client":{"openid":"`+vip.OpenID) {
		t.Error("GET /sandbox?openid= does not open that client's conversation")
	}
	if _, page = get("/sandbox?openid=oNOTADEMOCLIENT"); strings.Contains(page, `class="chatting"`) {
		t.Error("an unknown openid opened a conversation")
	}
}

func TestSandboxOnlyInSandboxMode(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	m := MustRunMain(t, func(c *Config) {
		c.Sandbox = "off"
		c.OAAppID, c.OASecret, c.OAToken = fake.Options().OAAppID, fake.Options().OASecret, "productiontoken"
		c.OAAESKey = strings.Repeat("k", 43)
		c.WeChatAPIBase, c.WeComAPIBase, c.PayAPIBase = fake.URL(), fake.URL(), fake.URL()
	})
	if m.sandbox != nil {
		t.Fatal("sandbox started in production mode")
	}
	for _, r := range []struct{ method, path string }{{"GET", "/sandbox"}, {"GET", "/sandbox/api/clients"}, {"POST", "/sandbox/api/send"}} {
		if got := call(t, m, r.method, r.path, "", `{"openid":"oDEMOWK59PFkl0JfI2yyVlbPegBP","text":"hi"}`, nil); got != http.StatusNotFound {
			t.Errorf("%s %s in production mode: got %d, want 404", r.method, r.path, got)
		}
	}
}

func TestSandboxLoopbackOnly(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	vip := sandboxClients(t, m)[0].OpenID
	do := func(method, path, body string, header map[string]string, host string) (int, apiError) {
		t.Helper()
		req, err := http.NewRequest(method, m.URL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e apiError
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e
	}
	send := `{"openid":"` + vip + `","text":"hello"}`
	t.Run("ErrForeignHost", func(t *testing.T) {
		// What a page on a rebound DNS name would send.
		if status, e := do("GET", "/sandbox/api/clients", "", nil, "salon.example:8080"); status != 403 || e.Error.Code != "forbidden" {
			t.Fatalf("got %d %+v, want 403 forbidden", status, e.Error)
		}
	})
	t.Run("ErrCrossOriginSend", func(t *testing.T) {
		h := map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"}
		if status, e := do("POST", "/sandbox/api/send", send, h, ""); status != 403 || e.Error.Code != "forbidden" {
			t.Fatalf("got %d %+v, want 403 forbidden", status, e.Error)
		}
	})
	t.Run("SameOriginSend", func(t *testing.T) {
		h := map[string]string{"Origin": m.URL(), "Sec-Fetch-Site": "same-origin", "Content-Type": "application/json"}
		if status, e := do("POST", "/sandbox/api/send", send, h, "localhost"+strings.TrimPrefix(m.URL(), "http://127.0.0.1")); status != 200 {
			t.Fatalf("got %d %+v, want 200", status, e.Error)
		}
	})
}

func TestSandboxSelfURL(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skipf("cannot listen on all interfaces: %v", err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	m := &Main{listener: l}
	if got, want := sandboxSelfURL(m), "http://localhost:"+strconv.Itoa(port); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
