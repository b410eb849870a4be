package clienteling

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// Reasons a payment notification is refused after its signature held.
const (
	PayMismatchAmount   = "amount"
	PayMismatchCurrency = "currency"
	PayUnknownOrder     = "unknown_order"
	PayNotPayable       = "not_payable"
)

// PayMismatch is a payment that does not match its order; Reason is one
// of the PayMismatch or PayNot constants.
type PayMismatch struct{ Reason string }

func (e *PayMismatch) Error() string { return "payment does not match the order: " + e.Reason }

// checkPayment accepts p for o when it pays o's amount in o's currency.
func checkPayment(p Payment) func(*Order) error {
	return func(o *Order) error {
		switch {
		case p.Amount.Currency != o.Amount.Currency:
			return &PayMismatch{Reason: PayMismatchCurrency}
		case p.Amount.Amount != o.Amount.Amount:
			return &PayMismatch{Reason: PayMismatchAmount}
		case o.Status == OrderCancelled:
			// Closed at WeChat Pay before it could be paid: a payment
			// now is money to look into, not a sale.
			return &PayMismatch{Reason: PayNotPayable}
		}
		return nil
	}
}

// Paid records WeChat Pay's word that the order of tradeNo was paid:
// checked against the order (amount, currency), then applied once.
// changed is false for a payment already recorded. A *PayMismatch error
// changed nothing.
func (s *Orders) Paid(ctx context.Context, tradeNo string, p Payment) (*Order, bool, error) {
	return s.store.MarkOrderPaid(ctx, tradeNo, p, checkPayment(p), PaidText)
}

// RefundSettled records WeChat Pay's word on a refund.
func (s *Orders) RefundSettled(ctx context.Context, tradeNo, no, status, refundID string, at time.Time) (*Order, bool, error) {
	return s.store.SettleRefund(ctx, tradeNo, no, status, refundID, at, RefundText)
}

// Reject tells o's boutique managers that a notification for it was
// refused for reason.
func (s *Orders) Reject(ctx context.Context, o *Order, reason string) error {
	return s.store.RejectPayment(ctx, o, reason)
}

// FindByTradeNo returns the order of WeChat Pay's out_trade_no, for
// Salon's own work (notifications), without a principal.
func (s *Orders) FindByTradeNo(ctx context.Context, tradeNo string) (*Order, error) {
	return s.store.FindOrderByTradeNo(ctx, tradeNo)
}

// PaidText is what the client is told once their payment is recorded.
// The message catalogs come later; zh-CN and English for now.
func PaidText(lang string, o *Order) string {
	if strings.HasPrefix(lang, "zh") {
		return "您的订单 " + string(o.ID) + " 已付款（" + o.Amount.String() + "），精品店已收到，顾问将与您联系。"
	}
	return "Thank you: your payment of " + o.Amount.String() + " for order " + string(o.ID) +
		" is received, and the boutique has your order. Your advisor will be in touch."
}

// RefundText is what the client is told when a refund succeeded.
func RefundText(lang string, o *Order, r Refund) string {
	if strings.HasPrefix(lang, "zh") {
		return "订单 " + string(o.ID) + " 的退款 " + r.Amount.String() + " 已完成。"
	}
	return "Your refund of " + r.Amount.String() + " for order " + string(o.ID) + " is complete."
}

// OrderExpirer closes unpaid orders at their expiry: it asks WeChat Pay
// first, so that a payment whose notification was lost is recorded rather
// than closed, then closes the order there and puts its stock back. The
// expiry lives in the store with the order, so a restart misses none.
type OrderExpirer struct {
	orders  *Orders
	gateway PayGateway
	clock   Timer
	log     *slog.Logger
	fired   func()
	wake    *Waker
}

// expiryRetry is how long an order waits for its next check when WeChat
// Pay could not be asked.
const expiryRetry = time.Minute

// mismatchRetry is how long an order whose payment does not match waits
// for its next check, once its boutique's managers were told.
const mismatchRetry = time.Hour

// NewOrderExpirer returns the expirer of orders; fired, if set, is called
// after orders changed so that their events are relayed at once.
func NewOrderExpirer(orders *Orders, gateway PayGateway, clock Timer, log *slog.Logger, fired func()) *OrderExpirer {
	if clock == nil {
		clock = SystemTimer{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &OrderExpirer{orders: orders, gateway: gateway, clock: clock, log: log, fired: fired, wake: NewWaker()}
}

// Wake says an order was placed, so the expirer reconsiders its sleep.
func (e *OrderExpirer) Wake() { e.wake.Wake() }

// RunOnce settles every order due now and returns when the next falls due.
func (e *OrderExpirer) RunOnce(ctx context.Context) (time.Time, error) {
	for {
		due, next, err := e.orders.store.DueOrders(ctx, e.clock.Now(), escalatorBatch)
		if err != nil {
			return time.Time{}, err
		}
		changed := false
		for _, o := range due {
			c, err := e.settle(ctx, o)
			if err != nil {
				retry := expiryRetry
				if _, mismatch := err.(*PayMismatch); mismatch {
					// People must look; asking again each minute would
					// only repeat the alarm.
					retry = mismatchRetry
				} else {
					e.log.Warn("orders: expiry check failed; will retry", "order", o.ID, "err", err)
				}
				if err := e.orders.store.PostponeExpiry(ctx, o.ID, e.clock.Now().Add(retry)); err != nil {
					return time.Time{}, err
				}
			}
			changed = changed || c
		}
		if changed && e.fired != nil {
			e.fired()
		}
		if len(due) < escalatorBatch {
			return next, nil
		}
	}
}

// settle asks WeChat Pay about one due order, then records it paid or
// closes it.
func (e *OrderExpirer) settle(ctx context.Context, o *Order) (bool, error) {
	var changed bool
	st, err := e.gateway.Query(ctx, o)
	if st.Paid {
		_, changed, err = e.orders.Paid(ctx, o.TradeNo, st.Payment)
	}
	if m, mismatch := err.(*PayMismatch); mismatch {
		e.log.Warn("orders: WeChat Pay reports a payment that does not match the order; nothing changed", "order", o.ID, "reason", m.Reason)
		if err := e.orders.Reject(ctx, o, m.Reason); err != nil {
			return false, err
		}
		return true, m
	}
	if st.Paid || err != nil {
		return changed, err
	}
	if err := e.gateway.Close(ctx, o); err != nil {
		return false, err
	}
	_, changed, err = e.orders.store.CloseOrder(ctx, o.ID)
	return changed, err
}

// Run settles orders as they fall due until ctx ends, then returns nil.
func (e *OrderExpirer) Run(ctx context.Context) error {
	return runDue(ctx, "orders", e.log, e.clock, e.wake, escalatorIdle, e.RunOnce)
}
