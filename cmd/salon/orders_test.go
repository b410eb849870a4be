package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechatpay"
	"github.com/salonhq/salon/bot/wechatsim"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// demoBag is a demo product with 3 pieces at sh-plaza66 and 2 at bj-skp.
const demoBag = "ML-BAG-01"

// demoCustomer returns the demo client with openid.
func demoCustomer(t *testing.T, m *Main, openid string) *clienteling.Customer {
	t.Helper()
	c, err := m.DB.FindCustomerByIdentity(context.Background(), clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: openid})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seedCard puts in place a card of sku from amy at sh-plaza66 to c, as an
// advisor's send records it.
func seedCard(t testing.TB, m *Main, c *clienteling.Customer, sku clienteling.SKU) *clienteling.Card {
	t.Helper()
	ctx := context.Background()
	p, err := m.DB.FindProduct(ctx, sku)
	if err != nil {
		t.Fatal(err)
	}
	now := m.clock().Now()
	card := &clienteling.Card{ID: clienteling.CardID(clienteling.NewID()), SKU: sku, Customer: c.ID, Associate: "amy",
		Boutique: "sh-plaza66", Price: p.Price, Title: p.Title, CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}
	if err := m.DB.SeedCard(ctx, card); err != nil {
		t.Fatal(err)
	}
	return card
}

// pressPay presses Pay on card for collection at sh-plaza66 and registers
// the order with the simulated WeChat Pay.
func pressPay(t *testing.T, m *Main, card *clienteling.Card, openid string) *clienteling.Order {
	t.Helper()
	ctx := context.Background()
	o, err := m.Orders.Checkout(ctx, clienteling.CheckoutRequest{Card: card.ID, Customer: card.Customer,
		Delivery: clienteling.OrderDelivery{Method: clienteling.DeliveryCollect, Boutique: "sh-plaza66"}})
	if err != nil {
		t.Fatal(err)
	}
	params, err := m.pay.Prepay(ctx, o, openid, "Céleste Top-Handle Bag")
	if err != nil {
		t.Fatal(err)
	}
	if params.SignType != "RSA" || !strings.HasPrefix(params.Package, "prepay_id=") || params.PaySign == "" {
		t.Fatalf("pay params: %+v", params)
	}
	return o
}

func stockOf(t *testing.T, m *Main, sku clienteling.SKU, b clienteling.BoutiqueID) int {
	t.Helper()
	p, err := m.DB.FindProduct(context.Background(), sku)
	if err != nil {
		t.Fatal(err)
	}
	return p.Stock[b]
}

func orderOf(t *testing.T, m *Main, id clienteling.OrderID) *clienteling.Order {
	t.Helper()
	o, err := m.DB.FindOrder(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// toldOf returns the texts queued or sent to openid about order: the demo
// history holds others.
func toldOf(t *testing.T, m *Main, openid string, order clienteling.OrderID) []string {
	t.Helper()
	var out []string
	for _, msg := range storedHistory(t, m, openid) {
		if msg.Direction == clienteling.DirectionOut && strings.Contains(msg.Text, string(order)) {
			out = append(out, msg.Text)
		}
	}
	return out
}

// postNotify sends a notification to /pay/notify.
func postNotify(t *testing.T, m *Main, h http.Header, body []byte) (int, string) {
	t.Helper()
	return postNotifyB(t, m, h, body)
}

func postNotifyB(t testing.TB, m *Main, h http.Header, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, m.URL()+payNotifyPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// paidNotification is the TRANSACTION.SUCCESS WeChat Pay would send for o,
// signed at at; edit changes the transaction first.
func paidNotification(t *testing.T, m *Main, o *clienteling.Order, at time.Time, edit func(*wechatpay.Transaction)) (http.Header, []byte) {
	t.Helper()
	creds, err := m.sandbox.fake.Pay.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	tx := wechatpay.Transaction{AppID: creds.AppID, MchID: creds.MchID, OutTradeNo: o.TradeNo, TransactionID: "4200000000000000000000000001",
		TradeType: "JSAPI", TradeState: wechatpay.TradeSuccess, SuccessTime: wechatpay.FormatTime(at),
		Payer: wechatpay.Payer{OpenID: demoVVIP}, Amount: wechatpay.Amount{Total: o.Amount.Amount, Currency: o.Amount.Currency,
			PayerTotal: o.Amount.Amount, PayerCurrency: o.Amount.Currency}}
	if edit != nil {
		edit(&tx)
	}
	h, body, err := m.sandbox.fake.Pay.BuildNotification("EV-"+clienteling.NewID(), wechatpay.EventTransactionSuccess, tx, at)
	if err != nil {
		t.Fatal(err)
	}
	return h, body
}

// rejectedCount reads salon_pay_notify_rejected_total{reason} from the
// registry /metrics serves.
func rejectedCount(t *testing.T, m *Main, reason string) float64 {
	t.Helper()
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "salon_pay_notify_rejected_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return metric.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// The order paid through the real notification path: marked paid once,
// attributed to the card's associate and boutique, its stock kept sold,
// the advisor notified on NATS and the client told; WeChat Pay's retry of
// the same notification answers success and changes nothing.
func TestOrderPaidOnceAttributedAndTold(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	amy, err := m.Bus.Conn.SubscribeSync("salon.notify.associate.amy")
	if err != nil {
		t.Fatal(err)
	}
	c := demoCustomer(t, m, demoVVIP)
	before := stockOf(t, m, demoBag, "sh-plaza66")
	o := pressPay(t, m, seedCard(t, m, c, demoBag), demoVVIP)
	if got := stockOf(t, m, demoBag, "sh-plaza66"); got != before-1 {
		t.Fatalf("stock after checkout: %d, want %d held", got, before-1)
	}
	if o.Associate != "amy" || o.Boutique != "sh-plaza66" || o.Amount.Amount != 3250000 || o.Status != clienteling.OrderCreated {
		t.Fatalf("order: %+v", o)
	}

	if err := m.sandbox.fake.Pay.CompletePayment(context.Background(), o.TradeNo); err != nil {
		t.Fatal(err)
	}
	paid := orderOf(t, m, o.ID)
	if paid.Status != clienteling.OrderPaid || paid.TransactionID == "" || paid.PaidAt.IsZero() {
		t.Fatalf("after the notification: %+v", paid)
	}
	data := waitNotice(t, func() ([]byte, error) { return next(amy) }, clienteling.EventOrderPaid)
	if !bytes.Contains(data, []byte(`"order":"`+string(o.ID)+`"`)) {
		t.Fatalf("advisor's notice: %s", data)
	}
	told := toldOf(t, m, demoVVIP, o.ID)
	if len(told) != 1 || !strings.Contains(told[0], string(o.ID)) {
		t.Fatalf("client told: %q", told)
	}

	// WeChat Pay retries: the same notification again.
	if err := m.sandbox.fake.Pay.CompletePayment(context.Background(), o.TradeNo); err != nil {
		t.Fatal(err)
	}
	again := orderOf(t, m, o.ID)
	if !again.PaidAt.Equal(paid.PaidAt) || len(toldOf(t, m, demoVVIP, o.ID)) != 1 {
		t.Fatalf("the retry changed something: %+v", again)
	}
	if got := stockOf(t, m, demoBag, "sh-plaza66"); got != before-1 {
		t.Fatalf("stock after payment: %d, want %d", got, before-1)
	}
	// A second press of Pay on the paid card makes no second order.
	twice, err := m.Orders.Checkout(context.Background(), clienteling.CheckoutRequest{Card: o.Card, Customer: c.ID,
		Delivery: clienteling.OrderDelivery{Method: clienteling.DeliveryCollect, Boutique: "sh-plaza66"}})
	if err != nil || twice.ID != o.ID {
		t.Fatalf("second press: %v %+v", err, twice)
	}
}

// Twenty copies of one notification at once, as WeChat Pay's retries can
// overlap: every one answers success, and the order changes once.
func TestConcurrentDuplicateNotificationsOneTransition(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	events, err := m.Bus.Conn.SubscribeSync("salon.events.order.paid")
	if err != nil {
		t.Fatal(err)
	}
	c := demoCustomer(t, m, demoVVIP)
	o := pressPay(t, m, seedCard(t, m, c, demoBag), demoVVIP)
	h, body := paidNotification(t, m, o, time.Now(), nil)
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = postNotify(t, m, h, body) })
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusNoContent {
			t.Errorf("copy %d: %d", i, s)
		}
	}
	waitNotice(t, func() ([]byte, error) { return next(events) }, clienteling.EventOrderPaid)
	if msg, err := events.NextMsg(300 * time.Millisecond); err == nil {
		t.Fatalf("a second order.paid: %s", msg.Data)
	}
	if told := toldOf(t, m, demoVVIP, o.ID); len(told) != 1 {
		t.Fatalf("client told %d times", len(told))
	}
}

// Notifications that must change nothing: unsigned, a probe, stale, with a
// forged body, for a merchant, app, amount or currency that are not the
// order's, for an order nobody made. Each is refused, counted by reason,
// and the ones about a real order are raised to its boutique's managers.
func TestRefusedNotificationsChangeNothing(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	managers, err := m.Bus.Conn.SubscribeSync("salon.notify.boutique.sh-plaza66")
	if err != nil {
		t.Fatal(err)
	}
	c := demoCustomer(t, m, demoVVIP)
	o := pressPay(t, m, seedCard(t, m, c, demoBag), demoVVIP)
	stock := stockOf(t, m, demoBag, "sh-plaza66")
	now := time.Now()
	cases := []struct {
		name, reason string
		status       int
		build        func() (http.Header, []byte)
	}{
		{"unsigned", "missing_signature", 401, func() (http.Header, []byte) {
			h, b := paidNotification(t, m, o, now, nil)
			h.Del(wechatpay.HeaderSignature)
			return h, b
		}},
		{"probe", "probe", 401, func() (http.Header, []byte) {
			h, b := paidNotification(t, m, o, now, nil)
			h.Set(wechatpay.HeaderSignature, wechatpay.ProbePrefix+"c2lnbmF0dXJl")
			return h, b
		}},
		{"stale", "stale", 401, func() (http.Header, []byte) { return paidNotification(t, m, o, now.Add(-6*time.Minute), nil) }},
		{"forged", "bad_signature", 401, func() (http.Header, []byte) {
			h, b := paidNotification(t, m, o, now, nil)
			return h, bytes.Replace(b, []byte(`"summary":"`), []byte(`"summary":"x`), 1)
		}},
		{"merchant", "mchid", 400, func() (http.Header, []byte) {
			return paidNotification(t, m, o, now, func(tx *wechatpay.Transaction) { tx.MchID = "1900000999" })
		}},
		{"app", "appid", 400, func() (http.Header, []byte) {
			return paidNotification(t, m, o, now, func(tx *wechatpay.Transaction) { tx.AppID = "wx0000000000000bad" })
		}},
		{"amount", "amount", 400, func() (http.Header, []byte) {
			return paidNotification(t, m, o, now, func(tx *wechatpay.Transaction) { tx.Amount.Total = 1 })
		}},
		{"currency", "currency", 400, func() (http.Header, []byte) {
			return paidNotification(t, m, o, now, func(tx *wechatpay.Transaction) { tx.Amount.Currency = "USD" })
		}},
		{"unknown order", "unknown_order", 400, func() (http.Header, []byte) {
			return paidNotification(t, m, o, now, func(tx *wechatpay.Transaction) { tx.OutTradeNo = "NOSUCHORDER0001" })
		}},
	}
	for _, tc := range cases {
		h, body := tc.build()
		status, answer := postNotify(t, m, h, body)
		var fail struct{ Code, Message string }
		if status != tc.status || json.Unmarshal([]byte(answer), &fail) != nil || fail.Code != "FAIL" || fail.Message == "" {
			t.Errorf("%s: %d %s, want %d and a FAIL answer", tc.name, status, answer, tc.status)
		}
		if got := rejectedCount(t, m, tc.reason); got != 1 {
			t.Errorf("%s: salon_pay_notify_rejected_total{reason=%q} = %v, want 1", tc.name, tc.reason, got)
		}
	}
	if got := orderOf(t, m, o.ID); got.Status != clienteling.OrderCreated || got.TransactionID != "" {
		t.Fatalf("a refused notification changed the order: %+v", got)
	}
	if got := stockOf(t, m, demoBag, "sh-plaza66"); got != stock {
		t.Fatalf("stock moved: %d, want %d", got, stock)
	}
	if told := toldOf(t, m, demoVVIP, o.ID); len(told) != 0 {
		t.Fatalf("client told: %q", told)
	}
	// The four mismatches about the order reach its boutique's managers.
	for range 4 {
		data := waitNotice(t, func() ([]byte, error) { return next(managers) }, clienteling.EventPayRejected)
		if !bytes.Contains(data, []byte(string(o.ID))) {
			t.Fatalf("managers' notice: %s", data)
		}
	}
	// The real notification still goes through afterwards.
	h, body := paidNotification(t, m, o, now, nil)
	if status, answer := postNotify(t, m, h, body); status != http.StatusNoContent {
		t.Fatalf("genuine notification: %d %s", status, answer)
	}
}

// An order left unpaid is closed at its expiry and its stock goes back,
// even when Salon was stopped across the expiry; an order paid whose
// notification was lost is found paid by the query at expiry instead.
func TestExpiryClosesAndReleasesAfterRestart(t *testing.T) {
	t.Parallel()
	clock := clientelingtest.NewClock(time.Now())
	dir := t.TempDir()
	inDir := func(c *Config) { c.DataDir = dir }
	m := mustRunMainAt(t, clock, inDir)
	c := demoCustomer(t, m, demoVVIP)
	before := stockOf(t, m, demoBag, "sh-plaza66")
	o := pressPay(t, m, seedCard(t, m, c, demoBag), demoVVIP)
	if got := stockOf(t, m, demoBag, "sh-plaza66"); got != before-1 {
		t.Fatalf("stock held: %d", got)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(clienteling.OrderTTL + time.Minute)
	m = mustRunMainAt(t, clock, inDir)
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if got := orderOf(t, m, o.ID); got.Status != clienteling.OrderCancelled {
			return fmt.Errorf("order is %s", got.Status)
		}
		return nil
	})
	if got := stockOf(t, m, demoBag, "sh-plaza66"); got != before {
		t.Fatalf("stock after expiry: %d, want %d", got, before)
	}
	// A new press of Pay on the same card makes a new order.
	again, err := m.Orders.Checkout(context.Background(), clienteling.CheckoutRequest{Card: o.Card, Customer: c.ID,
		Delivery: clienteling.OrderDelivery{Method: clienteling.DeliveryCollect, Boutique: "sh-plaza66"}})
	if err != nil || again.ID == o.ID {
		t.Fatalf("after expiry: %v %+v", err, again)
	}
}

// A payment whose notification never arrived is found by the query at
// expiry: the order is recorded paid, not closed.
func TestExpiryFindsLostPayment(t *testing.T) {
	t.Parallel()
	clock := clientelingtest.NewClock(time.Now())
	m := mustRunMainAt(t, clock)
	c := demoCustomer(t, m, demoVVIP)
	before := stockOf(t, m, demoBag, "sh-plaza66")
	o := pressPay(t, m, seedCard(t, m, c, demoBag), demoVVIP)
	// The client pays; the notification is lost on the way (Salon
	// answers it with an error only the simulator sees).
	_ = m.sandbox.fake.Pay.CompletePayment(withLostNotification(m), o.TradeNo)
	if got := orderOf(t, m, o.ID); got.Status != clienteling.OrderCreated {
		t.Fatalf("the notification was not lost: %+v", got)
	}
	clock.Advance(clienteling.OrderTTL + time.Second)
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if got := orderOf(t, m, o.ID); got.Status != clienteling.OrderPaid {
			return fmt.Errorf("order is %s", got.Status)
		}
		return nil
	})
	if got := stockOf(t, m, demoBag, "sh-plaza66"); got != before-1 {
		t.Fatalf("stock: %d, want %d", got, before-1)
	}
}

// withLostNotification is a context already ended: the simulator marks
// the order paid, then cannot deliver its notification.
func withLostNotification(*Main) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// A refund round trip: the boutique's manager refunds part, then the rest;
// WeChat Pay settles each through the real notification path, the order
// ends refunded and the client is told of each.
func TestRefundRoundTrip(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	c := demoCustomer(t, m, demoVVIP)
	o := pressPay(t, m, seedCard(t, m, c, demoBag), demoVVIP)
	if err := m.sandbox.fake.Pay.CompletePayment(context.Background(), o.TradeNo); err != nil {
		t.Fatal(err)
	}
	manager := tokenFor(t, m, "chenjing", "manager")
	amy := tokenFor(t, m, "amy", "associate")
	path := "/api/v1/orders/" + string(o.ID) + "/refunds"
	var apiErr apiError
	if got := call(t, m, "POST", path, amy, map[string]any{"amount": 100}, &apiErr); got != http.StatusForbidden {
		t.Fatalf("an associate refunds: %d", got)
	}
	type answer struct {
		Order  clienteling.Order
		Refund clienteling.Refund
	}
	var part answer
	if got := call(t, m, "POST", path, manager, map[string]any{"amount": 250000, "reason": "alteration"}, &part); got != http.StatusAccepted {
		t.Fatalf("partial refund: %d", got)
	}
	if part.Refund.Status != clienteling.RefundProcessing || part.Refund.Amount.Amount != 250000 {
		t.Fatalf("partial refund: %+v", part.Refund)
	}
	var same answer
	if got := call(t, m, "POST", path, manager, map[string]any{"amount": 250000, "reason": "alteration"}, &same); got != http.StatusAccepted || same.Refund.No != part.Refund.No || len(same.Order.Refunds) != 1 {
		t.Fatalf("repeated refund: %d %+v", got, same)
	}
	if err := m.sandbox.fake.Pay.FinishRefund(context.Background(), part.Refund.No, wechatpay.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	if got := orderOf(t, m, o.ID); got.Status != clienteling.OrderPaid || got.Refunds[0].Status != clienteling.RefundSucceeded {
		t.Fatalf("after the partial refund: %+v", got)
	}
	var rest answer
	if got := call(t, m, "POST", path, testAdminToken, map[string]any{}, &rest); got != http.StatusAccepted || rest.Refund.Amount.Amount != 3000000 {
		t.Fatalf("refund of the rest: %d %+v", got, rest)
	}
	if got := call(t, m, "POST", path, testAdminToken, map[string]any{"amount": 1}, &apiErr); got != http.StatusBadRequest || apiErr.Error.Field != "amount" {
		t.Fatalf("refund beyond what was paid: %d %+v", got, apiErr)
	}
	if err := m.sandbox.fake.Pay.FinishRefund(context.Background(), rest.Refund.No, wechatpay.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	if got := orderOf(t, m, o.ID); got.Status != clienteling.OrderRefunded {
		t.Fatalf("after both refunds: %+v", got)
	}
	if told := toldOf(t, m, demoVVIP, o.ID); len(told) != 3 {
		t.Fatalf("client told %d times, want payment and two refunds: %q", len(told), told)
	}
}

// Outside sandbox mode WeChat Pay is configured by the SALON_PAY_ settings
// and key files: a payment made at (simulated) WeChat Pay comes back
// through /pay/notify verified with the configured public key.
func TestPayConfiguredFromKeyFiles(t *testing.T) {
	t.Parallel()
	keys := t.TempDir()
	sim := wechattest.Start(t, wechattest.Options{PayV3KeyDir: keys})
	creds, err := sim.Pay.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	m := MustRunMain(t, func(c *Config) {
		c.Sandbox = SandboxOff
		c.PayAPIBase = sim.URL()
		c.PayAppID, c.PayMchID, c.PayAPIv3Key, c.PayCertSerial = creds.AppID, creds.MchID, creds.APIv3Key, creds.MerchantSerial
		c.PayPrivateKeyFile = filepath.Join(keys, wechatsim.PayMerchantKeyFile)
		c.PayPublicKeyID, c.PayPublicKeyFile = creds.PublicKeyID, filepath.Join(keys, wechatsim.PayPublicKeyFile)
	})
	ctx := clienteling.WithPrincipal(context.Background(), clienteling.System())
	if err := m.Service.CreateBoutique(ctx, &clienteling.Boutique{ID: "sh-plaza66", Name: "Plaza 66", City: "Shanghai", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Service.PutProducts(ctx, &clienteling.Product{SKU: demoBag, Title: clienteling.Localized{"en": "Céleste"},
		Price: clienteling.Money{Amount: 3250000, Currency: "CNY"}, Stock: map[clienteling.BoutiqueID]int{"sh-plaza66": 1}}); err != nil {
		t.Fatal(err)
	}
	c := &clienteling.Customer{Identities: []clienteling.Identity{{Channel: clienteling.ChannelOA, ExternalID: "oPAYER0001"}}, Language: "en"}
	if err := m.DB.CreateCustomers(ctx, []*clienteling.Customer{c}); err != nil {
		t.Fatal(err)
	}
	card := seedCard(t, m, c, demoBag)
	o, err := m.Orders.Checkout(ctx, clienteling.CheckoutRequest{Card: card.ID, Customer: c.ID,
		Delivery: clienteling.OrderDelivery{Method: clienteling.DeliveryCollect, Boutique: "sh-plaza66"}})
	if err != nil {
		t.Fatal(err)
	}
	// The simulator posts to SALON_PUBLIC_URL, which defaults to this server.
	if _, err := m.pay.Prepay(ctx, o, "oPAYER0001", "Céleste"); err != nil {
		t.Fatal(err)
	}
	if err := sim.Pay.CompletePayment(ctx, o.TradeNo); err != nil {
		t.Fatal(err)
	}
	if got := orderOf(t, m, o.ID); got.Status != clienteling.OrderPaid {
		t.Fatalf("order: %+v", got)
	}
}
