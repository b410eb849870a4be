package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

var (
	_ clienteling.NoteStore       = (*DB)(nil)
	_ clienteling.MessageSearcher = (*DB)(nil)
)

// noteRecord is a note as stored; the customer and time are in its key.
type noteRecord struct {
	V      int    `json:"v"`
	ID     string `json:"i"`
	Author string `json:"a"`
	Text   string `json:"x"`
}

// AddNote implements clienteling.NoteStore.
func (db *DB) AddNote(ctx context.Context, n *clienteling.Note) error {
	if n.ID == "" {
		n.ID = clienteling.NoteID(clienteling.NewID())
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = db.now()
	}
	n.CreatedAt = n.CreatedAt.UTC()
	if err := clienteling.Validate(n); err != nil {
		return err
	}
	return db.update("add note", func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCustomers).Get([]byte(n.Customer)) == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "customer not found")
		}
		notes := tx.Bucket(bucketNotes)
		seq, err := notes.NextSequence()
		if err != nil {
			return err
		}
		return put(tx, bucketNotes, noteKey(n.Customer, n.CreatedAt, seq),
			&noteRecord{V: 1, ID: string(n.ID), Author: string(n.Author), Text: n.Text})
	})
}

// Notes implements clienteling.NoteStore.
func (db *DB) Notes(ctx context.Context, customer clienteling.CustomerID) ([]*clienteling.Note, error) {
	if !clienteling.ValidID(string(customer)) {
		return nil, clienteling.Errorf(clienteling.ENOTFOUND, "customer not found")
	}
	prefix := []byte(customer)
	var out []*clienteling.Note
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketNotes).Cursor()
		for k, v := seekBefore(c, prefix, nil); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			var r noteRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, &clienteling.Note{ID: clienteling.NoteID(r.ID), Customer: customer,
				Author: clienteling.AssociateID(r.Author), Text: r.Text,
				CreatedAt: time.Unix(0, int64(binary.BigEndian.Uint64(k[26:34]))).UTC()})
		}
		return nil
	})
	return out, err
}

// deleteNotes removes every note on a customer (erasure).
func deleteNotes(tx *bolt.Tx, customer clienteling.CustomerID) error {
	prefix := []byte(customer)
	c := tx.Bucket(bucketNotes).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// SearchMessages implements clienteling.MessageSearcher by walking the
// history newest first: a client's history is at most some thousands of
// messages, and the walk is bounded by maxScan, so an index would cost more
// on every write than it saves here. The cursor is the key of the last
// message examined, in the same form as Messages' cursor.
func (db *DB) SearchMessages(ctx context.Context, customer clienteling.CustomerID, p clienteling.MessagePage, match func(*clienteling.Message) bool, maxScan int) ([]*clienteling.Message, string, error) {
	return db.walkHistory(ctx, customer, p, match, maxScan)
}
