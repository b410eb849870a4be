package console_test

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkDeskFirstPage measures the desk's first page for a signed-in
// associate over real HTTP: server time per page, and bytes sent.
func BenchmarkDeskFirstPage(b *testing.B) {
	r := newRig(b)
	amy := r.signIn(b, "amy")
	var n int64
	for b.Loop() {
		resp, err := amy.Get(r.url + "/")
		if err != nil {
			b.Fatal(err)
		}
		n, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("desk: %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(n), "bytes/page")
}
