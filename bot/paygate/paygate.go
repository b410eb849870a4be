// Package paygate is WeChat Pay as Salon's orders see it: the
// clienteling.PayGateway over bot/wechatpay's API v3 client (query, close,
// refund), the JSAPI prepay the checkout page needs, and the translation
// of WeChat Pay's notifications into the domain's words.
package paygate

import (
	"context"
	"time"

	"github.com/salonhq/salon/bot/wechatpay"
	"github.com/salonhq/salon/clienteling"
)

// Gateway calls WeChat Pay for one merchant and app.
type Gateway struct {
	client       *wechatpay.Client
	appID, mchID string
	notifyURL    func() string
}

var _ clienteling.PayGateway = (*Gateway)(nil)

// New returns the gateway over client, configured for appID and mchID;
// notifyURL gives the URL WeChat Pay posts notifications to.
func New(client *wechatpay.Client, appID, mchID string, notifyURL func() string) *Gateway {
	return &Gateway{client: client, appID: appID, mchID: mchID, notifyURL: notifyURL}
}

// Client is the WeChat Pay client, which also reads notifications.
func (g *Gateway) Client() *wechatpay.Client { return g.client }

// AppID and MchID are what notifications must name.
func (g *Gateway) AppID() string { return g.appID }

// MchID is the merchant notifications must name.
func (g *Gateway) MchID() string { return g.mchID }

// Prepay registers an order with WeChat Pay (JSAPI, payable until the
// order's expiry) and returns what the page hands to
// WeixinJSBridge.invoke('getBrandWCPayRequest', ...). openid is the payer
// under the pay app id.
func (g *Gateway) Prepay(ctx context.Context, o *clienteling.Order, openid, description string) (wechatpay.PayParams, error) {
	prepay, err := g.client.JSAPI(ctx, wechatpay.JSAPIOrder{
		Description: description, OutTradeNo: o.TradeNo, TimeExpire: o.ExpiresAt, NotifyURL: g.notifyURL(),
		Amount: wechatpay.Amount{Total: o.Amount.Amount, Currency: o.Amount.Currency}, Payer: wechatpay.Payer{OpenID: openid},
	})
	if err != nil {
		return wechatpay.PayParams{}, err
	}
	return g.client.PayParams(prepay)
}

// Query implements clienteling.PayGateway. An order WeChat Pay never saw
// (the page never got as far as paying) is unpaid.
func (g *Gateway) Query(ctx context.Context, o *clienteling.Order) (clienteling.PayState, error) {
	t, err := g.client.QueryByOutTradeNo(ctx, o.TradeNo)
	if wechatpay.IsCode(err, "ORDER_NOT_EXIST") {
		return clienteling.PayState{}, nil
	} else if err != nil {
		return clienteling.PayState{}, err
	}
	if _, paid := t.Paid(); !paid {
		return clienteling.PayState{}, nil
	}
	if t.AppID != g.appID {
		return clienteling.PayState{}, &clienteling.PayMismatch{Reason: "appid"}
	}
	return clienteling.PayState{Paid: true, Payment: Payment(&t)}, nil
}

// Payment is what a paid transaction says was paid.
func Payment(t *wechatpay.Transaction) clienteling.Payment {
	at, _ := t.Paid()
	return clienteling.Payment{TransactionID: t.TransactionID, At: at,
		Amount: clienteling.Money{Amount: t.Amount.Total, Currency: currencyOf(t.Amount.Currency)}}
}

// Close implements clienteling.PayGateway.
func (g *Gateway) Close(ctx context.Context, o *clienteling.Order) error {
	err := g.client.CloseOrder(ctx, o.TradeNo)
	if wechatpay.IsCode(err, "ORDER_NOT_EXIST") || wechatpay.IsCode(err, "ORDER_CLOSED") {
		return nil
	}
	return err
}

// Refund implements clienteling.PayGateway.
func (g *Gateway) Refund(ctx context.Context, o *clienteling.Order, r clienteling.Refund) (string, string, error) {
	ans, err := g.client.Refund(ctx, wechatpay.RefundRequest{OutTradeNo: o.TradeNo, OutRefundNo: r.No, Reason: r.Reason,
		NotifyURL: g.notifyURL(), Amount: wechatpay.RefundAmount{Refund: r.Amount.Amount, Total: o.Amount.Amount, Currency: o.Amount.Currency}})
	if err != nil {
		return "", "", err
	}
	return RefundStatus(ans.Status), ans.RefundID, nil
}

// RefundStatus is WeChat Pay's refund status as Salon writes it.
func RefundStatus(s string) string {
	switch s {
	case wechatpay.RefundSuccess:
		return clienteling.RefundSucceeded
	case wechatpay.RefundClosed:
		return clienteling.RefundClosed
	case wechatpay.RefundAbnormal:
		return clienteling.RefundAbnormal
	}
	return clienteling.RefundProcessing
}

// RefundTime is when a refund notification says the refund succeeded, or
// now when it does not say.
func RefundTime(n *wechatpay.RefundNotice, now time.Time) time.Time {
	if t, err := time.Parse(time.RFC3339, n.SuccessTime); err == nil {
		return t
	}
	return now
}

// currencyOf is a notification's currency: WeChat Pay may leave it out,
// meaning CNY.
func currencyOf(c string) string {
	if c == "" {
		return "CNY"
	}
	return c
}
