package store

import (
	"bytes"
	"testing"
)

// FuzzDecodeOutboxRecord: no bytes on disk make the decoder panic, and
// every record it writes reads back whole. The committed corpus is under
// testdata/fuzz/FuzzDecodeOutboxRecord/.
func FuzzDecodeOutboxRecord(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"e1","subject":"salon.events.message.received","payload":{"v":1}}`))
	f.Add(encodeOutboxRecord(&outboxRecord{ID: "01HZZEVENT", Subject: "salon.notify.associate.amy", Payload: []byte(`{"v":1}`)}))
	f.Add([]byte{outboxRecordV2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, v []byte) {
		r, err := decodeOutboxRecord(v)
		if err != nil {
			return
		}
		again, err := decodeOutboxRecord(encodeOutboxRecord(&r))
		if err != nil {
			t.Fatalf("re-encoded record unreadable: %v", err)
		}
		if again.ID != r.ID || again.Subject != r.Subject || !bytes.Equal(again.Payload, r.Payload) {
			t.Fatalf("round trip: %+v, want %+v", again, r)
		}
	})
}
