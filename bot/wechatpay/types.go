package wechatpay

import "time"

// Amount is an order's amount in minor units (fen for CNY).
type Amount struct {
	Total    int64  `json:"total"`
	Currency string `json:"currency,omitempty"`
	// PayerTotal and PayerCurrency are what the payer paid; set in
	// answers and notifications only.
	PayerTotal    int64  `json:"payer_total,omitempty"`
	PayerCurrency string `json:"payer_currency,omitempty"`
}

// Payer identifies who pays a JSAPI order: their openid under the order's
// app id.
type Payer struct {
	OpenID string `json:"openid"`
}

// JSAPIOrder is the body of POST /v3/pay/transactions/jsapi. AppID and
// MchID are filled from the client's configuration when empty.
type JSAPIOrder struct {
	AppID       string `json:"appid"`
	MchID       string `json:"mchid"`
	Description string `json:"description"`
	OutTradeNo  string `json:"out_trade_no"`
	// TimeExpire is when the order stops being payable; written as
	// RFC 3339 in Beijing time, as WeChat Pay writes its times.
	TimeExpire time.Time `json:"-"`
	NotifyURL  string    `json:"notify_url"`
	Attach     string    `json:"attach,omitempty"`
	Amount     Amount    `json:"amount"`
	Payer      Payer     `json:"payer"`
}

// Trade states of a Transaction.
const (
	TradeSuccess    = "SUCCESS"
	TradeRefund     = "REFUND"
	TradeNotPay     = "NOTPAY"
	TradeClosed     = "CLOSED"
	TradeRevoked    = "REVOKED"
	TradeUserPaying = "USERPAYING"
	TradePayError   = "PAYERROR"
)

// Transaction is an order as WeChat Pay reports it, in the answer to a
// query and in a TRANSACTION.SUCCESS notification.
type Transaction struct {
	AppID          string `json:"appid"`
	MchID          string `json:"mchid"`
	OutTradeNo     string `json:"out_trade_no"`
	TransactionID  string `json:"transaction_id,omitempty"`
	TradeType      string `json:"trade_type,omitempty"`
	TradeState     string `json:"trade_state"`
	TradeStateDesc string `json:"trade_state_desc,omitempty"`
	BankType       string `json:"bank_type,omitempty"`
	Attach         string `json:"attach,omitempty"`
	// SuccessTime is RFC 3339, set once paid.
	SuccessTime string `json:"success_time,omitempty"`
	Payer       Payer  `json:"payer"`
	Amount      Amount `json:"amount"`
}

// Paid reports when the transaction was paid, if it was.
func (t Transaction) Paid() (time.Time, bool) {
	if t.TradeState != TradeSuccess && t.TradeState != TradeRefund {
		return time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339, t.SuccessTime)
	return at, err == nil
}

// RefundAmount is the amount part of a refund request and answer.
type RefundAmount struct {
	Refund   int64  `json:"refund"`
	Total    int64  `json:"total"`
	Currency string `json:"currency"`
	// PayerTotal and PayerRefund are set in answers and notifications.
	PayerTotal  int64 `json:"payer_total,omitempty"`
	PayerRefund int64 `json:"payer_refund,omitempty"`
}

// RefundRequest is the body of POST /v3/refund/domestic/refunds, by our
// order number. OutRefundNo makes it idempotent: WeChat Pay answers a
// repeated request with the refund it already made.
type RefundRequest struct {
	OutTradeNo  string       `json:"out_trade_no"`
	OutRefundNo string       `json:"out_refund_no"`
	Reason      string       `json:"reason,omitempty"`
	NotifyURL   string       `json:"notify_url,omitempty"`
	Amount      RefundAmount `json:"amount"`
}

// Refund statuses, in a refund answer ("status") and notification
// ("refund_status").
const (
	RefundSuccess    = "SUCCESS"
	RefundClosed     = "CLOSED"
	RefundProcessing = "PROCESSING"
	RefundAbnormal   = "ABNORMAL"
)

// Refund is WeChat Pay's answer to a refund request.
type Refund struct {
	RefundID            string       `json:"refund_id"`
	OutRefundNo         string       `json:"out_refund_no"`
	TransactionID       string       `json:"transaction_id"`
	OutTradeNo          string       `json:"out_trade_no"`
	Channel             string       `json:"channel,omitempty"`
	UserReceivedAccount string       `json:"user_received_account,omitempty"`
	SuccessTime         string       `json:"success_time,omitempty"`
	CreateTime          string       `json:"create_time,omitempty"`
	Status              string       `json:"status"`
	Amount              RefundAmount `json:"amount"`
}

// RefundNotice is the resource of a REFUND.SUCCESS, REFUND.ABNORMAL or
// REFUND.CLOSED notification.
type RefundNotice struct {
	MchID               string       `json:"mchid"`
	OutTradeNo          string       `json:"out_trade_no"`
	TransactionID       string       `json:"transaction_id"`
	OutRefundNo         string       `json:"out_refund_no"`
	RefundID            string       `json:"refund_id"`
	RefundStatus        string       `json:"refund_status"`
	SuccessTime         string       `json:"success_time,omitempty"`
	UserReceivedAccount string       `json:"user_received_account,omitempty"`
	Amount              RefundAmount `json:"amount"`
}

// beijing is the zone WeChat Pay writes its times in.
var beijing = time.FixedZone("CST", 8*3600)

// FormatTime writes t as WeChat Pay's time fields are written, RFC 3339 in
// Beijing time: 2018-06-08T10:34:56+08:00.
func FormatTime(t time.Time) string { return t.In(beijing).Format(time.RFC3339) }
