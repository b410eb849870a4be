package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechatpay"
	"github.com/salonhq/salon/clienteling"
)

// FuzzPayNotify feeds /pay/notify decrypted resources of every shape,
// sealed and signed as WeChat Pay does, so that the checks after the
// signature are what is fuzzed: kind 0 sends them as TRANSACTION.SUCCESS,
// 1 as REFUND.SUCCESS, anything else unsigned. The handler must never
// panic nor fail with 5xx, must answer a refusal with {"code":"FAIL"}, and
// the order may become paid only by a notification that pays its amount
// in its currency to this merchant and app. The committed corpus is under
// testdata/fuzz/FuzzPayNotify/.
func FuzzPayNotify(f *testing.F) {
	m := MustRunMain(f)
	c, err := m.DB.FindCustomerByIdentity(f.Context(), clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: demoVVIP})
	if err != nil {
		f.Fatal(err)
	}
	o, err := m.Orders.Checkout(f.Context(), clienteling.CheckoutRequest{Card: seedCard(f, m, c, demoBag).ID, Customer: c.ID,
		Delivery: clienteling.OrderDelivery{Method: clienteling.DeliveryCollect, Boutique: "sh-plaza66"}})
	if err != nil {
		f.Fatal(err)
	}
	creds, err := m.sandbox.fake.Pay.Credentials()
	if err != nil {
		f.Fatal(err)
	}
	genuine, _ := json.Marshal(wechatpay.Transaction{AppID: creds.AppID, MchID: creds.MchID, OutTradeNo: o.TradeNo,
		TransactionID: "4200000000000000000000000009", TradeState: wechatpay.TradeSuccess, SuccessTime: wechatpay.FormatTime(time.Now()),
		Amount: wechatpay.Amount{Total: o.Amount.Amount, Currency: "CNY"}})
	f.Add(genuine, uint8(0))
	f.Add([]byte(strings.Replace(string(genuine), `"total":3250000`, `"total":-3250000`, 1)), uint8(0))
	f.Add([]byte(`{"out_trade_no":"`+o.TradeNo+`","out_refund_no":"R1","refund_status":"SUCCESS","mchid":"`+creds.MchID+`"}`), uint8(1))
	f.Add([]byte(`{}`), uint8(2))
	f.Fuzz(func(t *testing.T, resource []byte, kind uint8) {
		if !json.Valid(resource) {
			return
		}
		event := wechatpay.EventTransactionSuccess
		if kind == 1 {
			event = wechatpay.EventRefundSuccess
		}
		h, body, err := m.sandbox.fake.Pay.BuildNotification("EV-FUZZ", event, json.RawMessage(resource), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if kind > 1 {
			h.Del(wechatpay.HeaderSignature)
		}
		before, err := m.DB.FindOrder(t.Context(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, payNotifyPath, strings.NewReader(string(body)))
		req.Header = h
		w := httptest.NewRecorder()
		m.pay.handleNotify(w, req)
		switch status := w.Code; {
		case status >= 500:
			t.Fatalf("answered %d: %s", status, w.Body)
		case status >= 400:
			var fail struct{ Code, Message string }
			if json.Unmarshal(w.Body.Bytes(), &fail) != nil || fail.Code != "FAIL" || fail.Message == "" {
				t.Fatalf("a refusal without the FAIL answer: %d %s", status, w.Body)
			}
		}
		now, err := m.DB.FindOrder(t.Context(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if before.Status == now.Status {
			return
		}
		var tx wechatpay.Transaction
		if now.Status == clienteling.OrderPaid && kind == 0 && json.Unmarshal(resource, &tx) == nil && tx.MchID == creds.MchID &&
			tx.AppID == creds.AppID && tx.Amount.Total == o.Amount.Amount && (tx.Amount.Currency == "CNY" || tx.Amount.Currency == "") {
			return
		}
		t.Fatalf("%s -> %s by %s", before.Status, now.Status, resource)
	})
}
