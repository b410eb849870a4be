package wechatsim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/salonhq/salon/bot/wechatpay"
)

// notifyTimeout bounds one delivery when the caller's context does not:
// WeChat Pay gives a merchant five seconds to answer.
const notifyTimeout = 5 * time.Second

// BuildNotification returns the headers and body WeChat Pay would POST for
// event, its resource (a wechatpay.Transaction or RefundNotice, or any
// value a test wants to forge) sealed with the APIv3 key and the whole
// signed at time at with the simulator's WeChat Pay key. A test may edit
// the headers to forge a stale, probe or unsigned notification.
func (p *PayV3) BuildNotification(id, event string, resource any, at time.Time) (http.Header, []byte, error) {
	plain, err := json.Marshal(resource)
	if err != nil {
		return nil, nil, fmt.Errorf("wechatsim: notification resource: %w", err)
	}
	originalType, summary := "transaction", "支付成功"
	if _, isRefund := resource.(wechatpay.RefundNotice); isRefund {
		originalType, summary = "refund", "退款状态变更"
	}
	r, err := wechatpay.EncryptResource([]byte(p.s.opts.PayAPIv3Key), originalType, randomAlnum(12), originalType, plain)
	if err != nil {
		return nil, nil, fmt.Errorf("wechatsim: notification: %w", err)
	}
	body, _ := json.Marshal(wechatpay.Envelope{
		ID: id, CreateTime: wechatpay.FormatTime(at), EventType: event, ResourceType: "encrypt-resource",
		Summary: summary, Resource: r,
	})
	h, err := p.signedHeaders(at, body)
	if err != nil {
		return nil, nil, err
	}
	h.Set("Content-Type", "application/json")
	return h, body, nil
}

// Deliver POSTs a notification to url as WeChat Pay does and requires a
// 2xx answer, WeChat Pay's sign that the merchant took it.
func (p *PayV3) Deliver(ctx context.Context, url string, h http.Header, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, notifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("wechatsim: notify: %w", err)
	}
	req.Header = h.Clone()
	req.Header.Set("User-Agent", "Mozilla/4.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("wechatsim: notify: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("wechatsim: notify: merchant answered %d %q", resp.StatusCode, answer)
	}
	return nil
}

// ErrNotPayable is returned by CompletePayment for an order that is
// closed, refunded or past its time_expire.
var ErrNotPayable = errors.New("wechatsim: order cannot be paid")

// CompletePayment plays the client paying outTradeNo inside WeChat: the
// order becomes SUCCESS and a signed, encrypted TRANSACTION.SUCCESS goes to
// its notify_url. Called again on a paid order it delivers the same
// notification again, as WeChat Pay's retries do.
func (p *PayV3) CompletePayment(ctx context.Context, outTradeNo string) error {
	now := p.s.opts.Clock()
	p.mu.Lock()
	o, found := p.orders[outTradeNo]
	switch {
	case !found:
		p.mu.Unlock()
		return fmt.Errorf("wechatsim: no v3 order %q", outTradeNo)
	case o.State == wechatpay.TradeNotPay && !o.Order.TimeExpire.IsZero() && now.After(o.Order.TimeExpire):
		p.mu.Unlock()
		return fmt.Errorf("%w: %s expired at %s", ErrNotPayable, outTradeNo, o.Order.TimeExpire.Format(time.RFC3339))
	case o.State == wechatpay.TradeNotPay:
		o.State, o.PaidAt = wechatpay.TradeSuccess, now
		o.TransactionID = "42" + randomDigits(26)
		o.notifyID = "EV-" + randomDigits(19)
	case o.State != wechatpay.TradeSuccess:
		p.mu.Unlock()
		return fmt.Errorf("%w: %s is %s", ErrNotPayable, outTradeNo, o.State)
	}
	t, id, url := o.transaction(), o.notifyID, o.Order.NotifyURL
	t.TradeState, t.TradeStateDesc = wechatpay.TradeSuccess, "支付成功"
	p.mu.Unlock()
	h, body, err := p.BuildNotification(id, wechatpay.EventTransactionSuccess, t, now)
	if err != nil {
		return err
	}
	return p.Deliver(ctx, url, h, body)
}

// FinishRefund settles refund outRefundNo with status SUCCESS, ABNORMAL or
// CLOSED and delivers the REFUND.<status> notification to the refund's
// notify_url (the order's when the refund named none).
func (p *PayV3) FinishRefund(ctx context.Context, outRefundNo, status string) error {
	switch status {
	case wechatpay.RefundSuccess, wechatpay.RefundAbnormal, wechatpay.RefundClosed:
	default:
		return fmt.Errorf("wechatsim: refund status %q is not SUCCESS, ABNORMAL or CLOSED", status)
	}
	now := p.s.opts.Clock()
	p.mu.Lock()
	ref, found := p.refunds[outRefundNo]
	if !found {
		p.mu.Unlock()
		return fmt.Errorf("wechatsim: no refund %q", outRefundNo)
	}
	o := p.orders[ref.Request.OutTradeNo]
	if ref.Status == wechatpay.RefundProcessing {
		ref.Status, ref.Finished = status, now
		if status == wechatpay.RefundClosed {
			o.Refunded -= ref.Request.Amount.Refund
		}
	}
	n := wechatpay.RefundNotice{
		MchID: o.Order.MchID, OutTradeNo: o.Order.OutTradeNo, TransactionID: o.TransactionID,
		OutRefundNo: outRefundNo, RefundID: ref.RefundID, RefundStatus: ref.Status,
		UserReceivedAccount: "支付用户零钱", Amount: ref.Request.Amount,
	}
	n.Amount.PayerTotal, n.Amount.PayerRefund = ref.Request.Amount.Total, ref.Request.Amount.Refund
	if ref.Status == wechatpay.RefundSuccess {
		n.SuccessTime = wechatpay.FormatTime(ref.Finished)
	}
	url := ref.Request.NotifyURL
	if url == "" {
		url = o.Order.NotifyURL
	}
	p.mu.Unlock()
	h, body, err := p.BuildNotification("EV-"+randomDigits(19), "REFUND."+n.RefundStatus, n, now)
	if err != nil {
		return err
	}
	return p.Deliver(ctx, url, h, body)
}
