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

var _ clienteling.OutboundStore = (*DB)(nil)

// States of an outbound queue entry. An entry leaves the queue when its
// message is sent or failed, so these two are all there is.
const (
	outboundQueued  = "queued"
	outboundSending = "sending"
)

// outboundRecord is one entry of the outbound queue. The message is found
// through the message index, which follows it when clients are merged.
type outboundRecord struct {
	V          int    `json:"v"`
	Message    string `json:"m"`
	Channel    string `json:"c"`
	ExternalID string `json:"e"`
	State      string `json:"s"`
}

// Enqueue implements clienteling.OutboundStore.
func (db *DB) Enqueue(ctx context.Context, m *clienteling.Message, to clienteling.Identity, check clienteling.WindowCheck) error {
	if m.ID == "" {
		m.ID = clienteling.MessageID(clienteling.NewID())
	}
	if m.At.IsZero() {
		m.At = db.now()
	}
	m.At = m.At.UTC()
	m.Direction, m.Status = clienteling.DirectionOut, clienteling.StatusQueued
	if err := clienteling.Validate(m); err != nil {
		return err
	}
	if err := clienteling.Validate(&to); err != nil {
		return err
	}
	return db.batch(ctx, "enqueue message", func(tx *bolt.Tx) error {
		// May run twice: everything below is computed afresh from tx.
		if tx.Bucket(bucketCustomers).Get([]byte(m.Customer)) == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "customer not found")
		}
		if check != nil {
			w, err := serviceWindow(tx, m.Customer, to.Channel, m.At)
			if err != nil {
				return err
			}
			if err := check(w, m.At); err != nil {
				return err
			}
		}
		if _, err := appendMessage(tx, m); err != nil {
			return err
		}
		q := tx.Bucket(bucketOutbound)
		seq, err := q.NextSequence()
		if err != nil {
			return err
		}
		return put(tx, bucketOutbound, u64(seq), &outboundRecord{V: 1, Message: string(m.ID),
			Channel: to.Channel, ExternalID: to.ExternalID, State: outboundQueued})
	})
}

// serviceWindow reads the client's history backwards from now to their
// last inbound message on channel, counting the outbound messages on it
// that were not failed. It stops at the window's horizon: older messages
// cannot open a window, so a client silent for years costs no long scan.
func serviceWindow(tx *bolt.Tx, customer clienteling.CustomerID, channel string, now time.Time) (clienteling.Window, error) {
	var w clienteling.Window
	prefix := []byte(customer)
	horizon := now.Add(-clienteling.ServiceWindow)
	c := tx.Bucket(bucketMessages).Cursor()
	for k, v := seekBefore(c, prefix, nil); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Prev() {
		at := time.Unix(0, int64(binary.BigEndian.Uint64(k[26:34])))
		if at.Before(horizon) {
			break
		}
		var r messageRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return w, err
		}
		if r.Channel != channel {
			continue
		}
		if r.Direction == clienteling.DirectionIn {
			w.LastInbound = at.UTC()
			break
		}
		if r.Status != clienteling.StatusFailed {
			w.Sent++
		}
	}
	return w, nil
}

// ClaimOutbound implements clienteling.OutboundStore. The sending mark is
// committed before the caller sends, which is what lets a restart tell "not
// yet sent" from "perhaps sent".
func (db *DB) ClaimOutbound(ctx context.Context) (*clienteling.OutboundTask, error) {
	var task *clienteling.OutboundTask
	err := db.batch(ctx, "claim outbound", func(tx *bolt.Tx) error {
		task = nil
		c := tx.Bucket(bucketOutbound).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r outboundRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.State != outboundQueued {
				continue
			}
			key := binary.BigEndian.Uint64(k)
			m, err := updateMessage(tx, clienteling.MessageID(r.Message), func(m *clienteling.Message) {
				m.Status = clienteling.StatusSending
			})
			if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
				// The client was erased after the reply was queued.
				if err := tx.Bucket(bucketOutbound).Delete(u64(key)); err != nil {
					return err
				}
				continue
			} else if err != nil {
				return err
			}
			r.State = outboundSending
			if err := put(tx, bucketOutbound, u64(key), &r); err != nil {
				return err
			}
			task = &clienteling.OutboundTask{Key: key, Message: m,
				To: clienteling.Identity{Channel: r.Channel, ExternalID: r.ExternalID}}
			return nil
		}
		return nil
	})
	return task, err
}

// MarkSent implements clienteling.OutboundStore.
func (db *DB) MarkSent(ctx context.Context, key uint64, wechatID string) error {
	return db.batch(ctx, "mark sent", func(tx *bolt.Tx) error {
		return db.finish(tx, key, func(m *clienteling.Message) {
			m.Status, m.WeChatID = clienteling.StatusSent, wechatID
		})
	})
}

// MarkFailed implements clienteling.OutboundStore.
func (db *DB) MarkFailed(ctx context.Context, key uint64, errcode int, reason string) error {
	return db.batch(ctx, "mark failed", func(tx *bolt.Tx) error {
		return db.finish(tx, key, failWith(errcode, reason))
	})
}

// ReconcileOutbound implements clienteling.OutboundStore. An entry found
// sending was claimed by a run that stopped before recording the outcome.
// It is failed, not sent again: WeChat's customer-service send takes no
// idempotency key, so a resend of a message that did arrive would show the
// client the same words twice, which a luxury house would rather not risk
// than ask the associate to resend by hand.
func (db *DB) ReconcileOutbound(ctx context.Context) (int, error) {
	var n int
	err := db.update("reconcile outbound", func(tx *bolt.Tx) error {
		n = 0
		var keys []uint64
		err := tx.Bucket(bucketOutbound).ForEach(func(k, v []byte) error {
			var r outboundRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.State == outboundSending {
				keys = append(keys, binary.BigEndian.Uint64(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, key := range keys {
			if err := db.finish(tx, key, failWith(0, clienteling.ReasonInterrupted)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func failWith(errcode int, reason string) func(*clienteling.Message) {
	return func(m *clienteling.Message) {
		m.Status, m.ErrorCode, m.ErrorReason = clienteling.StatusFailed, errcode, reason
	}
}

// finish applies the outcome to the entry's message, announces it and
// removes the entry, in tx. An entry already gone was finished before
// (a batch function running twice, or a retry): nothing to do.
func (db *DB) finish(tx *bolt.Tx, key uint64, outcome func(*clienteling.Message)) error {
	q := tx.Bucket(bucketOutbound)
	raw := q.Get(u64(key))
	if raw == nil {
		return nil
	}
	var r outboundRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return err
	}
	if err := q.Delete(u64(key)); err != nil {
		return err
	}
	m, err := updateMessage(tx, clienteling.MessageID(r.Message), outcome)
	if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
		return nil // erased meanwhile: nothing left to tell
	} else if err != nil {
		return err
	}
	return writeEvents(tx, clienteling.AnnounceDelivery(m), db.now().UTC())
}

// updateMessage applies fn to a stored message in place, keeping its key
// (and so its place in the history), and returns it. ENOTFOUND if absent.
func updateMessage(tx *bolt.Tx, id clienteling.MessageID, fn func(*clienteling.Message)) (*clienteling.Message, error) {
	key := tx.Bucket(bucketMessageIndex).Get([]byte(id))
	if key == nil {
		return nil, clienteling.Errorf(clienteling.ENOTFOUND, "message not found")
	}
	key = bytes.Clone(key)
	m, err := decodeMessage(key, tx.Bucket(bucketMessages).Get(key))
	if err != nil {
		return nil, err
	}
	fn(m)
	return m, put(tx, bucketMessages, key, messageToRecord(m))
}
