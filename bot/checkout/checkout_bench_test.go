package checkout_test

import (
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/checkout"
)

// BenchmarkCheckout renders a card's page over real HTTP from a real
// store, beside the static not-found page on the same path as a
// reference; it reports p50, p99 and the page's bytes.
func BenchmarkCheckout(b *testing.B) {
	f := newBenchFixture(b)
	token := f.card(b, f.client(b, "oCheckoutBench001", "zh-CN", "M"))
	for _, bc := range []struct{ name, path string }{{"Page", "/c/" + token}, {"NotFoundReference", "/c/unknown"}} {
		b.Run(bc.name, func(b *testing.B) {
			var times []time.Duration
			var size int
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, f.srv.URL+bc.path, nil)
				req.Header.Set("User-Agent", weChatUA)
				start := time.Now()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				times = append(times, time.Since(start))
				size = len(body)
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			b.ReportMetric(float64(times[len(times)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(size), "bytes")
		})
	}
}

func newBenchFixture(b *testing.B) *fixture {
	// A limit no benchmark reaches: the limiter is measured, not hit.
	return newFixture(b, checkout.Options{PerMinute: 1 << 30})
}
