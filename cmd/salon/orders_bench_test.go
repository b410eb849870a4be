package main

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechatpay"
	"github.com/salonhq/salon/clienteling"
)

// BenchmarkPayNotifyEndToEnd measures payment notifications taken through
// /pay/notify over real HTTP: signature verified, resource decrypted, the
// order checked and marked paid with its events and the client's message
// committed, one distinct order per notification, from concurrent senders.
// Compare it with bot/wechatpay's BenchmarkNotify (parse alone) in the
// same run:
//
//	go test -run '^$' -bench 'Notify' -benchtime 2000x ./bot/wechatpay ./cmd/salon
func BenchmarkPayNotifyEndToEnd(b *testing.B) {
	m := MustRunMain(b)
	ctx := context.Background()
	c, err := m.DB.FindCustomerByIdentity(ctx, clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: demoVVIP})
	if err != nil {
		b.Fatal(err)
	}
	p, err := m.DB.FindProduct(ctx, demoBag)
	if err != nil {
		b.Fatal(err)
	}
	p.Stock["sh-plaza66"] = b.N + 1
	if err := m.DB.PutProducts(ctx, []*clienteling.Product{p}); err != nil {
		b.Fatal(err)
	}
	creds, err := m.sandbox.fake.Pay.Credentials()
	if err != nil {
		b.Fatal(err)
	}
	type note struct {
		h    http.Header
		body []byte
	}
	notes := make([]note, b.N)
	now := time.Now()
	for i := range notes {
		o := &clienteling.Order{ID: clienteling.OrderID(clienteling.NewID()), Customer: c.ID, Status: clienteling.OrderCreated,
			Lines:  []clienteling.OrderLine{{SKU: demoBag, Quantity: 1, Unit: p.Price}},
			Amount: p.Price, Associate: "amy", Boutique: "sh-plaza66", Card: clienteling.CardID(clienteling.NewID()),
			Delivery:   clienteling.OrderDelivery{Method: clienteling.DeliveryCollect, Boutique: "sh-plaza66"},
			Fulfilment: "sh-plaza66", CreatedAt: now, ExpiresAt: now.Add(clienteling.OrderTTL)}
		o.TradeNo = string(o.ID)
		if _, _, err := m.DB.PlaceOrder(ctx, o); err != nil {
			b.Fatal(err)
		}
		t := wechatpay.Transaction{AppID: creds.AppID, MchID: creds.MchID, OutTradeNo: o.TradeNo, TransactionID: "42" + string(o.ID),
			TradeType: "JSAPI", TradeState: wechatpay.TradeSuccess, SuccessTime: wechatpay.FormatTime(now),
			Payer: wechatpay.Payer{OpenID: demoVVIP}, Amount: wechatpay.Amount{Total: p.Price.Amount, Currency: "CNY", PayerTotal: p.Price.Amount}}
		h, body, err := m.sandbox.fake.Pay.BuildNotification("EV-"+string(o.ID), wechatpay.EventTransactionSuccess, t, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		notes[i] = note{h, body}
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := notes[next.Add(1)-1]
			if status, answer := postNotifyB(b, m, n.h, n.body); status != http.StatusNoContent {
				b.Errorf("notification answered %d: %s", status, answer)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "notifications/s")
}
