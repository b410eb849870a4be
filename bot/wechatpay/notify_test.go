package wechatpay

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// notification builds a notification body as WeChat Pay sends it: the
// envelope of the API reference's 支付成功回调通知 example, its resource
// sealed with the test APIv3 key.
func notification(tb testing.TB, event, originalType string, resource any) []byte {
	tb.Helper()
	plain, err := json.Marshal(resource)
	if err != nil {
		tb.Fatal(err)
	}
	r, err := EncryptResource([]byte(testAPIv3Key), originalType, "fdasflkja484", originalType, plain)
	if err != nil {
		tb.Fatal(err)
	}
	body, _ := json.Marshal(Envelope{ID: "EV-2018022511223320873", CreateTime: "2015-05-20T13:29:35+08:00",
		EventType: event, ResourceType: "encrypt-resource", Summary: "支付成功", Resource: r})
	return body
}

var paidTransaction = Transaction{
	AppID: "wxd678efh567hg6787", MchID: "1230000109", OutTradeNo: "S20260520001",
	TransactionID: "1217752501201407033233368018", TradeType: "JSAPI", TradeState: TradeSuccess,
	TradeStateDesc: "支付成功", BankType: "CMC", SuccessTime: "2018-06-08T10:34:56+08:00",
	Payer: Payer{OpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}, Amount: Amount{Total: 100, Currency: "CNY", PayerTotal: 100, PayerCurrency: "CNY"},
}

func testVerifier(tb testing.TB) (*Verifier, *rsa.PrivateKey) {
	platform := loadKey(tb, "wechatpay_key.pem")
	return NewVerifier(map[string]*rsa.PublicKey{testPublicKeyID: &platform.PublicKey}, fixedClock), platform
}

func TestParseNotificationTransaction(t *testing.T) {
	t.Parallel()
	v, platform := testVerifier(t)
	body := notification(t, EventTransactionSuccess, "transaction", paidTransaction)
	n, err := ParseNotification(v, []byte(testAPIv3Key), signedHeaders(t, platform, testPublicKeyID, fixedNow, body), body)
	if err != nil {
		t.Fatal(err)
	}
	if n.EventType != EventTransactionSuccess || n.Refund != nil || n.Transaction == nil || *n.Transaction != paidTransaction {
		t.Fatalf("notification = %+v, transaction %+v", n, n.Transaction)
	}
	if at, paid := n.Transaction.Paid(); !paid || at.Unix() != 1528425296 {
		t.Errorf("Paid() = %v, %v", at, paid)
	}
}

func TestParseNotificationRefunds(t *testing.T) {
	t.Parallel()
	v, platform := testVerifier(t)
	for _, event := range []string{EventRefundSuccess, EventRefundAbnormal, EventRefundClosed} {
		want := RefundNotice{MchID: "1900000100", OutTradeNo: "20150806125346", TransactionID: "1008450740201411110005820873",
			OutRefundNo: "7752501201407033233368018", RefundID: "50200207182018070300011301001",
			RefundStatus: strings.TrimPrefix(event, "REFUND."), SuccessTime: "2018-06-08T10:34:56+08:00",
			UserReceivedAccount: "招商银行信用卡0403", Amount: RefundAmount{Total: 999, Refund: 999, PayerTotal: 999, PayerRefund: 999}}
		body := notification(t, event, "refund", want)
		n, err := ParseNotification(v, []byte(testAPIv3Key), signedHeaders(t, platform, testPublicKeyID, fixedNow, body), body)
		if err != nil || n.Refund == nil || *n.Refund != want || n.Transaction != nil {
			t.Errorf("%s: %+v, %v", event, n, err)
		}
	}
}

func TestParseNotificationRefuses(t *testing.T) {
	t.Parallel()
	v, platform := testVerifier(t)
	good := notification(t, EventTransactionSuccess, "transaction", paidTransaction)
	sign := func(body []byte) http.Header { return signedHeaders(t, platform, testPublicKeyID, fixedNow, body) }
	probe := sign(good)
	probe.Set(HeaderSignature, ProbePrefix+"bm90IGEgc2lnbmF0dXJl")
	var env Envelope
	_ = json.Unmarshal(good, &env)
	reseal := func(edit func(e *Envelope)) []byte {
		e := env
		edit(&e)
		b, _ := json.Marshal(e)
		return b
	}
	otherKey, _ := EncryptResource([]byte("00000000000000000000000000000000"), "transaction", "fdasflkja484", "transaction", []byte(`{}`))
	tests := []struct {
		name    string
		header  http.Header
		body    []byte
		wantErr error
	}{
		{"Unsigned", http.Header{}, good, ErrMissingHeader},
		{"Probe", probe, good, ErrSignatureProbe},
		{"Stale", signedHeaders(t, platform, testPublicKeyID, fixedNow.Add(-10*60e9), good), good, ErrStaleTimestamp},
		{"BodyChangedAfterSigning", sign(good), bytes.Replace(good, []byte("EV-2018"), []byte("EV-2019"), 1), ErrBadSignature},
		{"NotJSON", sign([]byte("<xml/>")), []byte("<xml/>"), ErrMalformedNotification},
		{"NoID", sign(reseal(func(e *Envelope) { e.ID = "" })), reseal(func(e *Envelope) { e.ID = "" }), ErrMalformedNotification},
		{"PlainResource", sign(reseal(func(e *Envelope) { e.ResourceType = "plain" })), reseal(func(e *Envelope) { e.ResourceType = "plain" }), ErrMalformedNotification},
		{"UnknownEvent", sign(reseal(func(e *Envelope) { e.EventType = "TRANSACTION.FAIL" })), reseal(func(e *Envelope) { e.EventType = "TRANSACTION.FAIL" }), ErrUnsupportedEvent},
		{"OtherAPIv3Key", sign(reseal(func(e *Envelope) { e.Resource = otherKey })), reseal(func(e *Envelope) { e.Resource = otherKey }), ErrDecrypt},
		{"TooLarge", sign(good), append(good, bytes.Repeat([]byte(" "), MaxNotificationBytes)...), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseNotification(v, []byte(testAPIv3Key), tt.header, tt.body); !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseNotification = %v, want %v", err, tt.wantErr)
			}
		})
	}
	// The resource holds personal data (the payer's openid): no error
	// may quote it.
	bad := notification(t, EventTransactionSuccess, "transaction", map[string]any{"payer": map[string]string{"openid": "oSECRET"}})
	if _, err := ParseNotification(v, []byte(testAPIv3Key), sign(bad), bad); err == nil || strings.Contains(err.Error(), "oSECRET") {
		t.Errorf("error for a transaction without out_trade_no: %v", err)
	}
}

func TestReadNotificationBoundsTheBody(t *testing.T) {
	t.Parallel()
	v, platform := testVerifier(t)
	c := &Client{cfg: Config{APIv3Key: []byte(testAPIv3Key)}, verifier: v}
	good := notification(t, EventTransactionSuccess, "transaction", paidTransaction)
	r := httptest.NewRequest(http.MethodPost, "/pay/notify", bytes.NewReader(good))
	r.Header = signedHeaders(t, platform, testPublicKeyID, fixedNow, good)
	if n, err := c.ReadNotification(r); err != nil || n.Transaction == nil {
		t.Fatalf("ReadNotification = %+v, %v", n, err)
	}
	huge := httptest.NewRequest(http.MethodPost, "/pay/notify", bytes.NewReader(make([]byte, 10*MaxNotificationBytes)))
	huge.Header = r.Header
	if _, err := c.ReadNotification(huge); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadNotification of a huge body = %v, want ErrTooLarge", err)
	}
}
