package wechatpay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Paths of the calls, as WeChat Pay's API reference writes them.
const (
	PathJSAPI         = "/v3/pay/transactions/jsapi"
	PathOutTradeNo    = "/v3/pay/transactions/out-trade-no/" // + out_trade_no [+ "/close"]
	PathRefunds       = "/v3/refund/domestic/refunds"
	closeSuffix       = "/close"
	maxOutTradeNoSize = 32
)

// MarshalJSON writes the order with time_expire in WeChat Pay's format.
func (o JSAPIOrder) MarshalJSON() ([]byte, error) {
	type plain JSAPIOrder // without this method
	return json.Marshal(struct {
		plain
		TimeExpire string `json:"time_expire,omitempty"`
	}{plain(o), formatOptionalTime(o.TimeExpire)})
}

// UnmarshalJSON reads an order as MarshalJSON writes it.
func (o *JSAPIOrder) UnmarshalJSON(data []byte) error {
	type plain JSAPIOrder
	var w struct {
		plain
		TimeExpire string `json:"time_expire"`
	}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*o = JSAPIOrder(w.plain)
	if w.TimeExpire != "" {
		t, err := time.Parse(time.RFC3339, w.TimeExpire)
		if err != nil {
			return fmt.Errorf("time_expire: %w", err)
		}
		o.TimeExpire = t
	}
	return nil
}

func formatOptionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return FormatTime(t)
}

// checkOutTradeNo refuses a number WeChat Pay would refuse, and one that
// would change the path it is put in.
func checkOutTradeNo(n string) error {
	if n == "" || len(n) > maxOutTradeNoSize {
		return fmt.Errorf("wechatpay: out_trade_no must have 1 to %d characters", maxOutTradeNoSize)
	}
	for _, r := range n {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '_' || r == '-' || r == '*') {
			return errors.New("wechatpay: out_trade_no may hold only letters, digits, _ - *")
		}
	}
	return nil
}

// JSAPI places a JSAPI order and returns its prepay_id, valid for two
// hours. AppID and MchID default to the client's; Currency to CNY.
// WeChat Pay answers a repeated identical order with the same prepay_id.
func (c *Client) JSAPI(ctx context.Context, o JSAPIOrder) (prepayID string, err error) {
	if o.AppID == "" {
		o.AppID = c.cfg.AppID
	}
	if o.MchID == "" {
		o.MchID = c.cfg.MchID
	}
	if o.Amount.Currency == "" {
		o.Amount.Currency = "CNY"
	}
	if err := checkOutTradeNo(o.OutTradeNo); err != nil {
		return "", err
	}
	switch {
	case o.Description == "":
		return "", errors.New("wechatpay: jsapi: description is required")
	case o.NotifyURL == "":
		return "", errors.New("wechatpay: jsapi: notify_url is required")
	case o.Amount.Total <= 0:
		return "", errors.New("wechatpay: jsapi: amount.total must be above zero")
	case o.Payer.OpenID == "":
		return "", errors.New("wechatpay: jsapi: payer.openid is required")
	}
	var out struct {
		PrepayID string `json:"prepay_id"`
	}
	if err := c.do(ctx, "jsapi", http.MethodPost, PathJSAPI, o, &out); err != nil {
		return "", err
	}
	if out.PrepayID == "" {
		return "", errors.New("wechatpay: jsapi: answer without prepay_id")
	}
	return out.PrepayID, nil
}

// QueryByOutTradeNo returns the transaction of our order number. An order
// WeChat Pay does not know answers an APIError with code ORDER_NOT_EXIST.
func (c *Client) QueryByOutTradeNo(ctx context.Context, outTradeNo string) (Transaction, error) {
	if err := checkOutTradeNo(outTradeNo); err != nil {
		return Transaction{}, err
	}
	var t Transaction
	path := PathOutTradeNo + outTradeNo + "?mchid=" + url.QueryEscape(c.cfg.MchID)
	if err := c.do(ctx, "query", http.MethodGet, path, nil, &t); err != nil {
		return Transaction{}, err
	}
	if t.OutTradeNo != outTradeNo || t.MchID != c.cfg.MchID {
		return Transaction{}, fmt.Errorf("wechatpay: query: answer is about another order or merchant")
	}
	return t, nil
}

// CloseOrder closes an unpaid order so that it can no longer be paid;
// WeChat Pay answers 204, and an APIError for an order already paid.
func (c *Client) CloseOrder(ctx context.Context, outTradeNo string) error {
	if err := checkOutTradeNo(outTradeNo); err != nil {
		return err
	}
	in := struct {
		MchID string `json:"mchid"`
	}{c.cfg.MchID}
	return c.do(ctx, "close", http.MethodPost, PathOutTradeNo+outTradeNo+closeSuffix, in, nil)
}

// Refund asks for a refund of part or all of a paid order. Currency
// defaults to CNY. The answer's Status is usually PROCESSING; the result
// comes in a REFUND.* notification.
func (c *Client) Refund(ctx context.Context, r RefundRequest) (Refund, error) {
	if err := checkOutTradeNo(r.OutTradeNo); err != nil {
		return Refund{}, err
	}
	if r.OutRefundNo == "" || len(r.OutRefundNo) > 64 {
		return Refund{}, errors.New("wechatpay: refund: out_refund_no must have 1 to 64 characters")
	}
	if r.Amount.Refund <= 0 || r.Amount.Refund > r.Amount.Total {
		return Refund{}, errors.New("wechatpay: refund: amount.refund must be above zero and at most amount.total")
	}
	if r.Amount.Currency == "" {
		r.Amount.Currency = "CNY"
	}
	var out Refund
	if err := c.do(ctx, "refund", http.MethodPost, PathRefunds, r, &out); err != nil {
		return Refund{}, err
	}
	if out.OutRefundNo != r.OutRefundNo {
		return Refund{}, errors.New("wechatpay: refund: answer is about another refund")
	}
	return out, nil
}

// PayParams are the arguments of WeixinJSBridge.invoke('getBrandWCPayRequest',
// ...), with the JSON names the bridge expects.
type PayParams struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// PayParams signs the bridge's arguments for prepayID with the merchant
// key, at the client's clock.
func (c *Client) PayParams(prepayID string) (PayParams, error) {
	if prepayID == "" {
		return PayParams{}, errors.New("wechatpay: pay params: empty prepay_id")
	}
	p := PayParams{
		AppID: c.cfg.AppID, TimeStamp: strconv.FormatInt(c.cfg.Clock().Unix(), 10),
		NonceStr: NewNonce(), Package: "prepay_id=" + prepayID, SignType: "RSA",
	}
	sig, err := Sign(c.cfg.PrivateKey, PaySignMessage(p.AppID, p.TimeStamp, p.NonceStr, p.Package))
	if err != nil {
		return PayParams{}, err
	}
	p.PaySign = sig
	return p, nil
}
