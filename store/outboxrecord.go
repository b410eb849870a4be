package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
)

// outboxRecord is an event as the relay will publish it.
type outboxRecord struct {
	V       int             `json:"v"`
	ID      string          `json:"id"`
	Subject string          `json:"subject"`
	Payload json.RawMessage `json:"payload"`
}

// Outbox records are written on every receipt and read by the relay right
// after, so they are binary rather than JSON, which would check and copy
// the payload (itself JSON) each way. Version 2, byte by byte:
//
//	[0]     2, the layout version
//	uvarint length of the event id, then the id
//	uvarint length of the subject, then the subject
//	the rest: the payload, as published
//
// Version 1 records are JSON objects, so their first byte is '{': both are
// read, and a record from before the upgrade is relayed as it was.
const outboxRecordV2 = 2

// encodeOutboxRecord returns r in the version 2 layout.
func encodeOutboxRecord(r *outboxRecord) []byte {
	b := make([]byte, 0, 1+2*binary.MaxVarintLen64+len(r.ID)+len(r.Subject)+len(r.Payload))
	b = append(b, outboxRecordV2)
	b = binary.AppendUvarint(b, uint64(len(r.ID)))
	b = append(b, r.ID...)
	b = binary.AppendUvarint(b, uint64(len(r.Subject)))
	b = append(b, r.Subject...)
	return append(b, r.Payload...)
}

var errOutboxRecord = errors.New("malformed outbox record")

// decodeOutboxRecord reads a record of either version. The payload points
// into v: copy it before the transaction ends.
func decodeOutboxRecord(v []byte) (outboxRecord, error) {
	var r outboxRecord
	switch {
	case len(v) == 0:
		return r, errOutboxRecord
	case v[0] == '{':
		err := json.Unmarshal(v, &r)
		return r, err
	case v[0] != outboxRecordV2:
		return r, fmt.Errorf("outbox record version %d is newer than this salon: upgrade salon", v[0])
	}
	rest := v[1:]
	id, rest, ok := cutLengthPrefixed(rest)
	if !ok {
		return r, errOutboxRecord
	}
	subject, rest, ok := cutLengthPrefixed(rest)
	if !ok {
		return r, errOutboxRecord
	}
	r.V, r.ID, r.Subject, r.Payload = outboxRecordV2, string(id), string(subject), rest
	return r, nil
}

// cutLengthPrefixed splits a uvarint-length-prefixed field off b.
func cutLengthPrefixed(b []byte) (field, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, false
	}
	return b[w : w+int(n)], b[w+int(n):], true
}
