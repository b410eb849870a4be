package wechatsim

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// orderParams are a valid JSAPI order for the fake's default merchant.
func orderParams(outTradeNo string) map[string]string {
	return map[string]string{
		"appid": DefaultOAAppID, "mch_id": DefaultPayMchID, "nonce_str": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
		"body": "Salon-Loafers", "out_trade_no": outTradeNo, "total_fee": "289000", "spbill_create_ip": "127.0.0.1",
		"notify_url": "http://127.0.0.1:8080/pay/notify", "trade_type": "JSAPI", "openid": "oVIP",
	}
}

// signed returns p with its sign, altered by edit after signing.
func signed(t *testing.T, p map[string]string, key string, edit func(map[string]string)) map[string]string {
	t.Helper()
	sign, err := PaySign(p, key)
	if err != nil {
		t.Fatal(err)
	}
	p["sign"] = sign
	if edit != nil {
		edit(p)
	}
	return p
}

func unifiedOrder(t *testing.T, s *Server, p map[string]string) map[string]string {
	t.Helper()
	resp, err := http.Post(s.URL()+"/pay/unifiedorder", "application/xml", strings.NewReader(string(payXML(p))))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	fields, err := parseFlatXML(raw)
	if err != nil {
		t.Fatalf("answer %q: %v", raw, err)
	}
	return fields
}

func TestUnifiedOrder(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	key := s.Options().PayKey
	tests := []struct {
		name                                string
		params                              map[string]string
		wantReturn, wantResult, wantErrCode string
	}{
		{"OK", signed(t, orderParams("A1"), key, nil), "SUCCESS", "SUCCESS", ""},
		{"OKHMAC", signed(t, withField(orderParams("A2"), "sign_type", "HMAC-SHA256"), key, nil), "SUCCESS", "SUCCESS", ""},
		{"SameOrderAgain", signed(t, orderParams("A1"), key, nil), "SUCCESS", "SUCCESS", ""},
		{"SameNumberOtherFee", signed(t, withField(orderParams("A1"), "total_fee", "1"), key, nil), "SUCCESS", "FAIL", "INVALID_REQUEST"},
		{"BadSign", signed(t, orderParams("A3"), key, func(p map[string]string) { p["total_fee"] = "1" }), "FAIL", "", ""},
		{"WrongKey", signed(t, orderParams("A4"), "0000000000000000000000000000000x", nil), "FAIL", "", ""},
		{"WrongMerchant", signed(t, withField(orderParams("A5"), "mch_id", "1"), key, nil), "FAIL", "", ""},
		{"MissingBody", signed(t, withField(orderParams("A6"), "body", ""), key, nil), "FAIL", "", ""},
		{"JSAPIWithoutOpenID", signed(t, withField(orderParams("A7"), "openid", ""), key, nil), "SUCCESS", "FAIL", "PARAM_ERROR"},
	}
	prepay := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unifiedOrder(t, s, tt.params)
			if got["return_code"] != tt.wantReturn || got["result_code"] != tt.wantResult || got["err_code"] != tt.wantErrCode {
				t.Fatalf("answer %v, want return %s result %s err %s", got, tt.wantReturn, tt.wantResult, tt.wantErrCode)
			}
			if got["return_code"] != "SUCCESS" {
				return
			}
			signType := tt.params["sign_type"]
			if signType == "" {
				signType = "MD5"
			}
			if want, _ := paySignAs(got, key, signType); got["sign"] != want {
				t.Errorf("answer sign %s, want %s", got["sign"], want)
			}
			if tt.wantResult == "SUCCESS" {
				no := tt.params["out_trade_no"]
				if got["prepay_id"] == "" || (prepay[no] != "" && prepay[no] != got["prepay_id"]) {
					t.Errorf("prepay_id %q, earlier %q", got["prepay_id"], prepay[no])
				}
				prepay[no] = got["prepay_id"]
			}
		})
	}
	if o, found := s.PayOrder("A1"); !found || o.TotalFee != 289000 || o.OpenID != "oVIP" || o.Paid {
		t.Errorf("PayOrder(A1) = %+v, %v", o, found)
	}
}

func withField(p map[string]string, k, v string) map[string]string {
	p[k] = v
	return p
}

func TestPayNotifyXML(t *testing.T) {
	t.Parallel()
	key := DefaultPayKey
	tests := []struct {
		name   string
		notify PayNotify
		want   map[string]string
	}{
		{"MD5", PayNotify{AppID: "wx1", MchID: "19", OpenID: "oVIP", OutTradeNo: "A1", TotalFee: 100, TimeEnd: time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)},
			map[string]string{"result_code": "SUCCESS", "return_code": "SUCCESS", "total_fee": "100", "cash_fee": "100",
				"trade_type": "JSAPI", "time_end": "20250301100000", "sign_type": ""}},
		{"HMACWithExtra", PayNotify{AppID: "wx1", MchID: "19", OutTradeNo: "A2", TotalFee: 5, SignType: "HMAC-SHA256",
			Extra: map[string]string{"promotion_detail": "none"}},
			map[string]string{"sign_type": "HMAC-SHA256", "promotion_detail": "none"}},
		{"Failed", PayNotify{OutTradeNo: "A3", ResultCode: "FAIL"}, map[string]string{"result_code": "FAIL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.notify.XML(key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := parseFlatXML(b)
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
			if len(got["transaction_id"]) != 28 || len(got["nonce_str"]) != 32 {
				t.Errorf("transaction_id %q nonce_str %q: want 28 and 32 characters", got["transaction_id"], got["nonce_str"])
			}
			if want, _ := PaySign(got, key); got["sign"] != want {
				t.Errorf("sign %s, want %s", got["sign"], want)
			}
		})
	}
}

func TestNotifyPaid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		answer   string
		wantErr  bool
		wantPaid bool
	}{
		{"Acknowledged", "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>", false, true},
		{"Refused", "<xml><return_code><![CDATA[FAIL]]></return_code></xml>", true, false},
		{"NotXML", "success", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSim(t, Options{})
			received := make(chan map[string]string, 1)
			merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				fields, _ := parseFlatXML(b)
				received <- fields
				_, _ = io.WriteString(w, tt.answer)
			}))
			defer merchant.Close()
			p := orderParams("N1")
			p["notify_url"] = merchant.URL + "/pay/notify"
			if a := unifiedOrder(t, s, signed(t, p, s.Options().PayKey, nil)); a["result_code"] != "SUCCESS" {
				t.Fatalf("order refused: %v", a)
			}
			err := s.NotifyPaid(context.Background(), "N1")
			if (err != nil) != tt.wantErr {
				t.Fatalf("NotifyPaid err = %v, want error %v", err, tt.wantErr)
			}
			got := <-received
			if sign, _ := PaySign(got, s.Options().PayKey); got["sign"] != sign || got["out_trade_no"] != "N1" || got["total_fee"] != "289000" {
				t.Errorf("notification %v is not the signed order", got)
			}
			if o, _ := s.PayOrder("N1"); o.Paid != tt.wantPaid {
				t.Errorf("Paid = %v, want %v", o.Paid, tt.wantPaid)
			}
		})
	}
	s := startSim(t, Options{})
	if err := s.NotifyPaid(context.Background(), "nope"); err == nil {
		t.Error("NotifyPaid of an unknown order succeeded")
	}
}

func TestPayFault(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	s.Script("/pay/unifiedorder", Fault{Errcode: -1})
	got := unifiedOrder(t, s, signed(t, orderParams("F1"), s.Options().PayKey, nil))
	if got["return_code"] != "FAIL" || got["return_msg"] != "SYSTEMERROR" {
		t.Errorf("answer %v, want return_code FAIL", got)
	}
}
