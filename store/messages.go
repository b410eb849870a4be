package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// AppendMessage implements clienteling.MessageStore. Concurrent appends share
// one commit (group commit), so a burst of callbacks costs one fsync, not one each.
func (db *DB) AppendMessage(ctx context.Context, m *clienteling.Message) (bool, error) {
	if m.ID == "" {
		m.ID = clienteling.MessageID(clienteling.NewID())
	}
	if m.At.IsZero() {
		m.At = db.now()
	}
	m.At = m.At.UTC()
	if err := clienteling.Validate(m); err != nil {
		return false, err
	}
	id := m.ID
	var dup bool
	err := db.batch(ctx, "append message", func(tx *bolt.Tx) error {
		// Batch may run this twice: start from the same state each time.
		dup, m.ID = false, id
		var err error
		dup, err = appendMessage(tx, m)
		return err
	})
	return dup, err
}

// appendMessage writes m and its index and dedupe entries in tx. If the
// dedupe key is known, it writes nothing and points m.ID at the original.
func appendMessage(tx *bolt.Tx, m *clienteling.Message) (duplicate bool, err error) {
	dedupe := tx.Bucket(bucketDedupe)
	if m.DedupeKey != "" {
		if first := dedupe.Get([]byte(m.DedupeKey)); first != nil {
			m.ID = clienteling.MessageID(first)
			return true, nil
		}
	}
	if tx.Bucket(bucketCustomers).Get([]byte(m.Customer)) == nil {
		return false, clienteling.Errorf(clienteling.ENOTFOUND, "customer not found")
	}
	msgs := tx.Bucket(bucketMessages)
	seq, err := msgs.NextSequence()
	if err != nil {
		return false, err
	}
	key := messageKey(m.Customer, m.At, seq)
	if err := put(tx, bucketMessages, key, messageToRecord(m)); err != nil {
		return false, err
	}
	if err := tx.Bucket(bucketMessageIndex).Put([]byte(m.ID), key); err != nil {
		return false, err
	}
	if m.DedupeKey != "" {
		if err := dedupe.Put([]byte(m.DedupeKey), []byte(m.ID)); err != nil {
			return false, err
		}
	}
	if m.Direction == clienteling.DirectionOut && m.Author == clienteling.AuthorAssociate {
		return false, answerConversation(tx, m.Customer, m.Associate, m.At)
	}
	return false, nil
}

// decodeMessage turns a messages bucket entry back into a domain message.
func decodeMessage(k, v []byte) (*clienteling.Message, error) {
	var r messageRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, err
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(k[26:34]))).UTC()
	return r.domain(clienteling.CustomerID(k[:26]), at), nil
}

// Messages implements clienteling.MessageStore. The cursor is the key of
// the last message returned, so pages never overlap or skip even while new
// messages arrive.
func (db *DB) Messages(ctx context.Context, customer clienteling.CustomerID, p clienteling.MessagePage) ([]*clienteling.Message, string, error) {
	return db.walkHistory(ctx, customer, p, nil, 0)
}

// walkHistory pages through a client's history newest first from p's
// cursor, keeping the messages match accepts (all when nil) and stopping
// after maxScan examined (no bound when 0). The cursor is the key of the
// last message examined, so pages never overlap or skip even while new
// messages arrive.
func (db *DB) walkHistory(ctx context.Context, customer clienteling.CustomerID, p clienteling.MessagePage, match func(*clienteling.Message) bool, maxScan int) ([]*clienteling.Message, string, error) {
	if !clienteling.ValidID(string(customer)) {
		return nil, "", clienteling.Errorf(clienteling.ENOTFOUND, "customer not found")
	}
	prefix := []byte(customer)
	var before []byte
	if p.Before != "" {
		var err error
		before, err = base64.RawURLEncoding.DecodeString(p.Before)
		if err != nil || len(before) != messageKeyLen || !bytes.HasPrefix(before, prefix) {
			return nil, "", clienteling.FieldError("before", "malformed cursor")
		}
	}
	limit := p.Limit
	if limit <= 0 {
		limit = clienteling.DefaultPageSize
	}
	var out []*clienteling.Message
	var next string
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMessages).Cursor()
		scanned := 0
		var last []byte // the last key examined
		k, v := seekBefore(c, prefix, before)
		for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
			if len(out) == limit || (maxScan > 0 && scanned == maxScan) {
				// k is not examined yet: the next page starts with it.
				next = base64.RawURLEncoding.EncodeToString(last)
				return nil
			}
			scanned++
			last = k
			m, err := decodeMessage(k, v)
			if err != nil {
				return err
			}
			if match == nil || match(m) {
				out = append(out, m)
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, next, err
}

// seekBefore places c on the last key with prefix that sorts before before,
// or on the last key with prefix when before is nil.
func seekBefore(c *bolt.Cursor, prefix, before []byte) ([]byte, []byte) {
	if before == nil {
		// Above every key of this customer: message keys are fixed-width.
		before = append(bytes.Clone(prefix), bytes.Repeat([]byte{0xff}, messageKeyLen-len(prefix)+1)...)
	}
	if k, _ := c.Seek(before); k == nil {
		return c.Last()
	}
	return c.Prev()
}

// FindMessage implements clienteling.MessageStore.
func (db *DB) FindMessage(ctx context.Context, id clienteling.MessageID) (*clienteling.Message, error) {
	var m *clienteling.Message
	err := db.view(func(tx *bolt.Tx) error {
		key := tx.Bucket(bucketMessageIndex).Get([]byte(id))
		if key == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "message not found")
		}
		var err error
		m, err = decodeMessage(key, tx.Bucket(bucketMessages).Get(key))
		return err
	})
	return m, err
}

// deleteMessages removes every message of a customer and its index entry.
func deleteMessages(tx *bolt.Tx, customer clienteling.CustomerID) error {
	prefix := []byte(customer)
	c := tx.Bucket(bucketMessages).Cursor()
	idx := tx.Bucket(bucketMessageIndex)
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Seek(prefix) {
		var r messageRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if err := idx.Delete([]byte(r.ID)); err != nil {
			return err
		}
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// AppendMessages stores many messages in one transaction, for imports and
// seeding; deduplication works as in AppendMessage.
func (db *DB) AppendMessages(ctx context.Context, ms []*clienteling.Message) error {
	now := db.now()
	for _, m := range ms {
		if m.ID == "" {
			m.ID = clienteling.MessageID(clienteling.NewID())
		}
		if m.At.IsZero() {
			m.At = now
		}
		m.At = m.At.UTC()
		if err := clienteling.Validate(m); err != nil {
			return err
		}
	}
	return db.update("append messages", func(tx *bolt.Tx) error {
		for _, m := range ms {
			if _, err := appendMessage(tx, m); err != nil {
				return err
			}
		}
		return nil
	})
}
