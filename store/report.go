package store

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// EachMessage implements clienteling.ReportStore. Keys are a client's id
// then a sequence, so each client's messages come in the order they were
// recorded; the scan reads every message once, in one read transaction.
func (db *DB) EachMessage(ctx context.Context, from, to time.Time, fn func(*clienteling.Message) error) error {
	return db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMessages).ForEach(func(k, v []byte) error {
			m, err := decodeMessage(k, v)
			if err != nil {
				return err
			}
			if m.At.Before(from) || !m.At.Before(to) {
				return ctx.Err()
			}
			return fn(m)
		})
	})
}
