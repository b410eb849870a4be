package ingress_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/store"
)

// benchStack is the ingress path as it runs in Salon: a real database, an
// embedded JetStream, the outbox relay woken on commit, and the handler
// behind loopback HTTP.
type benchStack struct {
	db  *store.DB
	bus *natsbus.Bus
	srv *httptest.Server
	oa  *wechattest.OA
}

// newBenchStack builds one; seed, if set, runs on the database first.
func newBenchStack(b *testing.B, seed func(*store.DB)) *benchStack {
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	db := clientelingtest.MustOpenDB(b)
	if seed != nil {
		seed(db)
	}
	bus, err := natsbus.Open(ctx, natsbus.Config{StoreDir: b.TempDir(), Name: "bench"}, discard)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(bus.Close)
	relay := natsbus.NewRelay(db, bus.JS, discard)
	go relay.Run(ctx)
	srv, oa := newServer(b, db, relay.Wake)
	return &benchStack{db: db, bus: bus, srv: srv, oa: oa}
}

// BenchmarkIngressHTTP drives the real /wechat/oa handler over loopback HTTP
// with safe-mode (signed, AES-encrypted) text messages from 1 000 distinct
// clients, with fsync on and the outbox relay publishing to an embedded
// JetStream. It reports acknowledged messages per second and the p50/p99
// time to acknowledgement.
//
// The paced case offers 1 000 messages a second (one per millisecond) to 32
// connections, the load the p99 target is set at.
func BenchmarkIngressHTTP(b *testing.B) {
	for _, tc := range []struct {
		conc  int
		every time.Duration // 0: as fast as the server answers
	}{{1, 0}, {32, 0}, {32, time.Millisecond}} {
		conc := tc.conc
		name := fmt.Sprintf("concurrency=%d", conc)
		if tc.every > 0 {
			name += fmt.Sprintf("/rate=%d/s", time.Second/tc.every)
		}
		b.Run(name, func(b *testing.B) {
			stack := newBenchStack(b, nil)
			srv, oa := stack.srv, stack.oa
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
			var tick <-chan time.Time
			if tc.every > 0 {
				ticker := time.NewTicker(tc.every)
				defer ticker.Stop()
				paced := make(chan time.Time)
				go func() {
					for i := 0; i < b.N; i++ {
						paced <- <-ticker.C
					}
					close(paced)
				}()
				tick = paced
			}
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < conc; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						if tick != nil {
							if _, ok := <-tick; !ok {
								return
							}
						}
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
						// Read to EOF so the connection is reused, as WeChat's are.
						_, _ = io.Copy(io.Discard, resp.Body)
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
