package store_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/store"
)

// BenchmarkEnqueue measures what one queued message costs: time and
// allocations to queue it (one durable commit each, shared by concurrent
// callers), and the bytes of database pages it occupies, in the history,
// the message index and the queue together. A queued message holds no
// memory in the sender: it waits on disk until claimed.
func BenchmarkEnqueue(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), store.FileName)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	c := &clienteling.Customer{Identities: []clienteling.Identity{{Channel: "oa", ExternalID: "oBENCH00001"}}}
	c.Normalize()
	if err := db.CreateCustomers(ctx, []*clienteling.Customer{c}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m := &clienteling.Message{Customer: c.ID, Channel: "oa", Type: "text", Text: "您好，黑色款今天到店了。",
			Author: "associate", At: time.Now()}
		if err := db.Enqueue(ctx, m, c.Identities[0], nil); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	raw, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	var inUse int
	err = raw.View(func(tx *bolt.Tx) error {
		for _, name := range []string{"messages", "idx_message", "outbound"} {
			st := tx.Bucket([]byte(name)).Stats()
			inUse += st.LeafInuse + st.BranchInuse
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(inUse)/float64(b.N), "db-B/msg")
}
