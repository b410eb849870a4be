package clienteling

import "time"

// Order statuses.
const (
	OrderCreated   = "created"
	OrderPaid      = "paid"
	OrderCancelled = "cancelled"
	OrderRefunded  = "refunded"
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
	ID        OrderID     `json:"id"`
	Customer  CustomerID  `json:"customer"`
	Lines     []OrderLine `json:"lines" validate:"required,min=1,max=20,dive"`
	Amount    Money       `json:"amount"`
	Status    string      `json:"status" validate:"oneof=created paid cancelled refunded"`
	Associate AssociateID `json:"associate,omitempty"`
	Boutique  BoutiqueID  `json:"boutique,omitempty"`
	Card      CardID      `json:"card,omitempty"`
	TradeNo   string      `json:"trade_no,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
	PaidAt    time.Time   `json:"paid_at,omitzero"`
}
