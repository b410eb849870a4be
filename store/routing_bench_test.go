package store_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// BenchmarkReceiveRouted is a first message from a new client, routed in
// its receiving transaction (advisor lookup, the boutique's 30 associates
// and their loads, the conversation, its timer and notifications), with 16
// concurrent writers sharing commits: routing decisions per second as the
// store makes them, fsync included.
func BenchmarkReceiveRouted(b *testing.B) {
	db := clientelingtest.MustOpenDB(b)
	seedDesk(b, db, clienteling.StatusAway)
	var staff []*clienteling.Associate
	for i := 0; i < 27; i++ {
		staff = append(staff, &clienteling.Associate{UserID: clienteling.AssociateID(fmt.Sprintf("a%02d", i)), Name: "A", Boutique: "sh-plaza66", Role: "associate", Status: "active"})
	}
	if err := db.CreateAssociates(ctx, staff); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(8) // 16 writers on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			in := inbound("oa", fmt.Sprintf("oROUTE%08d", i), "", fmt.Sprintf("oa:r%d", i), "hello")
			r, err := db.Receive(ctx, in, clienteling.AnnounceReceived)
			if err != nil || r.Conversation == nil || r.Conversation.Assignee == "" {
				b.Fatalf("receive: %v %+v", err, r)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
