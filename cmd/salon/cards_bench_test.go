package main

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

// benchClientsMade numbers the benchmark's clients across its runs.
var benchClientsMade int

// benchClients creates n clients on the Official Account and 微信客服, each
// of whom wrote a minute ago, so that every send has its window.
func benchClients(b *testing.B, m *Main, n int) []string {
	b.Helper()
	ctx := clienteling.WithPrincipal(b.Context(), clienteling.System())
	ids := make([]string, n)
	for i := range n {
		benchClientsMade++
		k := benchClientsMade
		c := &clienteling.Customer{Language: "zh-CN", Identities: []clienteling.Identity{
			oaID(fmt.Sprintf("oBENCH%08d", k)), {Channel: clienteling.ChannelWeCom, ExternalID: fmt.Sprintf("wmBENCH%07d", k)}}}
		if err := m.Service.ImportCustomers(ctx, c); err != nil {
			b.Fatal(err)
		}
		for _, channel := range []string{clienteling.ChannelOA, clienteling.ChannelWeCom} {
			in := &clienteling.Message{Customer: c.ID, Direction: "in", Channel: channel, Type: "text", Text: "您好",
				Author: "client", Status: "received", At: time.Now().Add(-time.Minute), Account: testKfID}
			if channel == clienteling.ChannelOA {
				in.Account = ""
			}
			if _, err := m.DB.AppendMessage(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
		ids[i] = string(c.ID)
	}
	return ids
}

// BenchmarkCardToWeChat measures a card from the API call to its arrival
// at the fake WeChat, one at a time: what an advisor waits for. The text
// reply on the same path is the reference.
//
//	go test -run XXX -bench CardToWeChat -benchtime 200x ./cmd/salon/
func BenchmarkCardToWeChat(b *testing.B) {
	fake := wechattest.Start(b, wechattest.Options{})
	pictures, _ := pictureServer(b)
	m := MustRunMain(b, withOA(fake), withWeCom(fake))
	putCardProduct(b, m, pictures.URL+"/bag.png")
	for _, bc := range []struct{ name, body, path string }{
		{"TextOA", `{"type":"text","channel":"oa","text":"您好"}`, outbound.CustomSendPath},
		{"CardOA", `{"type":"card","channel":"oa","sku":"ML-BAG-07"}`, outbound.CustomSendPath},
		{"CardKf", `{"type":"card","channel":"wecom","sku":"ML-BAG-07"}`, outbound.KfSendPath},
	} {
		b.Run(bc.name, func(b *testing.B) {
			clients := benchClients(b, m, b.N)
			fake.ResetCalls()
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if got := call(b, m, "POST", "/api/v1/customers/"+clients[i]+"/messages", testAdminToken, bc.body, nil); got != http.StatusAccepted {
					b.Fatalf("send: %d", got)
				}
				if _, err := fake.WaitArrived(b.Context(), bc.path, i+1); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
		})
	}
}
