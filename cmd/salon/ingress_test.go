package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// oaSender signs and encrypts Official Account callbacks with the sandbox's
// credentials, exactly as WeChat does in safe mode.
func oaSender(m *Main) *wechattest.OA {
	c := m.sandbox.creds
	return &wechattest.OA{AppID: c.OAAppID, Token: c.OAToken, EncodingAESKey: c.OAAESKey}
}

func post(t *testing.T, m *Main, cb *wechattest.Callback) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(cb.Request(m.URL() + "/wechat/oa"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestOACallbackStoresOnceAndNotifies(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	sub, err := m.Bus.Conn.SubscribeSync("salon.events.message.received")
	if err != nil {
		t.Fatal(err)
	}
	oa := oaSender(m)
	msg := wechattest.TextMsg("gh_salon", "oNEWCLIENT01", "请问这款手袋还有黑色吗？", 6054768590064713728, time.Now())
	cb := oa.Safe(msg.XML())
	for i := 0; i < 3; i++ { // WeChat's retries are identical
		if status, body := post(t, m, cb); status != 200 || body != "success" {
			t.Fatalf("delivery %d: got %d %q, want 200 success", i, status, body)
		}
	}
	var c struct {
		ID         string
		Identities []clienteling.Identity
	}
	if got := call(t, m, "GET", "/api/v1/customers?channel=oa&external_id=oNEWCLIENT01", testAdminToken, nil, &c); got != 200 {
		t.Fatalf("lookup: %d", got)
	}
	var history struct{ Messages []clienteling.Message }
	call(t, m, "GET", "/api/v1/customers/"+c.ID+"/messages", testAdminToken, nil, &history)
	if len(history.Messages) != 1 || history.Messages[0].Text != "请问这款手袋还有黑色吗？" || history.Messages[0].Direction != "in" {
		t.Fatalf("history after 3 deliveries: %+v, want the message once", history.Messages)
	}
	note, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		t.Fatalf("no message.received event on NATS: %v", err)
	}
	if !bytes.Contains(note.Data, []byte(c.ID)) || !bytes.Contains(note.Data, []byte(`"v":1`)) {
		t.Fatalf("event %s lacks the customer or the schema version", note.Data)
	}
	if extra, err := sub.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("a duplicate delivery was announced again: %s", extra.Data)
	}
}

func TestOACallbackRejections(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	oa := oaSender(m)
	text := func(from string) []byte {
		return wechattest.TextMsg("gh_salon", from, "hi", time.Now().UnixNano(), time.Now()).XML()
	}
	stale := *oa
	stale.Stamp.Clock = func() time.Time { return time.Now().Add(-301 * time.Second) }
	huge := oa.Safe(wechattest.TextMsg("gh_salon", "oHUGE", strings.Repeat("很", 30000), 1, time.Now()).XML())
	tests := []struct {
		name string
		cb   *wechattest.Callback
		want int
	}{
		{"ErrForged", oa.Safe(text("oFORGED")).Forge(), 401},
		{"ErrStale", stale.Safe(text("oSTALE")), 401},
		{"ErrTooLarge", huge, 413},
		{"ErrMalformedXML", oa.Safe([]byte("<xml><ToUserName>gh</ToUserName><FromUserName>oBAD")), 400},
		{"ErrMissingFrom", oa.Safe([]byte("<xml><ToUserName>gh</ToUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>1</MsgId></xml>")), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := post(t, m, tt.cb); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
	var customers struct{ Customers []map[string]any }
	call(t, m, "GET", "/api/v1/customers", testAdminToken, nil, &customers)
	if len(customers.Customers) != 5 {
		t.Fatalf("got %d customers, want the 5 demo ones: a refused callback stored something", len(customers.Customers))
	}
	resp, err := http.Get(m.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `salon_callback_rejected_total{endpoint="oa"`) {
		t.Fatal("/metrics does not count refused callbacks")
	}
}

// TestOACallbackWithNATSDown: with NATS stopped, callbacks are still
// acknowledged; the notifications follow once it is back, each once.
func TestOACallbackWithNATSDown(t *testing.T) {
	t.Parallel()
	ext := clientelingtest.RunNATS(t)
	url := ext.URL
	m := MustRunMain(t, func(c *Config) { c.NATSURL = url })
	oa := oaSender(m)

	ext.Stop()
	for i := 0; i < 20; i++ {
		cb := oa.Safe(wechattest.TextMsg("gh_salon", fmt.Sprintf("oOUTAGE%02d", i), "hello", int64(1000+i), time.Now()).XML())
		if status, body := post(t, m, cb); status != 200 || body != "success" {
			t.Fatalf("message %d during the outage: %d %q", i, status, body)
		}
	}
	if got := call(t, m, "GET", "/readyz", "", nil, nil); got != http.StatusServiceUnavailable {
		t.Errorf("readyz during the outage: got %d, want 503", got)
	}
	if pending, _ := m.DB.PendingEvents(t.Context(), 1000); len(pending) < 20 {
		t.Fatalf("%d events wait in the outbox, want at least 20", len(pending))
	}

	ext.Start()
	watcher, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	js, err := jetstream.New(watcher)
	if err != nil {
		t.Fatal(err)
	}
	// JetStream counts what it kept: each event once, though the relay may
	// have retried some publishes.
	clientelingtest.CheckFor(t, 20*time.Second, func() error {
		var n uint64
		if st, err := js.Stream(t.Context(), "SALON_EVENTS"); err == nil {
			if info, err := st.Info(t.Context()); err == nil {
				n = info.State.Msgs
			}
		}
		pending, _ := m.DB.PendingEvents(t.Context(), 1000)
		// 20 new clients: a customer.created and a message.received each.
		if n != 40 || len(pending) != 0 {
			return fmt.Errorf("after NATS returned: %d events in the stream, %d still pending; want 40 and 0", n, len(pending))
		}
		return nil
	})
}
