package outbound_test

import (
	"context"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// BenchmarkSend measures delivered messages a second through the whole
// sender (claim, call, record) against the fake on loopback, with WeChat
// answering at once and after 50 ms. The per-API ceilings are lifted so
// that the pipeline, not the configured rate, is measured; with the default
// ceilings custom send stops at 100 a second.
func BenchmarkSend(b *testing.B) {
	for _, bc := range []struct {
		name        string
		latency     time.Duration
		concurrency int
	}{
		{"latency=0/concurrency=16", 0, 16},
		{"latency=50ms/concurrency=16", 50 * time.Millisecond, 16},
		{"latency=50ms/concurrency=64", 50 * time.Millisecond, 64},
	} {
		b.Run(bc.name, func(b *testing.B) {
			fake := wechattest.Start(b, wechattest.Options{})
			if bc.latency > 0 {
				fake.Always(outbound.CustomSendPath, wechattest.Fault{Delay: bc.latency})
			}
			db := clientelingtest.MustOpenDB(b)
			clients := make([]*clienteling.Customer, 256)
			for i := range clients {
				clients[i] = newClient(b, db, openid(i), "")
			}
			ids := make([]clienteling.MessageID, b.N)
			for i := range b.N {
				c := clients[i%len(clients)]
				m := &clienteling.Message{Customer: c.ID, Channel: "oa", Type: "text", Text: "bonjour", Author: "associate", At: time.Now()}
				if err := db.Enqueue(context.Background(), m, c.Identities[0], nil); err != nil {
					b.Fatal(err)
				}
				ids[i] = m.ID
			}
			s := outbound.New(db, apisFor(b, fake), outbound.Options{Concurrency: bc.concurrency,
				Limits: map[string]outbound.Limit{outbound.CustomSendPath: {Rate: 1e9, Burst: 1e6}}})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			b.ResetTimer()
			start := time.Now()
			go func() { defer close(done); s.Run(ctx) }()
			if _, err := fake.WaitCalls(context.Background(), outbound.CustomSendPath, b.N); err != nil {
				b.Fatal(err)
			}
			for _, id := range ids {
				if m := final(b, db, id); m.Status != clienteling.StatusSent {
					b.Fatalf("%s: %s", id, m.ErrorReason)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()
			cancel()
			<-done
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "sends/s")
		})
	}
}
