package clienteling

import "time"

// Order statuses.
const (
	OrderCreated   = "created"
	OrderPaid      = "paid"
	OrderCancelled = "cancelled" // closed unpaid at its expiry; its stock went back
	OrderRefunded  = "refunded"  // refunded in full
)

// OrderLine is one product of an order.
type OrderLine struct {
	SKU      SKU    `json:"sku" validate:"required,sku"`
	Size     string `json:"size,omitempty" validate:"max=20"`
	Quantity int    `json:"quantity" validate:"gte=1,lte=10"`
	Unit     Money  `json:"unit"`
}

// Order is a checkout, attributed to the associate whose card led to it.
type Order struct {
	ID       OrderID       `json:"id"`
	Customer CustomerID    `json:"customer"`
	Lines    []OrderLine   `json:"lines" validate:"required,min=1,max=20,dive"`
	Amount   Money         `json:"amount"`
	Status   string        `json:"status" validate:"oneof=created paid cancelled refunded"`
	Delivery OrderDelivery `json:"delivery"`
	// Fulfilment is the boutique whose stock the order holds: the
	// collection boutique, or the one white-glove delivery leaves from.
	Fulfilment BoutiqueID `json:"fulfilment,omitempty"`
	// ExpiresAt is when an unpaid order stops being payable (WeChat Pay's
	// time_expire) and its stock goes back.
	ExpiresAt     time.Time   `json:"expires_at,omitzero"`
	TransactionID string      `json:"transaction_id,omitempty"`
	ClosedAt      time.Time   `json:"closed_at,omitzero"`
	Refunds       []Refund    `json:"refunds,omitempty"`
	Associate     AssociateID `json:"associate,omitempty"`
	Boutique      BoutiqueID  `json:"boutique,omitempty"`
	Card          CardID      `json:"card,omitempty"`
	TradeNo       string      `json:"trade_no,omitempty"`
	CreatedAt     time.Time   `json:"created_at"`
	PaidAt        time.Time   `json:"paid_at,omitzero"`
}

// Delivery methods.
const (
	DeliveryCollect = "collect" // collection in a boutique
	DeliveryCourier = "deliver" // white-glove delivery to an address
)

// OrderDelivery is how the client receives an order: collected or delivered.
type OrderDelivery struct {
	Method   string     `json:"method" validate:"oneof=collect deliver"`
	Boutique BoutiqueID `json:"boutique,omitempty" validate:"required_if=Method collect,omitempty,slug"`
	Address  *Address   `json:"address,omitempty" validate:"required_if=Method deliver,omitempty"`
	// Slot is when the white-glove delivery is to arrive.
	Slot time.Time `json:"slot,omitzero" validate:"required_if=Method deliver"`
}

// Address is where a white-glove delivery goes. Personal data: the CRM team
// sees it masked.
type Address struct {
	Name       string `json:"name" validate:"required,max=100"`
	Phone      string `json:"phone" validate:"required,phone"`
	Province   string `json:"province" validate:"required,max=50"`
	City       string `json:"city" validate:"required,max=50"`
	District   string `json:"district,omitempty" validate:"max=50"`
	Line       string `json:"line" validate:"required,max=200"`
	PostalCode string `json:"postal_code,omitempty" validate:"omitempty,numeric,len=6"`
}

// Masked returns the address as the CRM team sees it: the city, not the
// person or the door.
func (a *Address) Masked() *Address {
	if a == nil {
		return nil
	}
	return &Address{Name: Mask(a.Name), Phone: Mask(a.Phone), Province: a.Province, City: a.City, Line: "***"}
}

// Refund statuses, as WeChat Pay reports them.
const (
	RefundProcessing = "processing"
	RefundSucceeded  = "succeeded"
	RefundClosed     = "closed"
	RefundAbnormal   = "abnormal"
)

// Refund is money given back on a paid order, in full or in part.
type Refund struct {
	// No is our refund number (WeChat Pay's out_refund_no): asking again
	// with the same number is the same refund.
	No        string      `json:"no"`
	Amount    Money       `json:"amount"`
	Reason    string      `json:"reason,omitempty" validate:"max=80"`
	Status    string      `json:"status"`
	By        string      `json:"by"`
	CreatedAt time.Time   `json:"created_at"`
	DoneAt    time.Time   `json:"done_at,omitzero"`
	RefundID  string      `json:"refund_id,omitempty"`
	Associate AssociateID `json:"-"`
}

// Refunded is the amount refunded or being refunded: every refund that was
// not closed.
func (o *Order) Refunded() int64 {
	var n int64
	for _, r := range o.Refunds {
		if r.Status != RefundClosed && r.Status != RefundAbnormal {
			n += r.Amount.Amount
		}
	}
	return n
}
