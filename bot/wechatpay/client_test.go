package wechatpay_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechatpay"
	"github.com/salonhq/salon/bot/wechatsim"
	"github.com/salonhq/salon/bot/wechattest"
)

// rig is a client configured with the simulator's credentials, and a
// merchant notify endpoint that parses what arrives with that client.
type rig struct {
	sim       *wechattest.Server
	creds     wechattest.PayV3Credentials
	client    *wechatpay.Client
	notifyURL string
	notes     chan wechatpay.Notification
	refused   chan error
}

// fixtureKeyDir lays out the test keys under testdata as a simulator key
// directory, so that a rig need not generate RSA keys; swapped gives the
// simulator the two keys the other way round, a merchant and a WeChat Pay
// that the other rigs do not know.
func fixtureKeyDir(t *testing.T, swapped bool) string {
	t.Helper()
	merchant, platform := "testdata/merchant_key.pem", "testdata/wechatpay_key.pem"
	if swapped {
		merchant, platform = platform, merchant
	}
	dir := t.TempDir()
	for from, to := range map[string]string{merchant: wechatsim.PayMerchantKeyFile, platform: wechatsim.PayPlatformKeyFile} {
		data, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func newRig(t *testing.T, edit func(*wechatpay.Config)) *rig {
	t.Helper()
	return newRigKeys(t, false, edit)
}

func newRigKeys(t *testing.T, swapped bool, edit func(*wechatpay.Config)) *rig {
	t.Helper()
	sim := wechattest.Start(t, wechattest.Options{PayV3KeyDir: fixtureKeyDir(t, swapped)})
	creds, err := sim.Pay.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	cfg := wechatpay.Config{
		BaseURL: sim.URL(), AppID: creds.AppID, MchID: creds.MchID, CertSerial: creds.MerchantSerial,
		PrivateKey: creds.MerchantKey, APIv3Key: []byte(creds.APIv3Key),
		PublicKeys: map[string]*rsa.PublicKey{creds.PublicKeyID: creds.PublicKey},
	}
	if edit != nil {
		edit(&cfg)
	}
	c, err := wechatpay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{sim: sim, creds: creds, client: c, notes: make(chan wechatpay.Notification, 10), refused: make(chan error, 10)}
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n, err := c.ReadNotification(req)
		if err != nil {
			r.refused <- err
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"code":"FAIL","message":"失败"}`))
			return
		}
		r.notes <- n
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(merchant.Close)
	r.notifyURL = merchant.URL + "/pay/notify"
	return r
}

func (r *rig) order(outTradeNo string, total int64) wechatpay.JSAPIOrder {
	return wechatpay.JSAPIOrder{Description: "Salon-Loafers 41", OutTradeNo: outTradeNo, NotifyURL: r.notifyURL,
		TimeExpire: time.Now().Add(30 * time.Minute), Amount: wechatpay.Amount{Total: total}, Payer: wechatpay.Payer{OpenID: "oVIP"}}
}

func receive[T any](t *testing.T, ch chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	default:
		t.Fatal("nothing arrived") // delivery is synchronous: it has arrived or it never will
		var zero T
		return zero
	}
}

// TestPaymentRoundTrip drives the client against the simulator over real
// HTTP: order, pay parameters, query, the payment notification, refund and
// its notification, and close.
func TestPaymentRoundTrip(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	ctx := context.Background()

	prepay, err := r.client.JSAPI(ctx, r.order("S20260520001", 289000))
	if err != nil || !strings.HasPrefix(prepay, "wx") {
		t.Fatalf("JSAPI = %q, %v", prepay, err)
	}
	again, err := r.client.JSAPI(ctx, r.order("S20260520001", 289000))
	if err != nil || again != prepay {
		t.Errorf("repeated identical order = %q, %v; want %q", again, err, prepay)
	}
	var sent wechatpay.JSAPIOrder
	if call, _ := r.sim.LastCall(wechatpay.PathJSAPI); call.JSON(&sent) != nil || sent.AppID != r.creds.AppID ||
		sent.MchID != r.creds.MchID || sent.Amount.Currency != "CNY" || sent.TimeExpire.IsZero() {
		t.Errorf("order as sent: %+v", sent)
	}

	params, err := r.client.PayParams(prepay)
	if err != nil || params.Package != "prepay_id="+prepay || params.SignType != "RSA" || params.AppID != r.creds.AppID {
		t.Fatalf("PayParams = %+v, %v", params, err)
	}
	msg := wechatpay.PaySignMessage(params.AppID, params.TimeStamp, params.NonceStr, params.Package)
	if err := wechatpay.VerifySignature(&r.creds.MerchantKey.PublicKey, msg, params.PaySign); err != nil {
		t.Errorf("paySign does not verify with the merchant key: %v", err)
	}

	tx, err := r.client.QueryByOutTradeNo(ctx, "S20260520001")
	if err != nil || tx.TradeState != wechatpay.TradeNotPay {
		t.Fatalf("query before paying = %+v, %v", tx, err)
	}

	if err := r.sim.Pay.CompletePayment(ctx, "S20260520001"); err != nil {
		t.Fatal(err)
	}
	n := receive(t, r.notes)
	if n.EventType != wechatpay.EventTransactionSuccess || n.Transaction == nil {
		t.Fatalf("notification = %+v", n)
	}
	paid := *n.Transaction
	if paid.OutTradeNo != "S20260520001" || paid.MchID != r.creds.MchID || paid.AppID != r.creds.AppID ||
		paid.Amount.Total != 289000 || paid.Amount.Currency != "CNY" || paid.Payer.OpenID != "oVIP" || paid.TransactionID == "" {
		t.Errorf("paid transaction = %+v", paid)
	}
	if err := r.sim.Pay.CompletePayment(ctx, "S20260520001"); err != nil {
		t.Fatal(err)
	}
	if dup := receive(t, r.notes); dup.ID != n.ID || *dup.Transaction != paid {
		t.Errorf("WeChat's retry differs from the first notification: %+v", dup)
	}
	tx, err = r.client.QueryByOutTradeNo(ctx, "S20260520001")
	if err != nil || tx.TradeState != wechatpay.TradeSuccess || tx.TransactionID != paid.TransactionID {
		t.Fatalf("query after paying = %+v, %v", tx, err)
	}

	refund := wechatpay.RefundRequest{OutTradeNo: "S20260520001", OutRefundNo: "R1", Reason: "尺码不合适",
		Amount: wechatpay.RefundAmount{Refund: 100000, Total: 289000}}
	got, err := r.client.Refund(ctx, refund)
	if err != nil || got.Status != wechatpay.RefundProcessing || got.RefundID == "" || got.Amount.Refund != 100000 {
		t.Fatalf("Refund = %+v, %v", got, err)
	}
	if again, err := r.client.Refund(ctx, refund); err != nil || again.RefundID != got.RefundID {
		t.Errorf("repeated refund = %+v, %v; want refund %s again", again, err, got.RefundID)
	}
	if err := r.sim.Pay.FinishRefund(ctx, "R1", wechatpay.RefundSuccess); err != nil {
		t.Fatal(err)
	}
	rn := receive(t, r.notes)
	if rn.EventType != wechatpay.EventRefundSuccess || rn.Refund == nil || rn.Refund.OutRefundNo != "R1" ||
		rn.Refund.RefundID != got.RefundID || rn.Refund.Amount.Refund != 100000 || rn.Refund.RefundStatus != wechatpay.RefundSuccess {
		t.Errorf("refund notification = %+v %+v", rn, rn.Refund)
	}
	tooMuch := refund
	tooMuch.OutRefundNo, tooMuch.Amount.Refund = "R2", 189001
	if _, err := r.client.Refund(ctx, tooMuch); !wechatpay.IsCode(err, "INVALID_REQUEST") {
		t.Errorf("refund beyond what is left = %v, want INVALID_REQUEST", err)
	}

	if _, err := r.client.JSAPI(ctx, r.order("S20260520002", 5000)); err != nil {
		t.Fatal(err)
	}
	if err := r.client.CloseOrder(ctx, "S20260520002"); err != nil {
		t.Fatalf("close: %v", err)
	}
	if tx, err := r.client.QueryByOutTradeNo(ctx, "S20260520002"); err != nil || tx.TradeState != wechatpay.TradeClosed {
		t.Errorf("query after close = %+v, %v", tx, err)
	}
	if err := r.sim.Pay.CompletePayment(ctx, "S20260520002"); !errors.Is(err, wechatsim.ErrNotPayable) {
		t.Errorf("paying a closed order = %v", err)
	}
	if err := r.client.CloseOrder(ctx, "S20260520001"); !wechatpay.IsCode(err, "ORDERPAID") {
		t.Errorf("closing a paid order = %v, want ORDERPAID", err)
	}
}

func TestAPIErrorsCarryWeChatsCode(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	ctx := context.Background()
	_, err := r.client.QueryByOutTradeNo(ctx, "NEVER")
	var ae *wechatpay.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusNotFound || ae.Code != "ORDER_NOT_EXIST" || ae.Message == "" {
		t.Fatalf("query of an unknown order = %v", err)
	}
	other := r.order("S2", 100)
	if _, err := r.client.JSAPI(ctx, other); err != nil {
		t.Fatal(err)
	}
	other.Amount.Total = 1 // a price changed under the same number
	if _, err := r.client.JSAPI(ctx, other); !wechatpay.IsCode(err, "OUT_TRADE_NO_USED") {
		t.Errorf("same number, other amount = %v", err)
	}
	// Refused before any call: these would change the request path or are
	// sure to be refused.
	for _, no := range []string{"", "../../v3/refund", strings.Repeat("9", 33), "S 1"} {
		if _, err := r.client.QueryByOutTradeNo(ctx, no); err == nil {
			t.Errorf("query of %q accepted", no)
		}
	}
	if n := len(r.sim.CallsTo(wechatpay.PathOutTradeNo + "..")); n != 0 {
		t.Errorf("%d calls reached the simulator", n)
	}
}

// TestRequestsAreSignedWithTheMerchantKey checks the simulator's side: a
// client holding another merchant key is refused with SIGN_ERROR.
func TestRequestsAreSignedWithTheMerchantKey(t *testing.T) {
	t.Parallel()
	stranger := newRigKeys(t, true, nil).creds.MerchantKey // another simulator's merchant
	r := newRig(t, func(c *wechatpay.Config) { c.PrivateKey = stranger })
	_, err := r.client.JSAPI(context.Background(), r.order("S1", 100))
	var ae *wechatpay.APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized || ae.Code != "SIGN_ERROR" {
		t.Fatalf("JSAPI signed with a stranger's key = %v, want 401 SIGN_ERROR", err)
	}
	if _, found := r.sim.Pay.Order("S1"); found {
		t.Error("the simulator kept an order it refused")
	}
}

// TestEveryAnswerIsVerified feeds the client answers that did not come
// signed from WeChat Pay: each must be refused, not believed.
func TestEveryAnswerIsVerified(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	ctx := context.Background()
	forged := `{"prepay_id":"wx_forged"}`
	tests := []struct {
		name    string
		fault   wechattest.Fault
		wantErr error
	}{
		{"UnsignedSuccess", wechattest.Fault{Body: forged}, wechatpay.ErrMissingHeader},
		{"UnsignedServerError", wechattest.Fault{Errcode: 1}, wechatpay.ErrMissingHeader},
		{"BadGateway", wechattest.Fault{Status: http.StatusBadGateway}, wechatpay.ErrMissingHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.sim.Script(wechatpay.PathJSAPI, tt.fault)
			id, err := r.client.JSAPI(ctx, r.order("S-"+tt.name, 100))
			if !errors.Is(err, tt.wantErr) || id != "" {
				t.Fatalf("JSAPI = %q, %v; want %v", id, err, tt.wantErr)
			}
		})
	}
	t.Run("SignedByAnotherKey", func(t *testing.T) {
		impostor := newRigKeys(t, true, nil).creds.PublicKey // the right id, the wrong key
		c := newRig(t, func(c *wechatpay.Config) {
			for id := range c.PublicKeys {
				c.PublicKeys[id] = impostor
			}
		})
		if _, err := c.client.JSAPI(ctx, c.order("S1", 100)); !errors.Is(err, wechatpay.ErrBadSignature) {
			t.Fatalf("JSAPI = %v, want ErrBadSignature", err)
		}
	})
	t.Run("TooLarge", func(t *testing.T) {
		r.sim.Script(wechatpay.PathJSAPI, wechattest.Fault{Body: `{"prepay_id":"` + strings.Repeat("x", wechatpay.MaxResponseBytes) + `"}`})
		if _, err := r.client.JSAPI(ctx, r.order("S-large", 100)); err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Fatalf("JSAPI = %v, want a size refusal", err)
		}
	})
	t.Run("Hang", func(t *testing.T) {
		c := newRig(t, func(c *wechatpay.Config) { c.Timeout = 50 * time.Millisecond })
		c.sim.Script(wechatpay.PathJSAPI, wechattest.Fault{Hang: true})
		if _, err := c.client.JSAPI(ctx, c.order("S-hang", 100)); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("JSAPI = %v, want the deadline", err)
		}
	})
}

// TestForgedNotificationsAreRefused delivers notifications built by the
// simulator and then altered, through real HTTP, to the rig's endpoint.
func TestForgedNotificationsAreRefused(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	ctx := context.Background()
	tx := wechatpay.Transaction{AppID: r.creds.AppID, MchID: r.creds.MchID, OutTradeNo: "S1", TradeState: wechatpay.TradeSuccess,
		Amount: wechatpay.Amount{Total: 1, Currency: "CNY"}}
	for name, tc := range map[string]struct {
		at      time.Time
		edit    func(h http.Header)
		wantErr error
	}{
		"Probe": {time.Now(), func(h http.Header) {
			h.Set(wechatpay.HeaderSignature, wechatpay.ProbePrefix+h.Get(wechatpay.HeaderSignature))
		}, wechatpay.ErrSignatureProbe},
		"Stale":         {time.Now().Add(-time.Hour), nil, wechatpay.ErrStaleTimestamp},
		"NoSignature":   {time.Now(), func(h http.Header) { h.Del(wechatpay.HeaderSignature) }, wechatpay.ErrMissingHeader},
		"UnknownSerial": {time.Now(), func(h http.Header) { h.Set(wechatpay.HeaderSerial, "PUB_KEY_ID_0100000000000000000000000000") }, wechatpay.ErrUnknownSerial},
		"OtherNonce":    {time.Now(), func(h http.Header) { h.Set(wechatpay.HeaderNonce, "replayed") }, wechatpay.ErrBadSignature},
	} {
		h, body, err := r.sim.Pay.BuildNotification("EV-1", wechatpay.EventTransactionSuccess, tx, tc.at)
		if err != nil {
			t.Fatal(err)
		}
		if tc.edit != nil {
			tc.edit(h)
		}
		if err := r.sim.Pay.Deliver(ctx, r.notifyURL, h, body); err == nil {
			t.Errorf("%s: the merchant endpoint took it", name)
			continue
		}
		if err := receive(t, r.refused); !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: refused with %v, want %v", name, err, tc.wantErr)
		}
	}
	if len(r.notes) != 0 {
		t.Errorf("%d forged notifications accepted", len(r.notes))
	}
}

func TestNewNamesWhatIsMissing(t *testing.T) {
	t.Parallel()
	_, err := wechatpay.New(wechatpay.Config{AppID: "wx1", APIv3Key: make([]byte, 32)})
	if err == nil || !strings.Contains(err.Error(), "merchant id") || !strings.Contains(err.Error(), "private key") {
		t.Fatalf("New = %v", err)
	}
	if _, err := wechatpay.New(wechatpay.Config{BaseURL: "ftp://x"}); err == nil {
		t.Error("New accepted an ftp base URL")
	}
}

// TestConcurrentCompletePayment plays WeChat Pay's retries racing each
// other: the order is paid once, and every delivery carries the same
// notification and transaction, so a merchant can tell duplicates apart.
func TestConcurrentCompletePayment(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	r.notes = make(chan wechatpay.Notification, 20)
	ctx := context.Background()
	if _, err := r.client.JSAPI(ctx, r.order("S-race", 100)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := r.sim.Pay.CompletePayment(ctx, "S-race"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	close(r.notes)
	var first wechatpay.Notification
	count := 0
	for n := range r.notes {
		if count == 0 {
			first = n
		}
		count++
		if n.ID != first.ID || n.Transaction.TransactionID != first.Transaction.TransactionID {
			t.Errorf("delivery %d differs: %s %s, first %s %s", count, n.ID, n.Transaction.TransactionID, first.ID, first.Transaction.TransactionID)
		}
	}
	if count != 8 {
		t.Errorf("%d deliveries arrived, want 8", count)
	}
}
