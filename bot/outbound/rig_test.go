package outbound_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// testKf is the 微信客服 account the rig's clients write to.
const testKf = "wkSALON0001"

// rig is a sender over a real database, posting to the fake WeChat on
// loopback with real access-token providers.
type rig struct {
	fake   *wechattest.Server
	db     *store.DB
	apis   outbound.APIs
	sender *outbound.Sender
}

// apisFor returns access-token providers of the fake's Official Account and
// 微信客服 secret.
func apisFor(tb testing.TB, fake *wechattest.Server) outbound.APIs {
	tb.Helper()
	client, err := wxclient.New(wxclient.Config{OABase: fake.URL(), WeComBase: fake.URL()})
	if err != nil {
		tb.Fatal(err)
	}
	o := fake.Options()
	oa, err := wxclient.NewAccessTokenProvider(client, wxclient.Credential{Family: wxclient.OA, ID: o.OAAppID, Secret: o.OASecret}, wxclient.ProviderOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	kf, err := wxclient.NewAccessTokenProvider(client, wxclient.Credential{Family: wxclient.WeCom, ID: o.CorpID, Secret: wechattest.DefaultKfSecret, Name: "kf"}, wxclient.ProviderOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return outbound.APIs{OA: oa, Kf: kf}
}

// startRig starts a sender with opts (fast backoff unless set) and stops it
// when the test ends.
func startRig(tb testing.TB, opts outbound.Options) *rig {
	tb.Helper()
	r := &rig{fake: wechattest.Start(tb, wechattest.Options{}), db: clientelingtest.MustOpenDB(tb)}
	r.apis = apisFor(tb, r.fake)
	if opts.Backoff == 0 {
		opts.Backoff = time.Millisecond
	}
	r.sender = outbound.New(r.db, r.apis, opts)
	if err := r.sender.Reconcile(context.Background()); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.sender.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done })
	return r
}

// client creates a client known on the Official Account as oa and on WeCom
// as wecom (either may be empty), who wrote on each of those channels a
// minute ago, which opens their service windows.
func (r *rig) client(tb testing.TB, oa, wecom string) *clienteling.Customer {
	tb.Helper()
	return newClient(tb, r.db, oa, wecom)
}

func newClient(tb testing.TB, db *store.DB, oa, wecom string) *clienteling.Customer {
	tb.Helper()
	ctx := context.Background()
	c := &clienteling.Customer{}
	if oa != "" {
		c.Identities = append(c.Identities, clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: oa})
	}
	if wecom != "" {
		c.Identities = append(c.Identities, clienteling.Identity{Channel: clienteling.ChannelWeCom, ExternalID: wecom})
	}
	c.Normalize()
	if err := db.CreateCustomers(ctx, []*clienteling.Customer{c}); err != nil {
		tb.Fatal(err)
	}
	for _, id := range c.Identities {
		in := &clienteling.Message{Customer: c.ID, Direction: clienteling.DirectionIn, Channel: id.Channel, Type: clienteling.TypeText,
			Text: "您好", Author: clienteling.AuthorClient, Status: clienteling.StatusReceived, At: time.Now().Add(-time.Minute)}
		if id.Channel == clienteling.ChannelWeCom {
			in.Account = testKf
		}
		if _, err := db.AppendMessage(ctx, in); err != nil {
			tb.Fatal(err)
		}
	}
	return c
}

// send queues content o to c on o.Channel as the service does, window
// checked where it applies, and wakes the sender.
func (r *rig) send(tb testing.TB, c *clienteling.Customer, o *clienteling.Outgoing) *clienteling.Message {
	tb.Helper()
	m := queue(tb, r.db, c, o)
	r.sender.Wake()
	return m
}

func queue(tb testing.TB, db *store.DB, c *clienteling.Customer, o *clienteling.Outgoing) *clienteling.Message {
	tb.Helper()
	var to clienteling.Identity
	for _, id := range c.Identities {
		if id.Channel == o.Channel {
			to = id
		}
	}
	m := &clienteling.Message{Customer: c.ID, Channel: o.Channel, Author: clienteling.AuthorAssociate, Associate: "amy", At: time.Now()}
	if o.WelcomeCode != "" {
		m.Account, m.Author, m.Associate = testKf, clienteling.AuthorBot, ""
	}
	o.Summarize(m)
	d := clienteling.Delivery{To: to, Content: o}
	if o.UsesWindow() {
		d.Check = clienteling.CheckServiceWindow
	}
	if err := db.EnqueueDelivery(context.Background(), m, d); err != nil {
		tb.Fatalf("enqueue: %v", err)
	}
	return m
}

// final waits until message id is sent or failed, and returns it.
func final(tb testing.TB, db *store.DB, id clienteling.MessageID) *clienteling.Message {
	tb.Helper()
	var m *clienteling.Message
	clientelingtest.CheckFor(tb, 30*time.Second, func() error {
		var err error
		if m, err = db.FindMessage(context.Background(), id); err != nil {
			tb.Fatal(err)
		}
		if m.Status != clienteling.StatusSent && m.Status != clienteling.StatusFailed {
			return fmt.Errorf("message %s still %s", id, m.Status)
		}
		return nil
	})
	return m
}

// sameJSON fails unless got and want hold the same JSON value.
func sameJSON(tb testing.TB, got []byte, want string) {
	tb.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		tb.Fatalf("got %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		tb.Fatalf("want %s: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		tb.Fatalf("WeChat received\n  %s\nwant\n  %s", gb, wb)
	}
}

func openid(i int) string { return fmt.Sprintf("oCLIENT%05d", i) }
