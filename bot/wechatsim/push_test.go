package wechatsim

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling/clientelingtest"
)

var pushOA = OA{AppID: DefaultOAAppID, Token: "pushtoken", EncodingAESKey: strings.Repeat("k", 43)}

// receiver is an Official Account server that checks each push's signature
// and decrypts it as a real one would, answering with statuses in turn
// (200 once they run out).
type receiver struct {
	mu       sync.Mutex
	got      []map[string]string // plaintext fields of the pushes it accepted
	attempts int
	answers  []int
	srv      *httptest.Server
}

func startReceiver(t *testing.T, answers ...int) *receiver {
	t.Helper()
	rc := &receiver{answers: answers}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.attempts++
	if len(rc.answers) > 0 {
		status := rc.answers[0]
		rc.answers = rc.answers[1:]
		if status != http.StatusOK {
			http.Error(w, "not now", status)
			return
		}
	}
	body, _ := io.ReadAll(r.Body)
	var env struct{ ToUserName, Encrypt string }
	q := r.URL.Query()
	if err := xml.Unmarshal(body, &env); err != nil || q.Get("encrypt_type") != "aes" ||
		q.Get("msg_signature") != Signature(pushOA.Token, q.Get("timestamp"), q.Get("nonce"), env.Encrypt) ||
		q.Get("signature") != Signature(pushOA.Token, q.Get("timestamp"), q.Get("nonce")) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	_, plain, err := Open(pushOA.AppID, pushOA.EncodingAESKey, env.Encrypt)
	if err != nil {
		http.Error(w, "cannot decrypt", http.StatusBadRequest)
		return
	}
	fields, err := parseFlatXML(plain)
	if err != nil || fields["ToUserName"] != env.ToUserName {
		http.Error(w, "bad message", http.StatusBadRequest)
		return
	}
	rc.got = append(rc.got, fields)
	io.WriteString(w, "success")
}

func (rc *receiver) pushes() []map[string]string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]map[string]string(nil), rc.got...)
}

func (rc *receiver) callback() OACallback {
	return OACallback{URL: func() string { return rc.srv.URL + "/wechat/oa" }, OA: pushOA, OriginalID: "gh_salon"}
}

// waitPushes waits until the simulator has recorded n pushes.
func waitPushes(t *testing.T, s *Server, n int) []Push {
	t.Helper()
	var got []Push
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if got = s.Pushes(); len(got) < n {
			return fmt.Errorf("%d of %d pushes", len(got), n)
		}
		return nil
	})
	return got
}

func templateTo(openid string) map[string]any {
	return map[string]any{"touser": openid, "template_id": "T1", "client_msg_id": "m1",
		"data": map[string]any{"first": map[string]string{"value": "您的预约已确认"}}}
}

// TestTemplateSendJobFinish checks that an accepted template message is
// followed, as on WeChat, by a signed and encrypted TEMPLATESENDJOBFINISH
// pushed to the account's server, carrying the msgid the send answered and
// the user's fate: delivered, or refused by a user who blocks the account.
func TestTemplateSendJobFinish(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, status, want string
	}{
		{"Delivered", "", TemplateDelivered},
		{"UserBlock", TemplateUserBlock, TemplateUserBlock},
		{"SystemFailed", TemplateSystemFailed, TemplateSystemFailed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, Options{})
			rc := startReceiver(t)
			s.SetOACallback(rc.callback())
			s.SetOAUser(OAUser{OpenID: "oVIP", Subscribe: true, TemplateStatus: tt.status})
			r := post(t, s, "/cgi-bin/message/template/send", oaToken(t, s), templateTo("oVIP"))
			msgID := strconv.FormatFloat(r.Fields["msgid"].(float64), 'f', -1, 64)
			p := waitPushes(t, s, 1)[0]
			send, _ := s.LastCall("/cgi-bin/message/template/send")
			if p.Event != EventTemplateSendJobFinish || p.OpenID != "oVIP" || p.MsgID != msgID || p.Status != tt.want ||
				p.Call != send.Seq || p.Answer != http.StatusOK || p.Seq <= send.Seq {
				t.Fatalf("push %+v, want the report on call %d (msgid %s, %q) answered 200", p, send.Seq, msgID, tt.want)
			}
			got := rc.pushes()
			if len(got) != 1 {
				t.Fatalf("the server got %d pushes, want 1", len(got))
			}
			want := map[string]string{"ToUserName": "gh_salon", "FromUserName": "oVIP", "MsgType": "event",
				"Event": "TEMPLATESENDJOBFINISH", "MsgID": msgID, "Status": tt.want}
			for k, v := range want {
				if got[0][k] != v {
					t.Errorf("%s = %q, want %q", k, got[0][k], v)
				}
			}
		})
	}
}

// TestTemplateWithoutCallback checks that nothing is pushed, and the send
// still answers, when no callback is set.
func TestTemplateWithoutCallback(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	if r := post(t, s, "/cgi-bin/message/template/send", oaToken(t, s), templateTo("oVIP")); r.Errcode != 0 {
		t.Fatalf("errcode %d", r.Errcode)
	}
	if _, err := s.PushOA(context.Background(), ScanEvent("", "oVIP", "adv:amy", time.Now())); err != ErrNoCallback {
		t.Fatalf("PushOA without a callback: %v, want ErrNoCallback", err)
	}
	if got := s.Pushes(); len(got) != 0 {
		t.Fatalf("pushes %+v, want none", got)
	}
}

// TestPushOARetries checks that a push the server fails is tried again, as
// WeChat tries three times, and that the last answer is recorded.
func TestPushOARetries(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	rc := startReceiver(t, http.StatusServiceUnavailable)
	s.SetOACallback(rc.callback())
	p, err := s.PushOA(context.Background(), ScanEvent("", "oVIP", "adv:amy", time.Now()))
	if err != nil || p.Answer != http.StatusOK || p.Event != EventScan || p.EventKey != "adv:amy" {
		t.Fatalf("push %+v, %v: want a SCAN answered 200 on the second try", p, err)
	}
	rc.mu.Lock()
	attempts := rc.attempts
	rc.mu.Unlock()
	if attempts != 2 || len(rc.pushes()) != 1 || rc.pushes()[0]["EventKey"] != "adv:amy" {
		t.Fatalf("the server saw %d attempts and %v, want 2 attempts and the scan", attempts, rc.pushes())
	}
}
