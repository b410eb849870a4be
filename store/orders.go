package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// Order buckets.
var (
	// bucketOrders: order id -> orderRecord. Ids sort by creation time.
	bucketOrders = []byte("orders")
	// bucketOrderTradeIndex: WeChat Pay out_trade_no -> order id.
	bucketOrderTradeIndex = []byte("idx_order_trade")
	// bucketOrderCardIndex: card id | 0x00 | customer id -> order id, for
	// the live (unpaid or paid) order of a card, so that a double click
	// finds the order the first click made.
	bucketOrderCardIndex = []byte("idx_order_card")
	// bucketOrderExpiry: due time (Unix nanoseconds, big-endian) | order
	// id -> empty. Unpaid orders, in expiry order, so that a restart
	// misses none.
	bucketOrderExpiry = []byte("order_expiry")
)

// orderRecord is an order as stored: the domain order and a layout version.
type orderRecord struct {
	V int `json:"v"`
	clienteling.Order
	// ExpiryCheck is when the order's expiry key is due: ExpiresAt, or
	// later when WeChat Pay could not be asked.
	ExpiryCheck time.Time `json:"expiry_check,omitzero"`
}

func expiryKey(at time.Time, id clienteling.OrderID) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(at.UnixNano()))
	return append(k, id...)
}

func findOrder(tx *bolt.Tx, id clienteling.OrderID) (*orderRecord, error) {
	var r orderRecord
	if err := get(tx, bucketOrders, []byte(id), &r, "order"); err != nil {
		return nil, err
	}
	return &r, nil
}

func findOrderByTradeNo(tx *bolt.Tx, tradeNo string) (*orderRecord, error) {
	id := tx.Bucket(bucketOrderTradeIndex).Get([]byte(tradeNo))
	if id == nil {
		return nil, clienteling.Errorf(clienteling.ENOTFOUND, "order not found")
	}
	return findOrder(tx, clienteling.OrderID(id))
}

func putOrder(tx *bolt.Tx, r *orderRecord) error {
	r.V = 1
	return put(tx, bucketOrders, []byte(r.ID), r)
}

// adjustStock adds delta pieces of sku to boutique's stock; ECONFLICT if
// that would leave fewer than none.
func adjustStock(tx *bolt.Tx, sku clienteling.SKU, boutique clienteling.BoutiqueID, delta int) error {
	var p productRecord
	if err := get(tx, bucketProducts, []byte(sku), &p, "product"); err != nil {
		return err
	}
	n := p.Stock[string(boutique)] + delta
	if n < 0 {
		return &clienteling.Error{Code: clienteling.ECONFLICT, Field: "delivery",
			Message: "the piece is no longer in stock there: choose another boutique, or delivery"}
	}
	if p.Stock == nil {
		p.Stock = map[string]int{}
	}
	p.Stock[string(boutique)] = n
	return put(tx, bucketProducts, []byte(sku), &p)
}

// orderEvent is the event of an order's step for subjects.
func orderEvent(o *clienteling.Order, typ string, kinds []clienteling.SubjectKind, refund *clienteling.Refund) []clienteling.Event {
	data := clienteling.OrderChanged{Order: o.ID, Customer: o.Customer, Associate: o.Associate, Boutique: o.Boutique,
		Status: o.Status, Amount: o.Amount.Amount, Currency: o.Amount.Currency}
	if refund != nil {
		data.Refund, data.RefundStatus, data.RefundAmount = refund.No, refund.Status, refund.Amount.Amount
	}
	var out []clienteling.Event
	for _, k := range kinds {
		var subject string
		switch k {
		case clienteling.ToIntegrations:
			subject = clienteling.EventSubject(typ)
		case clienteling.ToAssociate:
			if o.Associate == "" {
				continue
			}
			subject = clienteling.AssociateSubject(o.Associate)
		}
		out = append(out, clienteling.Event{Type: typ, Subject: subject, Data: data})
	}
	return out
}

// PlaceOrder implements clienteling.OrderStore.
func (db *DB) PlaceOrder(ctx context.Context, o *clienteling.Order) (*clienteling.Order, bool, error) {
	if err := clienteling.Validate(o); err != nil {
		return nil, false, err
	}
	var stored *clienteling.Order
	var created bool
	err := db.batch(ctx, "place order", func(tx *bolt.Tx) error {
		stored, created = nil, false
		cardKey := joinKey(string(o.Card), string(o.Customer))
		if id := tx.Bucket(bucketOrderCardIndex).Get(cardKey); id != nil {
			r, err := findOrder(tx, clienteling.OrderID(id))
			if err != nil {
				return err
			}
			stored = &r.Order
			return nil
		}
		for _, l := range o.Lines {
			if err := adjustStock(tx, l.SKU, o.Fulfilment, -l.Quantity); err != nil {
				return err
			}
		}
		r := &orderRecord{Order: *o, ExpiryCheck: o.ExpiresAt}
		if err := putOrder(tx, r); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOrderTradeIndex).Put([]byte(o.TradeNo), []byte(o.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOrderCardIndex).Put(cardKey, []byte(o.ID)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOrderExpiry).Put(expiryKey(r.ExpiryCheck, o.ID), nil); err != nil {
			return err
		}
		stored, created = &r.Order, true
		return writeEvents(tx, orderEvent(&r.Order, clienteling.EventOrderCreated, []clienteling.SubjectKind{clienteling.ToIntegrations}, nil), db.now())
	})
	if err != nil {
		return nil, false, err
	}
	cp := *stored
	return &cp, created, nil
}

// FindOrder implements clienteling.OrderStore.
func (db *DB) FindOrder(ctx context.Context, id clienteling.OrderID) (*clienteling.Order, error) {
	var r *orderRecord
	err := db.view(func(tx *bolt.Tx) (err error) { r, err = findOrder(tx, id); return err })
	if err != nil {
		return nil, err
	}
	return &r.Order, nil
}

// FindOrderByTradeNo implements clienteling.OrderStore.
func (db *DB) FindOrderByTradeNo(ctx context.Context, tradeNo string) (*clienteling.Order, error) {
	var r *orderRecord
	err := db.view(func(tx *bolt.Tx) (err error) { r, err = findOrderByTradeNo(tx, tradeNo); return err })
	if err != nil {
		return nil, err
	}
	return &r.Order, nil
}

// FindOrders implements clienteling.OrderStore. Orders are read newest
// first, by id, and the filters applied to each: a boutique's orders are
// thousands a year, which a scan reads in milliseconds.
func (db *DB) FindOrders(ctx context.Context, f clienteling.OrderFilter) ([]*clienteling.Order, error) {
	out := []*clienteling.Order{}
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOrders).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var r orderRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			o := r.Order
			switch {
			case f.Associate != "" && o.Associate != f.Associate,
				f.Boutique != "" && o.Boutique != f.Boutique,
				f.Status != "" && o.Status != f.Status,
				!f.From.IsZero() && o.CreatedAt.Before(f.From),
				!f.To.IsZero() && !o.CreatedAt.Before(f.To):
				continue
			}
			out = append(out, &o)
			if f.Limit > 0 && len(out) >= f.Limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// MarkOrderPaid implements clienteling.OrderStore.
func (db *DB) MarkOrderPaid(ctx context.Context, tradeNo string, p clienteling.Payment, check func(*clienteling.Order) error,
	text func(string, *clienteling.Order) string) (*clienteling.Order, bool, error) {
	var out *clienteling.Order
	var changed bool
	err := db.batch(ctx, "mark order paid", func(tx *bolt.Tx) error {
		out, changed = nil, false
		r, err := findOrderByTradeNo(tx, tradeNo)
		if err != nil {
			return err
		}
		if r.Status == clienteling.OrderPaid || r.Status == clienteling.OrderRefunded {
			out = &r.Order
			return nil
		}
		if err := check(&r.Order); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOrderExpiry).Delete(expiryKey(r.ExpiryCheck, r.ID)); err != nil {
			return err
		}
		r.Status, r.PaidAt, r.TransactionID, r.ExpiryCheck = clienteling.OrderPaid, p.At.UTC(), p.TransactionID, time.Time{}
		if err := putOrder(tx, r); err != nil {
			return err
		}
		if err := writeEvents(tx, orderEvent(&r.Order, clienteling.EventOrderPaid,
			[]clienteling.SubjectKind{clienteling.ToIntegrations, clienteling.ToAssociate}, nil), db.now()); err != nil {
			return err
		}
		if err := db.tellClient(tx, &r.Order, func(lang string) string { return text(lang, &r.Order) }); err != nil {
			return err
		}
		out, changed = &r.Order, true
		return nil
	})
	return out, changed, err
}

// tellClient queues a text to the order's client in tx, on the channel a
// payment reaches: their Official Account, where a payment opens the
// service window, else 微信客服 if they wrote through it. A client with
// neither is not told.
func (db *DB) tellClient(tx *bolt.Tx, o *clienteling.Order, text func(lang string) string) error {
	c, err := findCustomer(tx, []byte(o.Customer))
	if err != nil {
		if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
			return nil
		}
		return err
	}
	var to *clienteling.Identity
	for _, ch := range []string{clienteling.ChannelOA, clienteling.ChannelWeCom} {
		if i := slices.IndexFunc(c.Identities, func(id clienteling.Identity) bool { return id.Channel == ch }); i >= 0 {
			to = &c.Identities[i]
			break
		}
	}
	if to == nil {
		return nil
	}
	m := &clienteling.Message{ID: clienteling.MessageID(clienteling.NewID()), Customer: c.ID, Channel: to.Channel,
		Type: clienteling.TypeText, Text: text(c.Language), At: db.now().UTC(), Author: clienteling.AuthorBot,
		Direction: clienteling.DirectionOut, Status: clienteling.StatusQueued}
	if err := clienteling.Validate(m); err != nil {
		return err
	}
	if to.Channel == clienteling.ChannelWeCom {
		w, err := serviceWindow(tx, c.ID, to.Channel, m.At)
		if err != nil {
			return err
		}
		if w.Account == "" {
			return nil
		}
		m.Account = w.Account
	}
	if _, err := appendMessage(tx, m); err != nil {
		return err
	}
	seq, err := tx.Bucket(bucketOutbound).NextSequence()
	if err != nil {
		return err
	}
	return put(tx, bucketOutbound, u64(seq), &outboundRecord{V: 1, Message: string(m.ID),
		Channel: to.Channel, ExternalID: to.ExternalID, State: outboundQueued})
}

// DueOrders implements clienteling.OrderStore.
func (db *DB) DueOrders(ctx context.Context, now time.Time, limit int) ([]*clienteling.Order, time.Time, error) {
	var out []*clienteling.Order
	var next time.Time
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOrderExpiry).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			at := time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC()
			if at.After(now) || len(out) >= limit {
				next = at
				break
			}
			r, err := findOrder(tx, clienteling.OrderID(k[8:]))
			if err != nil {
				return err
			}
			out = append(out, &r.Order)
		}
		return nil
	})
	return out, next, err
}

// PostponeExpiry implements clienteling.OrderStore.
func (db *DB) PostponeExpiry(ctx context.Context, id clienteling.OrderID, at time.Time) error {
	return db.batch(ctx, "postpone order expiry", func(tx *bolt.Tx) error {
		r, err := findOrder(tx, id)
		if err != nil || r.Status != clienteling.OrderCreated {
			return err
		}
		b := tx.Bucket(bucketOrderExpiry)
		if err := b.Delete(expiryKey(r.ExpiryCheck, id)); err != nil {
			return err
		}
		r.ExpiryCheck = at.UTC()
		if err := b.Put(expiryKey(r.ExpiryCheck, id), nil); err != nil {
			return err
		}
		return putOrder(tx, r)
	})
}

// CloseOrder implements clienteling.OrderStore.
func (db *DB) CloseOrder(ctx context.Context, id clienteling.OrderID) (*clienteling.Order, bool, error) {
	var out *clienteling.Order
	var changed bool
	err := db.batch(ctx, "close order", func(tx *bolt.Tx) error {
		out, changed = nil, false
		r, err := findOrder(tx, id)
		if err != nil {
			return err
		}
		if r.Status != clienteling.OrderCreated {
			out = &r.Order
			return nil
		}
		for _, l := range r.Lines {
			if err := adjustStock(tx, l.SKU, r.Fulfilment, l.Quantity); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketOrderExpiry).Delete(expiryKey(r.ExpiryCheck, r.ID)); err != nil {
			return err
		}
		cardKey := joinKey(string(r.Card), string(r.Customer))
		if bytes.Equal(tx.Bucket(bucketOrderCardIndex).Get(cardKey), []byte(r.ID)) {
			if err := tx.Bucket(bucketOrderCardIndex).Delete(cardKey); err != nil {
				return err
			}
		}
		r.Status, r.ClosedAt, r.ExpiryCheck = clienteling.OrderCancelled, db.now().UTC(), time.Time{}
		if err := putOrder(tx, r); err != nil {
			return err
		}
		out, changed = &r.Order, true
		return writeEvents(tx, orderEvent(&r.Order, clienteling.EventOrderCancelled, []clienteling.SubjectKind{clienteling.ToIntegrations}, nil), db.now())
	})
	return out, changed, err
}

// AddRefund implements clienteling.OrderStore.
func (db *DB) AddRefund(ctx context.Context, id clienteling.OrderID, ref clienteling.Refund) (*clienteling.Order, bool, error) {
	var out *clienteling.Order
	var created bool
	err := db.batch(ctx, "add refund", func(tx *bolt.Tx) error {
		out, created = nil, false
		r, err := findOrder(tx, id)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(r.Refunds, func(x clienteling.Refund) bool { return x.No == ref.No }) {
			out = &r.Order
			return nil
		}
		if r.Status != clienteling.OrderPaid {
			return clienteling.Errorf(clienteling.ECONFLICT, "only a paid order can be refunded; this one is %s", r.Status)
		}
		if ref.Amount.Amount <= 0 || ref.Amount.Amount > r.Amount.Amount-r.Refunded() {
			return &clienteling.Error{Code: clienteling.EINVALID, Field: "amount", Message: "must be more than 0 and at most what remains to refund"}
		}
		r.Refunds = append(r.Refunds, ref)
		if err := putOrder(tx, r); err != nil {
			return err
		}
		out, created = &r.Order, true
		return writeEvents(tx, orderEvent(&r.Order, clienteling.EventOrderRefund,
			[]clienteling.SubjectKind{clienteling.ToIntegrations, clienteling.ToAssociate}, &ref), db.now())
	})
	return out, created, err
}

// SettleRefund implements clienteling.OrderStore.
func (db *DB) SettleRefund(ctx context.Context, tradeNo, no, status, refundID string, at time.Time,
	text func(string, *clienteling.Order, clienteling.Refund) string) (*clienteling.Order, bool, error) {
	var out *clienteling.Order
	var changed bool
	err := db.batch(ctx, "settle refund", func(tx *bolt.Tx) error {
		out, changed = nil, false
		r, err := findOrderByTradeNo(tx, tradeNo)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(r.Refunds, func(x clienteling.Refund) bool { return x.No == no })
		if i < 0 {
			return clienteling.Errorf(clienteling.ENOTFOUND, "refund not found")
		}
		ref := &r.Refunds[i]
		if ref.Status != clienteling.RefundProcessing || status == clienteling.RefundProcessing {
			out = &r.Order
			return nil
		}
		ref.Status, ref.DoneAt = status, at.UTC()
		if refundID != "" {
			ref.RefundID = refundID
		}
		var refunded int64
		for _, x := range r.Refunds {
			if x.Status == clienteling.RefundSucceeded {
				refunded += x.Amount.Amount
			}
		}
		if refunded >= r.Amount.Amount {
			r.Status = clienteling.OrderRefunded
		}
		settled := *ref
		if err := putOrder(tx, r); err != nil {
			return err
		}
		if err := writeEvents(tx, orderEvent(&r.Order, clienteling.EventOrderRefund,
			[]clienteling.SubjectKind{clienteling.ToIntegrations, clienteling.ToAssociate}, &settled), db.now()); err != nil {
			return err
		}
		if status == clienteling.RefundSucceeded {
			if err := db.tellClient(tx, &r.Order, func(lang string) string { return text(lang, &r.Order, settled) }); err != nil {
				return err
			}
		}
		out, changed = &r.Order, true
		return nil
	})
	return out, changed, err
}

// RejectPayment implements clienteling.OrderStore.
func (db *DB) RejectPayment(ctx context.Context, o *clienteling.Order, reason string) error {
	if o.Boutique == "" {
		return nil
	}
	return db.batch(ctx, "reject payment", func(tx *bolt.Tx) error {
		return writeEvents(tx, []clienteling.Event{{Type: clienteling.EventPayRejected, Subject: clienteling.BoutiqueSubject(o.Boutique),
			Data: clienteling.PayRejected{Order: o.ID, Reason: reason}}}, db.now())
	})
}

// wantOrderIndexes adds to want the order indexes the orders imply: every
// order under its trade number, live orders under their card and client,
// unpaid ones under their expiry check.
func wantOrderIndexes(tx *bolt.Tx, want map[string]map[string]string) error {
	trade, card, expiry := map[string]string{}, map[string]string{}, map[string]string{}
	want[string(bucketOrderTradeIndex)], want[string(bucketOrderCardIndex)], want[string(bucketOrderExpiry)] = trade, card, expiry
	return tx.Bucket(bucketOrders).ForEach(func(k, v []byte) error {
		var r orderRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		trade[r.TradeNo] = string(k)
		if r.Status != clienteling.OrderCancelled {
			card[string(joinKey(string(r.Card), string(r.Customer)))] = string(k)
		}
		if r.Status == clienteling.OrderCreated {
			expiry[string(expiryKey(r.ExpiryCheck, r.ID))] = ""
		}
		return nil
	})
}
