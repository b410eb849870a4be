package main

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/salonhq/salon/bot/paygate"
	"github.com/salonhq/salon/bot/wechatpay"
	"github.com/salonhq/salon/clienteling"
)

// payNotifyPath is where WeChat Pay posts payment and refund notifications.
const payNotifyPath = "/pay/notify"

// sandboxPayDir keeps the simulator's WeChat Pay keys in the data dir, so
// that a sandbox's payments survive restarts.
const sandboxPayDir = "sandbox-pay"

// payments is WeChat Pay as Salon's orders use it: the gateway the order
// desk calls (query, close, refund, and the prepay the checkout page
// needs), and the receiver of WeChat Pay's notifications.
type payments struct {
	*paygate.Gateway
	client       *wechatpay.Client
	appID, mchID string
	orders       *clienteling.Orders
	log          *slog.Logger
	rejected     *prometheus.CounterVec
	// changed is called after a notification changed an order, so that
	// its events are relayed at once.
	changed func()
}

// payConfig is the WeChat Pay client configuration: the simulator's in
// sandbox mode, the SALON_PAY_ settings otherwise; ok is false when
// WeChat Pay is not configured.
func (m *Main) payConfig() (cfg wechatpay.Config, ok bool, err error) {
	if m.sandbox != nil {
		creds, err := m.sandbox.fake.Pay.Credentials()
		if err != nil {
			return cfg, false, fmt.Errorf("sandbox: WeChat Pay keys: %w", err)
		}
		return wechatpay.Config{BaseURL: m.sandbox.apiBase, AppID: creds.AppID, MchID: creds.MchID,
			CertSerial: creds.MerchantSerial, PrivateKey: creds.MerchantKey, APIv3Key: []byte(creds.APIv3Key),
			PublicKeys: map[string]*rsa.PublicKey{creds.PublicKeyID: creds.PublicKey}}, true, nil
	}
	c := m.Config
	if !c.hasPay() {
		return cfg, false, nil
	}
	raw, err := os.ReadFile(c.PayPrivateKeyFile)
	if err != nil {
		return cfg, false, fmt.Errorf("SALON_PAY_PRIVATE_KEY_FILE: %w", err)
	}
	key, err := wechatpay.ParsePrivateKeyPEM(raw)
	if err != nil {
		return cfg, false, fmt.Errorf("SALON_PAY_PRIVATE_KEY_FILE: %w", err)
	}
	if raw, err = os.ReadFile(c.PayPublicKeyFile); err != nil {
		return cfg, false, fmt.Errorf("SALON_PAY_PUBLIC_KEY_FILE: %w", err)
	}
	pub, _, err := wechatpay.ParsePublicKeyPEM(raw)
	if err != nil {
		return cfg, false, fmt.Errorf("SALON_PAY_PUBLIC_KEY_FILE: %w", err)
	}
	return wechatpay.Config{BaseURL: c.PayAPIBase, AppID: c.PayAppID, MchID: c.PayMchID, CertSerial: c.PayCertSerial,
		PrivateKey: key, APIv3Key: []byte(c.PayAPIv3Key), PublicKeys: map[string]*rsa.PublicKey{c.PayPublicKeyID: pub}}, true, nil
}

// startOrders makes the order desk and, when WeChat Pay is configured, its
// client, the notification route and the expiry worker.
func (m *Main) startOrders(mux *http.ServeMux) error {
	m.Orders = clienteling.NewOrders(m.DB, m.DB, m.DB, m.DB, m.clock())
	rejected := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "salon_pay_notify_rejected_total", Help: "WeChat Pay notifications refused, by reason.",
	}, []string{"reason"})
	if err := m.Registry.Register(rejected); err != nil {
		return err
	}
	cfg, ok, err := m.payConfig()
	if err != nil {
		return err
	}
	if !ok {
		mux.HandleFunc("POST "+payNotifyPath, func(w http.ResponseWriter, r *http.Request) {
			payFail(w, http.StatusServiceUnavailable, "WeChat Pay is not configured")
		})
		return nil
	}
	client, err := wechatpay.New(cfg)
	if err != nil {
		return fmt.Errorf("WeChat Pay: %w", err)
	}
	gateway := paygate.New(client, cfg.AppID, cfg.MchID, func() string {
		if m.sandbox != nil {
			return sandboxSelfURL(m) + payNotifyPath
		}
		return strings.TrimSuffix(m.PublicURL(), "/") + payNotifyPath
	})
	m.pay = &payments{Gateway: gateway, client: client, appID: cfg.AppID, mchID: cfg.MchID, orders: m.Orders, log: m.Log,
		rejected: rejected, changed: m.relay.Wake}
	mux.HandleFunc("POST "+payNotifyPath, m.pay.handleNotify)
	m.expirer = clienteling.NewOrderExpirer(m.Orders, m.pay, m.clock(), m.Log, m.relay.Wake)
	m.workers.start("order expiry", m.expirer)
	return nil
}

// notifyReason names, for the metric and the log, why WeChat Pay's
// library refused a notification.
func notifyReason(err error) string {
	for _, r := range []struct {
		err    error
		reason string
	}{
		{wechatpay.ErrMissingHeader, "missing_signature"}, {wechatpay.ErrSignatureProbe, "probe"},
		{wechatpay.ErrStaleTimestamp, "stale"}, {wechatpay.ErrUnknownSerial, "unknown_serial"},
		{wechatpay.ErrBadSignature, "bad_signature"}, {wechatpay.ErrDecrypt, "decrypt"},
		{wechatpay.ErrTooLarge, "too_large"}, {wechatpay.ErrUnsupportedEvent, "unsupported_event"},
		{wechatpay.ErrMalformedNotification, "malformed"},
	} {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return "unreadable"
}

// payFail answers WeChat Pay as API v3 asks when a notification was not
// taken: a 4xx or 5xx status and {"code":"FAIL","message":...}. WeChat Pay
// retries later.
func payFail(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": "FAIL", "message": message})
}

// handleNotify takes one WeChat Pay notification: verified and decrypted
// by wechatpay (signature, 5-minute timestamp, probes), then checked
// against the order (merchant, app id, amount, currency) before anything
// changes. A duplicate answers success and changes nothing.
func (p *payments) handleNotify(w http.ResponseWriter, r *http.Request) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(callbackReadTimeout))
	n, err := p.client.ReadNotification(r)
	if err != nil {
		reason := notifyReason(err)
		p.rejected.WithLabelValues(reason).Inc()
		p.log.Warn("pay notify: refused", "reason", reason)
		status := http.StatusUnauthorized
		if reason == "malformed" || reason == "unsupported_event" || reason == "too_large" || reason == "decrypt" || reason == "unreadable" {
			status = http.StatusBadRequest
		}
		payFail(w, status, "notification refused: "+reason)
		return
	}
	ctx := r.Context()
	switch {
	case n.Transaction != nil:
		p.onTransaction(ctx, w, n.Transaction)
	case n.Refund != nil:
		p.onRefund(ctx, w, n.Refund)
	}
}

// refuse counts and logs a notification that does not match its order,
// and raises it to the order's boutique managers when the order is known.
func (p *payments) refuse(ctx context.Context, w http.ResponseWriter, o *clienteling.Order, reason string) {
	p.rejected.WithLabelValues(reason).Inc()
	var id clienteling.OrderID
	if o != nil {
		id = o.ID
		if err := p.orders.Reject(ctx, o, reason); err != nil {
			p.log.Error("pay notify: could not raise a refused notification to the boutique", "order", id, "err", err)
		} else if p.changed != nil {
			p.changed()
		}
	}
	p.log.Warn("pay notify: does not match the order; nothing changed", "order", id, "reason", reason)
	payFail(w, http.StatusBadRequest, "notification does not match the order: "+reason)
}

func (p *payments) onTransaction(ctx context.Context, w http.ResponseWriter, t *wechatpay.Transaction) {
	o, err := p.orders.FindByTradeNo(ctx, t.OutTradeNo)
	if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
		p.refuse(ctx, w, nil, clienteling.PayUnknownOrder)
		return
	} else if err != nil {
		p.storageFailed(w, err)
		return
	}
	switch {
	case t.MchID != p.mchID:
		p.refuse(ctx, w, o, "mchid")
		return
	case t.AppID != p.appID:
		p.refuse(ctx, w, o, "appid")
		return
	}
	if _, paid := t.Paid(); !paid {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	_, changed, err := p.orders.Paid(ctx, t.OutTradeNo, paygate.Payment(t))
	var mismatch *clienteling.PayMismatch
	switch {
	case errors.As(err, &mismatch):
		p.refuse(ctx, w, o, mismatch.Reason)
		return
	case err != nil:
		p.storageFailed(w, err)
		return
	}
	if changed {
		p.log.Info("pay notify: order paid", "order", o.ID)
		if p.changed != nil {
			p.changed()
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func (p *payments) onRefund(ctx context.Context, w http.ResponseWriter, n *wechatpay.RefundNotice) {
	o, err := p.orders.FindByTradeNo(ctx, n.OutTradeNo)
	if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
		p.refuse(ctx, w, nil, clienteling.PayUnknownOrder)
		return
	} else if err != nil {
		p.storageFailed(w, err)
		return
	}
	if n.MchID != p.mchID {
		p.refuse(ctx, w, o, "mchid")
		return
	}
	_, changed, err := p.orders.RefundSettled(ctx, n.OutTradeNo, n.OutRefundNo, paygate.RefundStatus(n.RefundStatus), n.RefundID,
		paygate.RefundTime(n, time.Now()))
	switch {
	case clienteling.ErrorCode(err) == clienteling.ENOTFOUND:
		p.refuse(ctx, w, o, "unknown_refund")
		return
	case err != nil:
		p.storageFailed(w, err)
		return
	}
	if changed && p.changed != nil {
		p.changed()
	}
	w.WriteHeader(http.StatusNoContent)
}

// storageFailed answers 500 so that WeChat Pay retries the notification.
func (p *payments) storageFailed(w http.ResponseWriter, err error) {
	p.log.Error("pay notify: could not record; WeChat Pay will retry", "err", err)
	payFail(w, http.StatusInternalServerError, "try again later")
}

// sandboxPayKeyDir is where the sandbox keeps its WeChat Pay keys.
func sandboxPayKeyDir(c Config) string { return filepath.Join(c.DataDir, sandboxPayDir) }
