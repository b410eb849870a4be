package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/locales"
)

// withWeComStaff is withWeCom plus the app (notifications) and customer
// contact secrets, and an Official Account, all against fake.
func withWeComStaff(fake *wechattest.Server) func(*Config) {
	return func(c *Config) {
		withWeCom(fake)(c)
		o := fake.Options()
		c.WeComAgentID, c.WeComAppSecret, c.WeComContactSecret = o.AgentID, wechattest.DefaultAppSecret, wechattest.DefaultContactSecret
		c.WeChatAPIBase, c.OAAppID, c.OASecret, c.OAToken = fake.URL(), o.OAAppID, o.OASecret, "oa-callback-token"
		c.PublicURL = "https://salon.example.com"
	}
}

// runWeCom starts Salon with WeCom configured and the demo maison seeded.
func runWeCom(t *testing.T) (*Main, *wechattest.Server) {
	t.Helper()
	fake := wechattest.Start(t, wechattest.Options{})
	m := MustRunMain(t, withWeComStaff(fake))
	if err := seedDemo(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m, fake
}

// contactEvent posts a sealed change_external_contact callback to /wecom/app.
func contactEvent(t *testing.T, m *Main, fake *wechattest.Server, msg wechattest.Msg) {
	t.Helper()
	w := wechattest.WeCom{CorpID: fake.Options().CorpID, Token: testAppToken, EncodingAESKey: testAppAESKey}
	if status, body := postTo(t, m, "/wecom/app", w.Message(msg.XML())); status != 200 || body != "success" {
		t.Fatalf("callback: %d %q", status, body)
	}
}

// linkWeComClients adds n WeCom clients to associate's contacts through
// the callback and waits until they are associate's clients.
func linkWeComClients(t *testing.T, m *Main, fake *wechattest.Server, associate string, n int) []string {
	t.Helper()
	corp := fake.Options().CorpID
	at := time.Now()
	var ids []string
	for i := range n {
		ext := fmt.Sprintf("wmTRANSFER%04d", i)
		ids = append(ids, ext)
		contactEvent(t, m, fake, wechattest.ExternalContactEvent(corp, wechattest.AddExternalContact, associate, ext, at))
	}
	id := clienteling.AssociateID(associate)
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		cs, err := m.DB.FindCustomers(t.Context(), clienteling.CustomerFilter{Advisor: &id})
		if err != nil {
			t.Fatal(err)
		}
		linked := 0
		for _, c := range cs {
			if slices.ContainsFunc(c.Identities, func(x clienteling.Identity) bool { return x.Channel == clienteling.ChannelWeCom }) {
				linked++
			}
		}
		if linked != n {
			return fmt.Errorf("%d of %d WeCom clients linked to %s", linked, n, associate)
		}
		return nil
	})
	return ids
}

// TestAssociateCodesWithWeCom: with WeCom configured, an associate's QR
// code also makes their WeCom contact way, with exactly the JSON WeCom
// expects, and keeps it: the second ask makes nothing.
func TestAssociateCodesWithWeCom(t *testing.T) {
	t.Parallel()
	m, fake := runWeCom(t)
	var codes struct {
		Scene, URL string
		WeCom      *clienteling.ContactWay
	}
	if got := call(t, m, "POST", "/api/v1/associates/amy/qrcode", testAdminToken, nil, &codes); got != http.StatusOK {
		t.Fatalf("got %d", got)
	}
	if codes.Scene != "adv:amy" || !strings.Contains(codes.URL, "showqrcode?ticket=") {
		t.Fatalf("the Official Account code changed: %+v", codes)
	}
	calls := fake.CallsTo("/cgi-bin/externalcontact/add_contact_way")
	if len(calls) != 1 {
		t.Fatalf("add_contact_way called %d times", len(calls))
	}
	if got, want := strings.TrimSpace(string(calls[0].Body)), `{"type":1,"scene":2,"state":"adv:amy","user":["amy"]}`; got != want {
		t.Fatalf("add_contact_way body %s, want %s", got, want)
	}
	if calls[0].Credential != wechattest.DefaultContactSecret {
		t.Fatalf("add_contact_way called with the %q token, want the customer contact one", calls[0].Credential)
	}
	if codes.WeCom == nil || codes.WeCom.ConfigID == "" || !strings.Contains(codes.WeCom.QRCode, codes.WeCom.ConfigID) || codes.WeCom.State != "adv:amy" {
		t.Fatalf("wecom: %+v", codes.WeCom)
	}
	a, err := m.DB.FindAssociate(t.Context(), "amy")
	if err != nil || a.WeCom == nil || *a.WeCom != *codes.WeCom {
		t.Fatalf("stored %+v, %v; want %+v", a, err, codes.WeCom)
	}
	var again struct {
		Scene, URL string
		WeCom      *clienteling.ContactWay
	}
	call(t, m, "POST", "/api/v1/associates/amy/qrcode", issueToken(t, m, "amy", "associate"), nil, &again)
	if again.URL != codes.URL || again.WeCom == nil || *again.WeCom != *codes.WeCom ||
		len(fake.CallsTo("/cgi-bin/externalcontact/add_contact_way")) != 1 {
		t.Fatalf("second ask made new codes: %+v", again)
	}
}

// TestTransferMirroredToWeCom: moving a book of 150 WeCom clients calls
// transfer_customer with exactly WeCom's fields, at most 100 clients a
// call, each client once, with the clients' language's message; a client
// WeCom refuses is announced to the new advisor, who also gets it as a
// WeCom app card.
func TestTransferMirroredToWeCom(t *testing.T) {
	t.Parallel()
	m, fake := runWeCom(t)
	ids := linkWeComClients(t, m, fake, "amy", 150)
	// WeCom knows this one, but not as Amy's contact: it refuses it.
	fake.SetExternalContact(wechattest.ExternalContact{ExternalUserID: ids[7], Type: 1,
		FollowUsers: []wechattest.FollowUser{{UserID: "sophie"}}})
	notes, err := m.Bus.Conn.SubscribeSync("salon.notify.associate.chenjing")
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Moved int }
	if got := call(t, m, "POST", "/api/v1/transfers", testAdminToken, map[string]any{"from": "amy", "to": "chenjing"}, &out); got != http.StatusOK {
		t.Fatalf("transfer: %d", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	seen := map[string]int{}
	full := false
	for len(seen) < len(ids) {
		calls, err := fake.WaitCalls(ctx, "/cgi-bin/externalcontact/transfer_customer", 1)
		if err != nil {
			t.Fatalf("%v; %d clients handed over", err, len(seen))
		}
		seen = map[string]int{}
		for _, c := range calls {
			var body map[string]json.RawMessage
			if err := json.Unmarshal(c.Body, &body); err != nil {
				t.Fatal(err)
			}
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range body {
					if !yield(k) {
						return
					}
				}
			})
			if want := []string{"external_userid", "handover_userid", "takeover_userid", "transfer_success_msg"}; !slices.Equal(keys, want) {
				t.Fatalf("transfer_customer fields %v, want %v", keys, want)
			}
			var req struct {
				Handover string   `json:"handover_userid"`
				Takeover string   `json:"takeover_userid"`
				External []string `json:"external_userid"`
				Message  string   `json:"transfer_success_msg"`
			}
			_ = json.Unmarshal(c.Body, &req)
			if req.Handover != "amy" || req.Takeover != "chenjing" || req.Message != locales.T("zh-CN", "transferred", "Chen Jing") {
				t.Fatalf("transfer_customer %s", c.Body)
			}
			if len(req.External) > 100 {
				t.Fatalf("%d clients in one call", len(req.External))
			}
			full = full || len(req.External) == 100
			for _, x := range req.External {
				seen[x]++
			}
		}
		if len(seen) < len(ids) {
			if _, err := fake.WaitCalls(ctx, "/cgi-bin/externalcontact/transfer_customer", len(calls)+1); err != nil {
				t.Fatalf("%v; %d clients handed over", err, len(seen))
			}
		}
	}
	for _, x := range ids {
		if seen[x] != 1 {
			t.Fatalf("client %s handed over %d times", x, seen[x])
		}
	}
	if len(seen) != len(ids) || !full {
		t.Fatalf("%d identities handed over (want %d), a full call of 100: %v", len(seen), len(ids), full)
	}
	for {
		note, err := next(notes)
		if err != nil {
			t.Fatalf("chenjing was not told of the refused client: %v", err)
		}
		if bytes.Contains(note, []byte(`"type":"customer.transfer_failed"`)) {
			if !bytes.Contains(note, []byte(`"errcode":84061`)) || !bytes.Contains(note, []byte(`"count":1`)) {
				t.Fatalf("failure notice %s", note)
			}
			break
		}
	}
	waitCard(t, fake, "chenjing", "WeCom did not transfer a client")
}

// TestTransferFailCallback: WeCom's transfer_fail, through /wecom/app, is
// recorded on the client's history and told to the associate who was to
// take the client over (on NATS and as a WeCom card) and to the boutique's
// managers.
func TestTransferFailCallback(t *testing.T) {
	t.Parallel()
	m, fake := runWeCom(t)
	ext := linkWeComClients(t, m, fake, "amy", 1)[0]
	takeover, err := m.Bus.Conn.SubscribeSync("salon.notify.associate.chenjing")
	if err != nil {
		t.Fatal(err)
	}
	managers, err := m.Bus.Conn.SubscribeSync("salon.notify.boutique.sh-plaza66")
	if err != nil {
		t.Fatal(err)
	}
	msg := wechattest.ExternalContactEvent(fake.Options().CorpID, wechattest.TransferFail, "chenjing", ext, time.Now().Add(time.Second))
	msg.FailReason = "customer_refused"
	contactEvent(t, m, fake, msg)
	contactEvent(t, m, fake, msg) // WeCom's retry is recorded once

	waitHistory(t, m, ext, []string{"in:change_external_contact add_external_contact", "in:change_external_contact transfer_fail customer_refused"})
	for name, sub := range map[string]func() ([]byte, error){
		"chenjing": func() ([]byte, error) { return next(takeover) },
		"managers": func() ([]byte, error) { return next(managers) },
	} {
		for {
			note, err := sub()
			if err != nil {
				t.Fatalf("%s not told: %v", name, err)
			}
			if bytes.Contains(note, []byte(`"type":"customer.transfer_failed"`)) {
				if !bytes.Contains(note, []byte(`"reason":"customer_refused"`)) || !bytes.Contains(note, []byte(`"to":"chenjing"`)) {
					t.Fatalf("%s notice %s", name, note)
				}
				break
			}
		}
	}
	card := waitCard(t, fake, "chenjing", "WeCom did not transfer a client")
	if card.Description != "The client declined the new advisor on WeCom" || !strings.HasPrefix(card.URL, "https://salon.example.com/?") {
		t.Fatalf("card %+v", card)
	}
}

// waitCard waits for a WeCom app card titled title to reach userid.
func waitCard(t *testing.T, fake *wechattest.Server, userid, title string) wechattest.TextCard {
	t.Helper()
	var found wechattest.TextCard
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		for _, msg := range fake.AppMessages(userid) {
			if card, err := msg.TextCard(); err == nil && card.Title == title {
				found = card
				return nil
			}
		}
		return fmt.Errorf("no card %q reached %s", title, userid)
	})
	return found
}
