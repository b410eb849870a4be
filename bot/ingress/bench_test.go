package ingress_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/store/storetest"
)

// BenchmarkIngressHTTP drives the real /wechat/oa handler over loopback HTTP
// with safe-mode (signed, AES-encrypted) text messages from 1 000 distinct
// clients, with fsync on and the outbox relay publishing to an embedded
// JetStream. It reports acknowledged messages per second and the p50/p99
// time to acknowledgement.
func BenchmarkIngressHTTP(b *testing.B) {
	for _, conc := range []int{1, 32} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			db := storetest.MustOpenDB(b)
			bus, err := natsbus.Open(ctx, natsbus.Config{StoreDir: b.TempDir(), Name: "bench"}, discard)
			if err != nil {
				b.Fatal(err)
			}
			defer bus.Close()
			relay := natsbus.NewRelay(db, bus.JS, discard)
			go relay.Run(ctx)
			srv, oa := newServer(b, db, relay.Wake)
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}

			// Build every callback before timing: WeChat does the sealing.
			cbs := make([]*wechattest.Callback, b.N)
			now := time.Now()
			for i := range cbs {
				msg := wechattest.TextMsg("gh_bench", fmt.Sprintf("oBENCH%04d", i%1000), "您好，请问这款包有黑色吗？", int64(i+1), now)
				cbs[i] = oa.Safe(msg.XML())
			}
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < conc; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= b.N {
							return
						}
						t0 := time.Now()
						resp, err := client.Do(cbs[i].Request(srv.URL + "/wechat/oa"))
						if err != nil {
							b.Error(err)
							return
						}
						resp.Body.Close()
						if resp.StatusCode != 200 {
							b.Errorf("status %d", resp.StatusCode)
							return
						}
						lat[i] = time.Since(t0)
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
			b.ReportMetric(float64(lat[b.N/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[b.N*99/100].Microseconds()), "p99-µs")
		})
	}
}
