package wechatpay

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MaxNotificationBytes bounds a notification's body; WeChat Pay's are
// about a kilobyte.
const MaxNotificationBytes = 64 << 10

// Event types of the notifications this package reads.
const (
	EventTransactionSuccess = "TRANSACTION.SUCCESS"
	EventRefundSuccess      = "REFUND.SUCCESS"
	EventRefundAbnormal     = "REFUND.ABNORMAL"
	EventRefundClosed       = "REFUND.CLOSED"
)

// Envelope is a notification's body as WeChat Pay POSTs it, its resource
// still encrypted.
type Envelope struct {
	ID           string   `json:"id"`
	CreateTime   string   `json:"create_time"`
	EventType    string   `json:"event_type"`
	ResourceType string   `json:"resource_type"`
	Summary      string   `json:"summary"`
	Resource     Resource `json:"resource"`
}

// Notification is a verified, decrypted notification: Transaction is set
// for TRANSACTION.SUCCESS, Refund for REFUND.*.
type Notification struct {
	ID, CreateTime, EventType, Summary string
	Transaction                        *Transaction
	Refund                             *RefundNotice
}

// Reasons a notification is refused after its signature verified.
var (
	ErrMalformedNotification = errors.New("wechatpay: malformed notification")
	ErrUnsupportedEvent      = errors.New("wechatpay: unsupported notification event")
	ErrTooLarge              = errors.New("wechatpay: notification too large")
)

// ReadNotification reads a notification request's body, at most
// MaxNotificationBytes, and parses it with ParseNotification.
func (c *Client) ReadNotification(r *http.Request) (Notification, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBytes+1))
	if err != nil {
		return Notification{}, fmt.Errorf("wechatpay: read notification: %w", err)
	}
	if len(body) > MaxNotificationBytes {
		return Notification{}, ErrTooLarge
	}
	return c.ParseNotification(r.Header, body)
}

// ParseNotification verifies a notification's signature with the client's
// WeChat Pay keys, decrypts its resource with the APIv3 key and decodes it.
// Its errors wrap the Verifier's reasons, ErrDecrypt or the Err values
// above, so that a receiver can count them; none carries decrypted content.
// It checks no business rule: the receiver compares merchant, app id,
// amount and currency with its own order.
func (c *Client) ParseNotification(h http.Header, body []byte) (Notification, error) {
	return ParseNotification(c.verifier, c.cfg.APIv3Key, h, body)
}

// ParseNotification is Client.ParseNotification with explicit keys.
func ParseNotification(v *Verifier, apiV3Key []byte, h http.Header, body []byte) (Notification, error) {
	if len(body) > MaxNotificationBytes {
		return Notification{}, ErrTooLarge
	}
	if err := v.Verify(h, body); err != nil {
		return Notification{}, err
	}
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Notification{}, fmt.Errorf("%w: envelope is not JSON", ErrMalformedNotification)
	}
	if env.ID == "" || env.EventType == "" || env.ResourceType != "encrypt-resource" {
		return Notification{}, fmt.Errorf("%w: envelope lacks id, event_type or encrypt-resource", ErrMalformedNotification)
	}
	n := Notification{ID: env.ID, CreateTime: env.CreateTime, EventType: env.EventType, Summary: env.Summary}
	var out any
	switch {
	case env.EventType == EventTransactionSuccess:
		n.Transaction = &Transaction{}
		out = n.Transaction
	case strings.HasPrefix(env.EventType, "REFUND."):
		n.Refund = &RefundNotice{}
		out = n.Refund
	default:
		return Notification{}, fmt.Errorf("%w %q", ErrUnsupportedEvent, env.EventType)
	}
	plain, err := DecryptResource(apiV3Key, env.Resource)
	if err != nil {
		return Notification{}, err
	}
	if err := json.Unmarshal(plain, out); err != nil {
		return Notification{}, fmt.Errorf("%w: resource is not JSON", ErrMalformedNotification)
	}
	if n.Transaction != nil && (n.Transaction.OutTradeNo == "" || n.Transaction.TradeState == "") {
		return Notification{}, fmt.Errorf("%w: transaction lacks out_trade_no or trade_state", ErrMalformedNotification)
	}
	if n.Refund != nil && (n.Refund.OutRefundNo == "" || n.Refund.RefundStatus == "") {
		return Notification{}, fmt.Errorf("%w: refund lacks out_refund_no or refund_status", ErrMalformedNotification)
	}
	return n, nil
}
