package store

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// eachMessageBatch is how many messages EachMessage reads in one read
// transaction before it hands them to its caller.
const eachMessageBatch = 1000

// EachMessage implements clienteling.ReportStore. Keys are a client's id
// then the time, so each client's messages come in time order. fn runs
// outside any transaction: it may read the store (a read transaction
// opened inside another can deadlock against a writer's remap), and a
// long report does not pin old pages while clients write.
func (db *DB) EachMessage(ctx context.Context, from, to time.Time, fn func(*clienteling.Message) error) error {
	var after []byte // the last key read
	for {
		var batch []*clienteling.Message
		end := true
		err := db.view(func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketMessages).Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); bytes.Equal(k, after) {
					k, v = c.Next()
				}
			}
			for read := 0; k != nil; k, v = c.Next() {
				if read == eachMessageBatch {
					end = false
					return nil
				}
				read++
				after = bytes.Clone(k)
				m, err := decodeMessage(k, v)
				if err != nil {
					return err
				}
				if !m.At.Before(from) && m.At.Before(to) {
					batch = append(batch, m)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, m := range batch {
			if err := fn(m); err != nil {
				return err
			}
		}
		if end {
			return ctx.Err()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
