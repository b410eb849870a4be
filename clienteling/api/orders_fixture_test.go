package api

import (
	"context"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/paygate"
	"github.com/salonhq/salon/bot/wechatpay"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// payKeyDir holds the simulated WeChat Pay keys every fixture shares:
// made once, since a fixture per subtest would otherwise spend seconds
// making RSA keys. TestMain removes it.
var payKeyDir = sync.OnceValues(func() (string, error) { return os.MkdirTemp("", "salon-api-pay-") })

func TestMain(m *testing.M) {
	code := m.Run()
	if dir, err := payKeyDir(); err == nil {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// fixtureOrders are the maison's orders: one per client, each from a card
// of their advisor, own's paid at the simulated WeChat Pay so that it can
// be refunded.
type fixtureOrders struct {
	own, sophies, bens clienteling.OrderID
	others             clienteling.OrderID // of the other maison's client
}

// seedOrders puts the orders in place and returns the order desk and the
// WeChat Pay gateway the API refunds through.
func seedOrders(t *testing.T, g *clientelingtest.Group) (*clienteling.Orders, clienteling.PayGateway, fixtureOrders) {
	t.Helper()
	ctx := clienteling.WithPrincipal(context.Background(), clienteling.System())
	m := g.Maison
	dir, err := payKeyDir()
	if err != nil {
		t.Fatal(err)
	}
	// The simulator and the client share the maison's clock, which stands
	// in the past: time_expire and signature times agree with it.
	sim := wechattest.Start(t, wechattest.Options{Clock: m.Clock.Now, PayV3KeyDir: dir})
	creds, err := sim.Pay.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	client, err := wechatpay.New(wechatpay.Config{BaseURL: sim.URL(), AppID: creds.AppID, MchID: creds.MchID,
		CertSerial: creds.MerchantSerial, PrivateKey: creds.MerchantKey, APIv3Key: []byte(creds.APIv3Key),
		PublicKeys: map[string]*rsa.PublicKey{creds.PublicKeyID: creds.PublicKey}, Clock: m.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(sink.Close)
	gateway := paygate.New(client, creds.AppID, creds.MchID, func() string { return sink.URL + "/pay/notify" })
	if err := m.Service.PutProducts(ctx, &clienteling.Product{SKU: "ML-BAG-01", Title: clienteling.Localized{"en": "Céleste"},
		Price: clienteling.Money{Amount: 3250000, Currency: "CNY"}, Stock: map[clienteling.BoutiqueID]int{"sh-plaza66": 5, "bj-skp": 5, clientelingtest.OtherBoutique: 5}}); err != nil {
		t.Fatal(err)
	}
	orders := clienteling.NewOrders(m.DB, m.DB, m.DB, m.DB, m.Clock)
	place := func(c *clienteling.Customer, d clienteling.OrderDelivery) *clienteling.Order {
		card := &clienteling.Card{ID: clienteling.CardID(clienteling.NewID()), SKU: "ML-BAG-01", Customer: c.ID, Associate: c.Advisor,
			Boutique: c.Boutique, Price: clienteling.Money{Amount: 3250000, Currency: "CNY"}, CreatedAt: m.Clock.Now(),
			ExpiresAt: m.Clock.Now().Add(7 * 24 * time.Hour)}
		if err := m.DB.SeedCard(ctx, card); err != nil {
			t.Fatal(err)
		}
		o, err := orders.Checkout(ctx, clienteling.CheckoutRequest{Card: card.ID, Customer: c.ID, Delivery: d})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	collect := func(c *clienteling.Customer) clienteling.OrderDelivery {
		return clienteling.OrderDelivery{Method: clienteling.DeliveryCollect, Boutique: c.Boutique}
	}
	own := place(m.Own, collect(m.Own))
	if _, err := gateway.Prepay(ctx, own, m.Own.Identities[0].ExternalID, "Céleste"); err != nil {
		t.Fatal(err)
	}
	if err := sim.Pay.CompletePayment(ctx, own.TradeNo); err != nil {
		t.Fatal(err)
	}
	st, err := gateway.Query(ctx, own)
	if err != nil || !st.Paid {
		t.Fatalf("query: %v %+v", err, st)
	}
	if _, _, err := orders.Paid(ctx, own.TradeNo, st.Payment); err != nil {
		t.Fatal(err)
	}
	return orders, gateway, fixtureOrders{own: own.ID, sophies: place(m.Sophies, collect(m.Sophies)).ID,
		others: place(g.Others, collect(g.Others)).ID,
		// Delivered to the client's own name and phone: the crm role must
		// see them masked (matrixFixture.noLeak).
		bens: place(m.Bens, clienteling.OrderDelivery{Method: clienteling.DeliveryCourier, Slot: m.Clock.Now().Add(48 * time.Hour),
			Address: &clienteling.Address{Name: m.Bens.Name, Phone: m.Bens.Phone, Province: "北京", City: "北京", Line: "朝阳区建国路 87 号"}}).ID}
}
