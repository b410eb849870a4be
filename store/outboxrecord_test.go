package store_test

import (
	"encoding/binary"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// TestOutboxReadsJSONRecords: events left in the outbox by a release that
// wrote JSON records are relayed as they were, in order with new ones.
func TestOutboxReadsJSONRecords(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	const legacy = `{"v":1,"id":"01HZZLEGACYEVENT0000000001","subject":"salon.events.message.received","payload":{"v":1,"id":"01HZZLEGACYEVENT0000000001","type":"message.received"}}`
	err := db.Bolt().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("outbox"))
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		key := binary.BigEndian.AppendUint64(nil, seq)
		return b.Put(key, []byte(legacy))
	})
	if err != nil {
		t.Fatal(err)
	}
	receiveAll(t, db, 0, 1)
	pending, err := db.PendingEvents(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) < 2 {
		t.Fatalf("got %d events, want the legacy one and the new ones", len(pending))
	}
	old := pending[0]
	if old.ID != "01HZZLEGACYEVENT0000000001" || old.Subject != "salon.events.message.received" ||
		string(old.Payload) != `{"v":1,"id":"01HZZLEGACYEVENT0000000001","type":"message.received"}` {
		t.Fatalf("legacy event read as %+v (payload %s)", old, old.Payload)
	}
	if pending[1].Subject != "salon.events.message.received" || pending[1].Payload[0] != '{' {
		t.Fatalf("new event read as %+v (payload %s)", pending[1], pending[1].Payload)
	}
}
