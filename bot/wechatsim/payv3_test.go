package wechatsim

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechatpay"
)

// v3Call sends a request signed as the merchant at time at, and returns the
// answer after checking the simulator signed it.
func v3Call(t *testing.T, s *Server, method, pathAndQuery string, body []byte, at time.Time) (int, map[string]any) {
	t.Helper()
	creds, err := s.Pay.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	ts, nonce := strconv.FormatInt(at.Unix(), 10), wechatpay.NewNonce()
	sig, err := wechatpay.Sign(creds.MerchantKey, wechatpay.RequestMessage(method, pathAndQuery, ts, nonce, body))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(method, s.URL()+pathAndQuery, bytes.NewReader(body))
	req.Header.Set("Authorization", wechatpay.Authorization{MchID: creds.MchID, NonceStr: nonce, Signature: sig,
		Timestamp: ts, SerialNo: creds.MerchantSerial}.String())
	return send(t, s, req)
}

func send(t *testing.T, s *Server, req *http.Request) (int, map[string]any) {
	t.Helper()
	creds, _ := s.Pay.Credentials()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	v := wechatpay.NewVerifier(map[string]*rsa.PublicKey{creds.PublicKeyID: creds.PublicKey}, s.opts.Clock)
	if err := v.Verify(resp.Header, raw); err != nil {
		t.Fatalf("%s %s: answer %d not signed: %v", req.Method, req.URL.Path, resp.StatusCode, err)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

func jsapiBody(edit func(m map[string]any)) []byte {
	m := map[string]any{
		"appid": DefaultOAAppID, "mchid": DefaultPayMchID, "description": "Salon-Loafers", "out_trade_no": "S1",
		"time_expire": "2026-05-20T20:30:00+08:00", "notify_url": "https://salon.example/pay/notify",
		"amount": map[string]any{"total": 289000, "currency": "CNY"}, "payer": map[string]any{"openid": "oVIP"},
	}
	if edit != nil {
		edit(m)
	}
	b, _ := json.Marshal(m)
	return b
}

var simNow = time.Date(2026, 5, 20, 20, 0, 0, 0, beijing)

func TestPayV3JSAPIChecks(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{Clock: func() time.Time { return simNow }})
	tests := []struct {
		name       string
		body       []byte
		wantStatus int
		wantCode   string
	}{
		{"OK", jsapiBody(nil), 200, ""},
		{"NoDescription", jsapiBody(func(m map[string]any) { delete(m, "description") }), 400, "PARAM_ERROR"},
		{"NoOpenID", jsapiBody(func(m map[string]any) { m["payer"] = map[string]any{} }), 400, "PARAM_ERROR"},
		{"OtherApp", jsapiBody(func(m map[string]any) { m["appid"] = "wx0000000000000000"; m["out_trade_no"] = "S2" }), 400, "APPID_MCHID_NOT_MATCH"},
		{"Dollars", jsapiBody(func(m map[string]any) { m["amount"] = map[string]any{"total": 1, "currency": "USD"} }), 400, "PARAM_ERROR"},
		{"ZeroAmount", jsapiBody(func(m map[string]any) { m["amount"] = map[string]any{"total": 0} }), 400, "PARAM_ERROR"},
		{"Expired", jsapiBody(func(m map[string]any) { m["time_expire"] = "2026-05-20T19:59:00+08:00" }), 400, "PARAM_ERROR"},
		{"BadExpiry", jsapiBody(func(m map[string]any) { m["time_expire"] = "tomorrow" }), 400, "PARAM_ERROR"},
		{"NotJSON", []byte("{"), 400, "PARAM_ERROR"},
		{"SameNumberOtherPrice", jsapiBody(func(m map[string]any) { m["amount"] = map[string]any{"total": 1} }), 403, "OUT_TRADE_NO_USED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := v3Call(t, s, http.MethodPost, wechatpay.PathJSAPI, tt.body, simNow)
			if status != tt.wantStatus || (tt.wantCode != "" && out["code"] != tt.wantCode) || (tt.wantCode == "" && out["prepay_id"] == nil) {
				t.Fatalf("answer %d %v, want %d %s", status, out, tt.wantStatus, tt.wantCode)
			}
		})
	}
	if _, found := s.Pay.Order("S2"); found {
		t.Error("a refused order was kept")
	}
}

func TestPayV3RefusesBadSignatures(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{Clock: func() time.Time { return simNow }})
	creds, _ := s.Pay.Credentials()
	body := jsapiBody(nil)
	if status, out := v3Call(t, s, http.MethodPost, wechatpay.PathJSAPI, body, simNow.Add(-6*time.Minute)); status != 401 || out["code"] != "SIGN_ERROR" {
		t.Errorf("stale request: %d %v", status, out)
	}
	for name, auth := range map[string]string{
		"None":        "",
		"OtherSerial": wechatpay.Authorization{MchID: creds.MchID, NonceStr: "N", Signature: "AAAA", Timestamp: strconv.FormatInt(simNow.Unix(), 10), SerialNo: "0000"}.String(),
		"OtherMch":    wechatpay.Authorization{MchID: "1", NonceStr: "N", Signature: "AAAA", Timestamp: strconv.FormatInt(simNow.Unix(), 10), SerialNo: creds.MerchantSerial}.String(),
		"BadSig":      wechatpay.Authorization{MchID: creds.MchID, NonceStr: "N", Signature: "AAAA", Timestamp: strconv.FormatInt(simNow.Unix(), 10), SerialNo: creds.MerchantSerial}.String(),
	} {
		req, _ := http.NewRequest(http.MethodPost, s.URL()+wechatpay.PathJSAPI, bytes.NewReader(body))
		req.Header.Set("Authorization", auth)
		if status, out := send(t, s, req); status != 401 || out["code"] != "SIGN_ERROR" {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}
	if _, found := s.Pay.Order("S1"); found {
		t.Error("an order was kept from an unsigned request")
	}
}

func TestPayV3FaultsAnswerV3Errors(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	path := wechatpay.PathOutTradeNo + "S1"
	s.Script(path, Fault{Errcode: 1}, Fault{Errcode: 1, Status: 429, Errmsg: "FREQUENCY_LIMITED"})
	for _, want := range []struct {
		status int
		code   string
	}{{500, "SYSTEM_ERROR"}, {429, "FREQUENCY_LIMITED"}} {
		resp, err := http.Get(s.URL() + path + "?mchid=" + DefaultPayMchID)
		if err != nil {
			t.Fatal(err)
		}
		var out struct{ Code string }
		_ = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != want.status || out.Code != want.code || resp.Header.Get(wechatpay.HeaderSignature) != "" {
			t.Errorf("fault answered %d %q (signature %q), want %d %s unsigned", resp.StatusCode, out.Code,
				resp.Header.Get(wechatpay.HeaderSignature), want.status, want.code)
		}
	}
}

// TestPayV3KeyDir checks that a sandbox keeps its merchant configuration:
// the keys made at first start are read back at the next, and pub_key.pem
// is the WeChat Pay public key a merchant configures.
func TestPayV3KeyDir(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pay")
	first := startSim(t, Options{PayV3KeyDir: dir})
	c1, err := first.Pay.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	c2, err := startSim(t, Options{PayV3KeyDir: dir}).Pay.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	if !c1.MerchantKey.Equal(c2.MerchantKey) || !c1.PublicKey.Equal(c2.PublicKey) || c1.PublicKeyID != c2.PublicKeyID ||
		c1.MerchantSerial != c2.MerchantSerial || len(c1.MerchantSerial) != 40 || len(c1.PublicKeyID) != len("PUB_KEY_ID_0114232134912410000000000000") {
		t.Errorf("credentials changed across restarts, or are misshapen: %s %s / %s %s", c1.MerchantSerial, c1.PublicKeyID, c2.MerchantSerial, c2.PublicKeyID)
	}
	data, err := os.ReadFile(filepath.Join(dir, PayPublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if pub, _, err := wechatpay.ParsePublicKeyPEM(data); err != nil || !pub.Equal(c1.PublicKey) {
		t.Errorf("%s does not hold the WeChat Pay public key: %v", PayPublicKeyFile, err)
	}
	for _, name := range []string{PayMerchantKeyFile, PayPlatformKeyFile} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, mode %v; want 0600", name, err, fi.Mode().Perm())
		}
	}
	if err := os.WriteFile(filepath.Join(dir, PayMerchantKeyFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	broken := startSim(t, Options{PayV3KeyDir: dir})
	if _, err := broken.Pay.Credentials(); err == nil {
		t.Error("a damaged key file was accepted")
	}
	resp, err := http.Post(broken.URL()+wechatpay.PathJSAPI, "application/json", bytes.NewReader(jsapiBody(nil)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("with broken keys the simulator answered %d", resp.StatusCode)
	}
}

func TestCompletePaymentRefusesExpiredOrders(t *testing.T) {
	t.Parallel()
	now := simNow
	s := startSim(t, Options{Clock: func() time.Time { return now }})
	if status, out := v3Call(t, s, http.MethodPost, wechatpay.PathJSAPI, jsapiBody(nil), now); status != 200 {
		t.Fatalf("order: %d %v", status, out)
	}
	now = now.Add(31 * time.Minute)
	if err := s.Pay.CompletePayment(context.Background(), "S1"); !errors.Is(err, ErrNotPayable) {
		t.Fatalf("CompletePayment after time_expire = %v, want ErrNotPayable", err)
	}
	if o, _ := s.Pay.Order("S1"); o.State != wechatpay.TradeNotPay {
		t.Errorf("state %s, want NOTPAY", o.State)
	}
	if err := s.Pay.CompletePayment(context.Background(), "S404"); err == nil {
		t.Error("paid an order that does not exist")
	}
}
