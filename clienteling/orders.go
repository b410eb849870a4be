package clienteling

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// OrderTTL is how long an order stays payable: WeChat Pay's time_expire.
// Its stock is held that long, then goes back.
const OrderTTL = 30 * time.Minute

// CardReader finds the cards clients pay from. Cards are recorded when an
// advisor sends one; orders only read them.
type CardReader interface {
	// Card returns the card or ENOTFOUND.
	Card(ctx context.Context, id CardID) (*Card, error)
}

// OrderFilter selects orders. Zero fields select everything.
type OrderFilter struct {
	Associate AssociateID
	Boutique  BoutiqueID
	Status    string
	From, To  time.Time // created at or after From, before To
	Limit     int
}

// Payment is WeChat Pay's word that an order was paid: what it says was
// paid, checked against the order before anything changes.
type Payment struct {
	TransactionID string
	Amount        Money
	At            time.Time
}

// OrderStore keeps orders and the stock they hold. Each method is one
// transaction: an order, its stock, its events and the message telling the
// client change together or not at all.
type OrderStore interface {
	// PlaceOrder stores o (status created) and takes one piece of each
	// line from o.Fulfilment's stock. If an unpaid or paid order of the
	// same card and client exists, it is returned instead and created is
	// false: a double click makes one order. ECONFLICT when the stock is
	// gone.
	PlaceOrder(ctx context.Context, o *Order) (stored *Order, created bool, err error)
	// FindOrder returns the order or ENOTFOUND.
	FindOrder(ctx context.Context, id OrderID) (*Order, error)
	// FindOrderByTradeNo returns the order of WeChat Pay's out_trade_no,
	// or ENOTFOUND.
	FindOrderByTradeNo(ctx context.Context, tradeNo string) (*Order, error)
	// FindOrders returns the orders f selects, newest first.
	FindOrders(ctx context.Context, f OrderFilter) ([]*Order, error)
	// MarkOrderPaid marks the order of tradeNo paid, keeps its stock sold,
	// announces order.paid to integrations and the advisor, and queues
	// text to the client, once: an order already paid is returned with
	// changed false. check sees the order first; its error changes
	// nothing and is returned.
	MarkOrderPaid(ctx context.Context, tradeNo string, p Payment, check func(*Order) error, text func(lang string, o *Order) string) (o *Order, changed bool, err error)
	// DueOrders returns up to limit unpaid orders whose expiry is at or
	// before now, and when the next one falls due (zero when none).
	DueOrders(ctx context.Context, now time.Time, limit int) ([]*Order, time.Time, error)
	// PostponeExpiry moves an unpaid order's expiry check to at: WeChat
	// Pay could not be asked.
	PostponeExpiry(ctx context.Context, id OrderID, at time.Time) error
	// CloseOrder cancels an unpaid order and puts its stock back; an order
	// no longer unpaid is returned unchanged with changed false.
	CloseOrder(ctx context.Context, id OrderID) (o *Order, changed bool, err error)
	// AddRefund records r on a paid order unless a refund of that number
	// exists, which is returned with created false. EINVALID when it
	// would refund more than was paid.
	AddRefund(ctx context.Context, id OrderID, r Refund) (o *Order, created bool, err error)
	// SettleRefund sets the status of refund no of tradeNo once it left
	// processing, announces it and queues text to the client on success;
	// changed is false when it already had that status.
	SettleRefund(ctx context.Context, tradeNo, no, status, refundID string, at time.Time, text func(lang string, o *Order, r Refund) string) (o *Order, changed bool, err error)
	// RejectPayment announces to the order's boutique managers that a
	// notification for it was refused, and nothing else.
	RejectPayment(ctx context.Context, o *Order, reason string) error
}

// PayState is what WeChat Pay says of an order when asked.
type PayState struct {
	Paid    bool
	Payment Payment
}

// PayGateway is the payment provider as orders need it: WeChat Pay.
type PayGateway interface {
	// Query asks whether the order was paid.
	Query(ctx context.Context, o *Order) (PayState, error)
	// Close makes the order unpayable.
	Close(ctx context.Context, o *Order) error
	// Refund asks for r on o; the answer's status is usually processing.
	Refund(ctx context.Context, o *Order, r Refund) (status, refundID string, err error)
}

// CheckoutRequest is what the checkout page sends when the client presses
// Pay. Only the size and the delivery come from the page: lines and amount
// are the card's.
type CheckoutRequest struct {
	Card     CardID        `json:"card"`
	Customer CustomerID    `json:"customer"`
	Size     string        `json:"size,omitempty" validate:"max=20"`
	Delivery OrderDelivery `json:"delivery"`
}

// Orders takes clients' orders, follows their payment, and shows them to
// staff.
type Orders struct {
	store    OrderStore
	cards    CardReader
	products ProductStore
	boutique BoutiqueStore
	clock    Clock
}

// NewOrders returns the order desk over its ports.
func NewOrders(store OrderStore, cards CardReader, products ProductStore, boutiques BoutiqueStore, clock Clock) *Orders {
	if clock == nil {
		clock = SystemClock{}
	}
	return &Orders{store: store, cards: cards, products: products, boutique: boutiques, clock: clock}
}

// Checkout creates the order of a card: the line and amount from the
// card's snapshot, the size checked against the product, the stock held
// in the fulfilling boutique, the sale attributed to the card's associate
// and boutique. The client is the card's; a second call returns the same
// order.
func (s *Orders) Checkout(ctx context.Context, req CheckoutRequest) (*Order, error) {
	if err := Validate(&req); err != nil {
		return nil, err
	}
	card, err := s.cards.Card(ctx, req.Card)
	if err != nil {
		return nil, err
	}
	if card.Customer != req.Customer {
		return nil, Errorf(ENOTFOUND, "card not found")
	}
	now := s.clock.Now().UTC()
	if !card.ExpiresAt.IsZero() && !now.Before(card.ExpiresAt) {
		return nil, Errorf(ECONFLICT, "the card has expired: ask the advisor for a new one")
	}
	p, err := s.products.FindProduct(ctx, card.SKU)
	if err != nil {
		return nil, err
	}
	if !p.IsActive() {
		return nil, Errorf(ECONFLICT, "the piece is no longer offered")
	}
	if len(p.Sizes) > 0 && !slices.Contains(p.Sizes, req.Size) {
		return nil, &Error{Code: EINVALID, Field: "size", Message: "choose one of the sizes offered"}
	}
	if len(p.Sizes) == 0 && req.Size != "" {
		return nil, &Error{Code: EINVALID, Field: "size", Message: "the piece comes in one size"}
	}
	from, err := s.fulfilment(ctx, p, card, req.Delivery, now)
	if err != nil {
		return nil, err
	}
	o := &Order{
		ID: OrderID(NewID()), Customer: card.Customer, Status: OrderCreated,
		Lines:     []OrderLine{{SKU: card.SKU, Size: req.Size, Quantity: 1, Unit: card.Price}},
		Amount:    card.Price,
		Associate: card.Associate, Boutique: card.Boutique, Card: card.ID,
		Delivery: req.Delivery, Fulfilment: from, CreatedAt: now, ExpiresAt: now.Add(OrderTTL),
	}
	o.TradeNo = string(o.ID)
	stored, _, err := s.store.PlaceOrder(ctx, o)
	return stored, err
}

// fulfilment checks the delivery and returns the boutique whose stock the
// order takes: the collection boutique, or for delivery the card's
// boutique when it has the piece, else the first that does.
func (s *Orders) fulfilment(ctx context.Context, p *Product, card *Card, d OrderDelivery, now time.Time) (BoutiqueID, error) {
	switch d.Method {
	case DeliveryCollect:
		if _, err := s.boutique.FindBoutique(ctx, d.Boutique); ErrorCode(err) == ENOTFOUND {
			return "", &Error{Code: EINVALID, Field: "delivery.boutique", Message: "no such boutique"}
		} else if err != nil {
			return "", err
		}
		if d.Address != nil || !d.Slot.IsZero() {
			return "", &Error{Code: EINVALID, Field: "delivery", Message: "a collection has no address or slot"}
		}
		if p.Stock[d.Boutique] < 1 {
			return "", &Error{Code: ECONFLICT, Field: "delivery.boutique", Message: "this boutique has none left: choose another, or delivery"}
		}
		return d.Boutique, nil
	case DeliveryCourier:
		if d.Boutique != "" {
			return "", &Error{Code: EINVALID, Field: "delivery.boutique", Message: "a delivery names no boutique"}
		}
		if !d.Slot.After(now) {
			return "", &Error{Code: EINVALID, Field: "delivery.slot", Message: "must be a time to come"}
		}
		if d.Slot.After(now.Add(60 * 24 * time.Hour)) {
			return "", &Error{Code: EINVALID, Field: "delivery.slot", Message: "must be within 60 days"}
		}
		if p.Stock[card.Boutique] > 0 {
			return card.Boutique, nil
		}
		ids := make([]BoutiqueID, 0, len(p.Stock))
		for id, n := range p.Stock {
			if n > 0 {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			return "", Errorf(ECONFLICT, "the piece is out of stock")
		}
		slices.Sort(ids)
		return ids[0], nil
	}
	return "", &Error{Code: EINVALID, Field: "delivery.method", Message: "must be collect or deliver"}
}

// canSeeOrder reports whether p may see o: an associate the orders
// attributed to them, a manager their boutique's, CRM and admins all.
func canSeeOrder(p *Principal, o *Order) bool {
	switch p.Role {
	case RoleAssociate:
		return o.Associate == AssociateID(p.Subject)
	case RoleManager:
		return o.Boutique == p.Boutique
	case RoleCRM, RoleAdmin:
		return true
	}
	return false
}

// visible returns whether the acting principal p may see an order, by
// role (canSeeOrder) and, for a brand-limited token, by the brand of the
// order's boutique: another maison's orders are as if they did not exist.
func (s *Orders) visible(ctx context.Context, p *Principal) (func(*Order) bool, error) {
	if p.Brand == "" {
		return func(o *Order) bool { return canSeeOrder(p, o) }, nil
	}
	bs, err := s.boutique.Boutiques(ctx)
	if err != nil {
		return nil, err
	}
	ours := map[BoutiqueID]bool{}
	for _, b := range bs {
		if b.Brand == p.Brand {
			ours[b.ID] = true
		}
	}
	return func(o *Order) bool { return ours[o.Boutique] && canSeeOrder(p, o) }, nil
}

// forViewer returns o as p may see it: the CRM team sees delivery
// addresses masked.
func forViewer(p *Principal, o *Order) *Order {
	if p.Role != RoleCRM || o.Delivery.Address == nil {
		return o
	}
	cp := *o
	cp.Delivery.Address = o.Delivery.Address.Masked()
	return &cp
}

// List returns the orders f selects that the acting principal may see,
// newest first: an associate their own, a manager their boutique's, the
// CRM team (addresses masked) and admins all.
func (s *Orders) List(ctx context.Context, f OrderFilter) ([]*Order, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	p := PrincipalFrom(ctx)
	switch p.Role {
	case RoleAssociate:
		if f.Associate != "" && f.Associate != AssociateID(p.Subject) {
			return []*Order{}, nil
		}
		f.Associate = AssociateID(p.Subject)
	case RoleManager:
		if f.Boutique != "" && f.Boutique != p.Boutique {
			return []*Order{}, nil
		}
		f.Boutique = p.Boutique
	}
	if f.Status != "" && !slices.Contains([]string{OrderCreated, OrderPaid, OrderCancelled, OrderRefunded}, f.Status) {
		return nil, &Error{Code: EINVALID, Field: "status", Message: "must be created, paid, cancelled or refunded"}
	}
	limit := f.Limit
	if p.Brand != "" {
		// Other maisons' orders are left out after the store's scan, so
		// the limit is applied to what remains.
		f.Limit = 0
	}
	os, err := s.store.FindOrders(ctx, f)
	if err != nil {
		return nil, err
	}
	sees, err := s.visible(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]*Order, 0, len(os))
	for _, o := range os {
		if sees(o) && (limit <= 0 || len(out) < limit) {
			out = append(out, forViewer(p, o))
		}
	}
	return out, nil
}

// Get returns one order the acting principal may see; ENOTFOUND otherwise.
func (s *Orders) Get(ctx context.Context, id OrderID) (*Order, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	o, err := s.store.FindOrder(ctx, id)
	if err != nil {
		return nil, err
	}
	p := PrincipalFrom(ctx)
	if sees, err := s.visible(ctx, p); err != nil {
		return nil, err
	} else if !sees(o) {
		return nil, Errorf(ENOTFOUND, "order not found")
	}
	return forViewer(p, o), nil
}

// RefundRequest is a manager's or admin's refund of a paid order. Without
// an amount it refunds what remains; without a number it is numbered from
// the order and the amount, so that a repeated request is the same refund.
type RefundRequest struct {
	OutRefundNo string `json:"out_refund_no,omitempty"`
	Amount      int64  `json:"amount,omitempty" validate:"gte=0"`
	Reason      string `json:"reason,omitempty" validate:"max=80"`
}

// refundNoPattern is WeChat Pay's out_refund_no: up to 64 of these.
var refundNoPattern = regexp.MustCompile(`^[A-Za-z0-9_\-|*@]{1,64}$`)

// Refund refunds a paid order in full or in part through gateway: a
// manager their boutique's orders, admins any. The refund is recorded
// before WeChat Pay is asked, by our number, so a repeat asks for the
// same refund and never a second one. Its status then follows WeChat
// Pay's refund notifications.
func (s *Orders) Refund(ctx context.Context, gateway PayGateway, id OrderID, req RefundRequest) (*Order, *Refund, error) {
	if err := require(ctx, RoleManager, RoleAdmin); err != nil {
		return nil, nil, err
	}
	if err := Validate(&req); err != nil {
		return nil, nil, err
	}
	if req.OutRefundNo != "" && !refundNoPattern.MatchString(req.OutRefundNo) {
		return nil, nil, &Error{Code: EINVALID, Field: "out_refund_no", Message: "must be 1 to 64 letters, digits or _-|*@"}
	}
	o, err := s.store.FindOrder(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	p := PrincipalFrom(ctx)
	if sees, err := s.visible(ctx, p); err != nil {
		return nil, nil, err
	} else if !sees(o) {
		return nil, nil, Errorf(ENOTFOUND, "order not found")
	}
	no := req.OutRefundNo
	if no == "" {
		// Derived from what was asked, so that asking again is the same
		// refund: two equal partial refunds need their own numbers.
		no = "R" + string(o.ID) + "-full"
		if req.Amount > 0 {
			no = "R" + string(o.ID) + "-" + strconv.FormatInt(req.Amount, 10)
		}
	}
	if i := slices.IndexFunc(o.Refunds, func(r Refund) bool { return r.No == no }); i >= 0 && o.Refunds[i].Status != RefundProcessing {
		r := o.Refunds[i]
		return o, &r, nil
	}
	if o.Status != OrderPaid && !slices.ContainsFunc(o.Refunds, func(r Refund) bool { return r.No == no }) {
		return nil, nil, Errorf(ECONFLICT, "only a paid order can be refunded; this one is %s", o.Status)
	}
	if gateway == nil {
		return nil, nil, Errorf(EUNAVAILABLE, "WeChat Pay is not configured")
	}
	amount := req.Amount
	if amount == 0 {
		amount = o.Amount.Amount - o.Refunded()
	}
	if i := slices.IndexFunc(o.Refunds, func(r Refund) bool { return r.No == no }); i >= 0 {
		amount = o.Refunds[i].Amount.Amount
	} else if amount <= 0 || amount > o.Amount.Amount-o.Refunded() {
		return nil, nil, &Error{Code: EINVALID, Field: "amount", Message: "must be more than 0 and at most what remains to refund (" +
			Money{Amount: o.Amount.Amount - o.Refunded(), Currency: o.Amount.Currency}.String() + ")"}
	}
	r := Refund{No: no, Amount: Money{Amount: amount, Currency: o.Amount.Currency}, Reason: req.Reason,
		Status: RefundProcessing, By: p.Subject, CreatedAt: s.clock.Now().UTC()}
	o, created, err := s.store.AddRefund(ctx, id, r)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(o.Refunds, func(x Refund) bool { return x.No == no })
	r = o.Refunds[i]
	if !created && r.Status != RefundProcessing {
		return o, &r, nil
	}
	status, refundID, err := gateway.Refund(ctx, o, r)
	if err != nil {
		return nil, nil, &Error{Code: EUNAVAILABLE, Message: "WeChat Pay did not take the refund; ask again with out_refund_no " + no, Err: err}
	}
	if status != RefundProcessing {
		if o, _, err = s.store.SettleRefund(ctx, o.TradeNo, no, status, refundID, s.clock.Now().UTC(), RefundText); err != nil {
			return nil, nil, err
		}
		i = slices.IndexFunc(o.Refunds, func(x Refund) bool { return x.No == no })
		r = o.Refunds[i]
	}
	return o, &r, nil
}
