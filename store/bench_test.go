package store_test

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// BenchmarkAppendMessage measures one durable append (fsync included): alone,
// and with 16 concurrent writers sharing commits through DB.Batch.
func BenchmarkAppendMessage(b *testing.B) {
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			db := clientelingtest.MustOpenDB(b)
			c := mustCreateCustomer(b, db, newCustomer("oBench"))
			b.SetParallelism(writers)
			if writers == 1 {
				b.SetParallelism(1)
			}
			b.ReportAllocs()
			b.ResetTimer()
			if writers == 1 {
				for i := 0; i < b.N; i++ {
					if _, err := db.AppendMessage(ctx, textMessage(c.ID, "您好，请问这款包有黑色吗？", time.Time{})); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			// RunParallel starts GOMAXPROCS*parallelism goroutines.
			b.SetParallelism(writers / max(1, runtimeProcs()))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := db.AppendMessage(ctx, textMessage(c.ID, "您好，请问这款包有黑色吗？", time.Time{})); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkHistoryPage reads the newest 50 messages of one client in a
// database of 1 000 000 messages over 10 000 clients, and reports the file
// bytes per stored message.
func BenchmarkHistoryPage(b *testing.B) {
	db := clientelingtest.MustOpenDB(b)
	const clients, perClient = 10000, 100
	ids := make([]clienteling.CustomerID, clients)
	var cs []*clienteling.Customer
	for i := range ids {
		c := newCustomer(fmt.Sprintf("oHist%06d", i))
		cs = append(cs, c)
	}
	if err := db.CreateCustomers(ctx, cs); err != nil {
		b.Fatal(err)
	}
	for i, c := range cs {
		ids[i] = c.ID
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for round := 0; round < perClient; round++ {
		batch := make([]*clienteling.Message, 0, clients)
		for i := range ids {
			batch = append(batch, textMessage(ids[i], "您好，请问这款包有黑色吗？Do you have it in black?", base.Add(time.Duration(round)*time.Minute)))
		}
		if err := db.AppendMessages(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		page, _, err := db.Messages(ctx, ids[i%clients], clienteling.MessagePage{Limit: 50})
		if err != nil || len(page) != 50 {
			b.Fatalf("page of %d: %v", len(page), err)
		}
	}
	b.StopTimer()
	// Reported after the loop: ResetTimer drops metrics reported before it.
	if fi, err := os.Stat(db.Path()); err == nil {
		b.ReportMetric(float64(fi.Size())/float64(clients*perClient), "file-bytes/msg")
	}
}

// BenchmarkFindCustomerByOpenID looks a client up by openid among 100 000.
func BenchmarkFindCustomerByOpenID(b *testing.B) {
	db := clientelingtest.MustOpenDB(b)
	const n = 100000
	var cs []*clienteling.Customer
	for i := 0; i < n; i++ {
		cs = append(cs, newCustomer(fmt.Sprintf("oLookup%06d", i)))
	}
	if err := db.CreateCustomers(ctx, cs); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id := clienteling.Identity{Channel: "oa", ExternalID: fmt.Sprintf("oLookup%06d", i%n)}
		if _, err := db.FindCustomerByIdentity(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}
