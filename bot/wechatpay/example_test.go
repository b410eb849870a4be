package wechatpay_test

import (
	"context"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/salonhq/salon/bot/wechatpay"
	"github.com/salonhq/salon/bot/wechatsim"
)

// Example pays a JSAPI order in the simulator: the merchant places the
// order, hands the page its bridge parameters, and takes the signed,
// encrypted notification at its notify URL.
func Example() {
	sim, err := wechatsim.New(wechatsim.Options{})
	if err != nil {
		panic(err)
	}
	defer sim.Close()
	creds, err := sim.Pay.Credentials()
	if err != nil {
		panic(err)
	}
	client, err := wechatpay.New(wechatpay.Config{
		BaseURL: sim.URL(), AppID: creds.AppID, MchID: creds.MchID, CertSerial: creds.MerchantSerial,
		PrivateKey: creds.MerchantKey, APIv3Key: []byte(creds.APIv3Key),
		PublicKeys: map[string]*rsa.PublicKey{creds.PublicKeyID: creds.PublicKey},
	})
	if err != nil {
		panic(err)
	}
	paid := make(chan *wechatpay.Transaction, 1)
	notify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := client.ReadNotification(r)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest) // WeChat Pay retries
			return
		}
		paid <- n.Transaction
		w.WriteHeader(http.StatusNoContent)
	}))
	defer notify.Close()

	ctx := context.Background()
	prepayID, err := client.JSAPI(ctx, wechatpay.JSAPIOrder{
		Description: "Salon-Loafers 41", OutTradeNo: "S20260520001", NotifyURL: notify.URL + "/pay/notify",
		TimeExpire: time.Now().Add(30 * time.Minute), Amount: wechatpay.Amount{Total: 289000},
		Payer: wechatpay.Payer{OpenID: "oVIP"},
	})
	if err != nil {
		panic(err)
	}
	params, err := client.PayParams(prepayID) // JSON for getBrandWCPayRequest
	if err != nil {
		panic(err)
	}
	fmt.Println(params.SignType, params.Package == "prepay_id="+prepayID)

	if err := sim.Pay.CompletePayment(ctx, "S20260520001"); err != nil {
		panic(err)
	}
	t := <-paid
	fmt.Println(t.OutTradeNo, t.TradeState, t.Amount.Total, t.Amount.Currency)
	// Output:
	// RSA true
	// S20260520001 SUCCESS 289000 CNY
}
