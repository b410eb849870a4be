package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// orderFixture is a database with the staff, one product in stock and a
// clock; cards are seeded per client.
func orderFixture(t *testing.T, stock map[clienteling.BoutiqueID]int, sizes ...string) (*store.DB, *clienteling.Orders, *clientelingtest.Clock) {
	t.Helper()
	clock := clientelingtest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))
	db := clientelingtest.MustOpenDB(t, store.Options{Now: clock.Now})
	seedStaff(t, db)
	if err := db.PutProducts(ctx, []*clienteling.Product{{SKU: "ML-BAG-01", Title: clienteling.Localized{"en": "Céleste"},
		Price: clienteling.Money{Amount: 3250000, Currency: "CNY"}, Sizes: sizes, Stock: stock}}); err != nil {
		t.Fatal(err)
	}
	return db, clienteling.NewOrders(db, db, db, db, clock), clock
}

// cardFor seeds a card of the product from amy at sh-plaza66 to a new
// client.
func cardFor(t *testing.T, db *store.DB, clock *clientelingtest.Clock, openid string) *clienteling.Card {
	t.Helper()
	c := mustCreateCustomer(t, db, newCustomer(openid))
	card := &clienteling.Card{ID: clienteling.CardID(clienteling.NewID()), SKU: "ML-BAG-01", Customer: c.ID, Associate: "amy",
		Boutique: "sh-plaza66", Price: clienteling.Money{Amount: 3250000, Currency: "CNY"}, CreatedAt: clock.Now(),
		ExpiresAt: clock.Now().Add(7 * 24 * time.Hour)}
	if err := db.SeedCard(ctx, card); err != nil {
		t.Fatal(err)
	}
	return card
}

func collect(b clienteling.BoutiqueID) clienteling.OrderDelivery {
	return clienteling.OrderDelivery{Method: clienteling.DeliveryCollect, Boutique: b}
}

// Fifty clients press Pay at once for the last three pieces: three orders,
// forty-seven told it is gone, and the stock ends at zero, never below.
func TestLastPiecesConcurrentCheckouts(t *testing.T) {
	t.Parallel()
	db, orders, clock := orderFixture(t, map[clienteling.BoutiqueID]int{"sh-plaza66": 3})
	cards := make([]*clienteling.Card, 50)
	for i := range cards {
		cards[i] = cardFor(t, db, clock, fmt.Sprintf("oLAST%04d", i))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(cards))
	for i, card := range cards {
		wg.Go(func() {
			_, errs[i] = orders.Checkout(ctx, clienteling.CheckoutRequest{Card: card.ID, Customer: card.Customer, Delivery: collect("sh-plaza66")})
		})
	}
	wg.Wait()
	var ok int
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case clienteling.ErrorCode(err) != clienteling.ECONFLICT:
			t.Errorf("a checkout failed otherwise than out of stock: %v", err)
		}
	}
	if ok != 3 {
		t.Fatalf("%d orders, want 3", ok)
	}
	p, err := db.FindProduct(ctx, "ML-BAG-01")
	if err != nil {
		t.Fatal(err)
	}
	if p.Stock["sh-plaza66"] != 0 {
		t.Fatalf("stock %d, want 0", p.Stock["sh-plaza66"])
	}
	all, err := db.FindOrders(ctx, clienteling.OrderFilter{})
	if err != nil || len(all) != 3 {
		t.Fatalf("stored orders: %d %v", len(all), err)
	}
}

// A double click makes one order and holds one piece; the order takes the
// card's price and attribution whatever else changed since.
func TestCheckoutIsIdempotentAndFromTheCard(t *testing.T) {
	t.Parallel()
	db, orders, clock := orderFixture(t, map[clienteling.BoutiqueID]int{"sh-plaza66": 2}, "S", "M")
	card := cardFor(t, db, clock, "oDOUBLE")
	// The catalog price changes after the card was sent.
	p, _ := db.FindProduct(ctx, "ML-BAG-01")
	p.Price.Amount = 9999999
	if err := db.PutProducts(ctx, []*clienteling.Product{p}); err != nil {
		t.Fatal(err)
	}
	req := clienteling.CheckoutRequest{Card: card.ID, Customer: card.Customer, Size: "M", Delivery: collect("sh-plaza66")}
	var wg sync.WaitGroup
	got := make([]*clienteling.Order, 5)
	for i := range got {
		wg.Go(func() {
			var err error
			if got[i], err = orders.Checkout(ctx, req); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, o := range got[1:] {
		if o == nil || o.ID != got[0].ID {
			t.Fatalf("two orders for one card: %+v", got)
		}
	}
	o := got[0]
	if o.Amount.Amount != 3250000 || o.Lines[0].Unit.Amount != 3250000 || o.Lines[0].Size != "M" || o.Associate != "amy" || o.Boutique != "sh-plaza66" {
		t.Fatalf("order: %+v", o)
	}
	if p, _ := db.FindProduct(ctx, "ML-BAG-01"); p.Stock["sh-plaza66"] != 1 {
		t.Fatalf("stock %d, want 1", p.Stock["sh-plaza66"])
	}
}

// Bad checkouts answer a clear error naming the field and change nothing.
func TestCheckoutRefusesBadInput(t *testing.T) {
	t.Parallel()
	db, orders, clock := orderFixture(t, map[clienteling.BoutiqueID]int{"sh-plaza66": 1}, "S", "M")
	card := cardFor(t, db, clock, "oBAD")
	addr := &clienteling.Address{Name: "Li Siqi", Phone: "+8613800138000", Province: "上海", City: "上海", Line: "南京西路 1266 号"}
	for _, tc := range []struct {
		name  string
		req   clienteling.CheckoutRequest
		field string
	}{
		{"size not offered", clienteling.CheckoutRequest{Size: "XXL", Delivery: collect("sh-plaza66")}, "size"},
		{"no such boutique", clienteling.CheckoutRequest{Size: "S", Delivery: collect("nowhere")}, "delivery.boutique"},
		{"boutique without stock", clienteling.CheckoutRequest{Size: "S", Delivery: collect("bj-skp")}, "delivery.boutique"},
		{"slot in the past", clienteling.CheckoutRequest{Size: "S", Delivery: clienteling.OrderDelivery{Method: clienteling.DeliveryCourier,
			Address: addr, Slot: clock.Now().Add(-time.Hour)}}, "delivery.slot"},
		{"address without a phone", clienteling.CheckoutRequest{Size: "S", Delivery: clienteling.OrderDelivery{Method: clienteling.DeliveryCourier,
			Address: &clienteling.Address{Name: "Li", Province: "上海", City: "上海", Line: "x"}, Slot: clock.Now().Add(24 * time.Hour)}}, "delivery.address.phone"},
		{"unknown method", clienteling.CheckoutRequest{Size: "S", Delivery: clienteling.OrderDelivery{Method: "drone"}}, "delivery.method"},
	} {
		tc.req.Card, tc.req.Customer = card.ID, card.Customer
		_, err := orders.Checkout(ctx, tc.req)
		if clienteling.ErrorCode(err) != clienteling.EINVALID && clienteling.ErrorCode(err) != clienteling.ECONFLICT || clienteling.ErrorField(err) != tc.field {
			t.Errorf("%s: got %v (field %q), want field %q", tc.name, err, clienteling.ErrorField(err), tc.field)
		}
	}
	if all, _ := db.FindOrders(ctx, clienteling.OrderFilter{}); len(all) != 0 {
		t.Fatalf("orders made: %d", len(all))
	}
	// White-glove delivery with a valid address and a future slot goes
	// through, from the card's boutique.
	o, err := orders.Checkout(ctx, clienteling.CheckoutRequest{Card: card.ID, Customer: card.Customer, Size: "S",
		Delivery: clienteling.OrderDelivery{Method: clienteling.DeliveryCourier, Address: addr, Slot: clock.Now().Add(24 * time.Hour)}})
	if err != nil || o.Fulfilment != "sh-plaza66" {
		t.Fatalf("delivery: %v %+v", err, o)
	}
}

// The list follows the roles as clients do, and its filters: associate,
// boutique, status, and creation time.
func TestOrdersListByRoleAndFilters(t *testing.T) {
	t.Parallel()
	db, orders, clock := orderFixture(t, map[clienteling.BoutiqueID]int{"sh-plaza66": 5, "bj-skp": 5})
	amys := cardFor(t, db, clock, "oLIST1")
	first, err := orders.Checkout(ctx, clienteling.CheckoutRequest{Card: amys.ID, Customer: amys.Customer, Delivery: collect("sh-plaza66")})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	bens := cardFor(t, db, clock, "oLIST2")
	bens.ID, bens.Associate, bens.Boutique = clienteling.CardID(clienteling.NewID()), "ben", "bj-skp"
	if err := db.SeedCard(ctx, bens); err != nil {
		t.Fatal(err)
	}
	second, err := orders.Checkout(ctx, clienteling.CheckoutRequest{Card: bens.ID, Customer: bens.Customer, Delivery: collect("bj-skp")})
	if err != nil {
		t.Fatal(err)
	}
	as := func(p *clienteling.Principal) context.Context { return clienteling.WithPrincipal(ctx, p) }
	ids := func(os []*clienteling.Order) []clienteling.OrderID {
		var out []clienteling.OrderID
		for _, o := range os {
			out = append(out, o.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		who  *clienteling.Principal
		f    clienteling.OrderFilter
		want []clienteling.OrderID
	}{
		{"admin sees all, newest first", clientelingtest.AsAdmin, clienteling.OrderFilter{}, []clienteling.OrderID{second.ID, first.ID}},
		{"associate sees their own", clientelingtest.AsAssociate, clienteling.OrderFilter{}, []clienteling.OrderID{first.ID}},
		{"associate asking for another's", clientelingtest.AsAssociate, clienteling.OrderFilter{Associate: "ben"}, nil},
		{"manager sees their boutique's", clientelingtest.AsManager, clienteling.OrderFilter{}, []clienteling.OrderID{first.ID}},
		{"by boutique", clientelingtest.AsCRM, clienteling.OrderFilter{Boutique: "bj-skp"}, []clienteling.OrderID{second.ID}},
		{"by status", clientelingtest.AsCRM, clienteling.OrderFilter{Status: clienteling.OrderPaid}, nil},
		{"from", clientelingtest.AsCRM, clienteling.OrderFilter{From: clock.Now().Add(-time.Minute)}, []clienteling.OrderID{second.ID}},
		{"to", clientelingtest.AsCRM, clienteling.OrderFilter{To: clock.Now().Add(-time.Minute)}, []clienteling.OrderID{first.ID}},
	} {
		got, err := orders.List(as(tc.who), tc.f)
		if err != nil || !slices.Equal(ids(got), tc.want) {
			t.Errorf("%s: got %v %v, want %v", tc.name, ids(got), err, tc.want)
		}
	}
	if _, err := orders.List(as(clientelingtest.AsCRM), clienteling.OrderFilter{Status: "lost"}); clienteling.ErrorField(err) != "status" {
		t.Errorf("unknown status: %v", err)
	}
	if _, err := orders.Get(as(clientelingtest.AsAssociate), second.ID); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Errorf("an associate reads another's order: %v", err)
	}
}
