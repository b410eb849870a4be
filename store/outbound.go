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
	// Content is what to send; nil for a plain text, which is the
	// message's Text.
	Content *contentRecord `json:"x,omitempty"`
}

// contentRecord keeps a clienteling.Outgoing until it is delivered.
type contentRecord struct {
	Type         string                   `json:"t"`
	Text         string                   `json:"tx,omitempty"`
	MediaID      string                   `json:"mi,omitempty"`
	Title        string                   `json:"ti,omitempty"`
	Description  string                   `json:"de,omitempty"`
	URL          string                   `json:"u,omitempty"`
	PicURL       string                   `json:"pu,omitempty"`
	ThumbMediaID string                   `json:"th,omitempty"`
	AppID        string                   `json:"ap,omitempty"`
	PagePath     string                   `json:"pp,omitempty"`
	TemplateID   string                   `json:"tp,omitempty"`
	Data         map[string]templateValue `json:"d,omitempty"`
	WelcomeCode  string                   `json:"wc,omitempty"`
}

type templateValue struct {
	Value string `json:"v"`
	Color string `json:"c,omitempty"`
}

func contentToRecord(o *clienteling.Outgoing) *contentRecord {
	if o == nil {
		return nil
	}
	r := &contentRecord{Type: o.Type, Text: o.Text, MediaID: o.MediaID, Title: o.Title, Description: o.Description,
		URL: o.URL, PicURL: o.PicURL, ThumbMediaID: o.ThumbMediaID, AppID: o.AppID, PagePath: o.PagePath,
		TemplateID: o.TemplateID, WelcomeCode: o.WelcomeCode}
	if len(o.Data) > 0 {
		r.Data = make(map[string]templateValue, len(o.Data))
		for k, v := range o.Data {
			r.Data[k] = templateValue(v)
		}
	}
	return r
}

// domain returns the content of an entry whose message is m and channel
// channel; an entry queued without content sends m's text.
func (r *contentRecord) domain(m *clienteling.Message, channel string) *clienteling.Outgoing {
	if r == nil {
		return &clienteling.Outgoing{Type: clienteling.TypeText, Channel: channel, Text: m.Text}
	}
	o := &clienteling.Outgoing{Type: r.Type, Channel: channel, Text: r.Text, MediaID: r.MediaID, Title: r.Title,
		Description: r.Description, URL: r.URL, PicURL: r.PicURL, ThumbMediaID: r.ThumbMediaID, AppID: r.AppID,
		PagePath: r.PagePath, TemplateID: r.TemplateID, WelcomeCode: r.WelcomeCode}
	if len(r.Data) > 0 {
		o.Data = make(map[string]clienteling.TemplateValue, len(r.Data))
		for k, v := range r.Data {
			o.Data[k] = clienteling.TemplateValue(v)
		}
	}
	return o
}

// Enqueue implements clienteling.OutboundStore.
func (db *DB) Enqueue(ctx context.Context, m *clienteling.Message, to clienteling.Identity, check clienteling.WindowCheck) error {
	return db.EnqueueDelivery(ctx, m, clienteling.Delivery{To: to, Check: check})
}

// EnqueueDelivery implements clienteling.OutboundStore.
func (db *DB) EnqueueDelivery(ctx context.Context, m *clienteling.Message, d clienteling.Delivery) error {
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
	if err := clienteling.Validate(&d.To); err != nil {
		return err
	}
	if d.Content != nil {
		if err := d.Content.Check(); err != nil {
			return err
		}
	}
	given := m.Account
	return db.batch(ctx, "enqueue message", func(tx *bolt.Tx) error {
		// May run twice: everything below is computed afresh from tx.
		m.Account = given
		if tx.Bucket(bucketCustomers).Get([]byte(m.Customer)) == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "customer not found")
		}
		kf := d.To.Channel == clienteling.ChannelWeCom && m.Account == ""
		if d.Check != nil || kf {
			w, err := serviceWindow(tx, m.Customer, d.To.Channel, m.At)
			if err != nil {
				return err
			}
			if d.Check != nil {
				if err := d.Check(w, m.At); err != nil {
					return err
				}
			}
			if kf {
				// 微信客服 answers through the account the client wrote to.
				if w.Account == "" {
					return clienteling.Errorf(clienteling.ECONFLICT, "the client has not written through 微信客服 lately, so it cannot answer them")
				}
				m.Account = w.Account
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
		if err := put(tx, bucketOutbound, u64(seq), &outboundRecord{V: 1, Message: string(m.ID),
			Channel: d.To.Channel, ExternalID: d.To.ExternalID, State: outboundQueued, Content: contentToRecord(d.Content)}); err != nil {
			return err
		}
		if d.Card == nil {
			return nil
		}
		return putCard(tx, d.Card, db.now().UTC())
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
			w.LastInbound, w.Account = at.UTC(), r.Account
			break
		}
		if r.Status != clienteling.StatusFailed && r.Type != clienteling.TypeTemplate {
			w.Sent++
		}
	}
	return w, nil
}

// ClaimOutbound implements clienteling.OutboundStore. The sending mark is
// committed before the caller sends, which is what lets a restart tell "not
// yet sent" from "perhaps sent".
func (db *DB) ClaimOutbound(ctx context.Context) (*clienteling.OutboundTask, error) {
	tasks, err := db.ClaimOutboundBatch(ctx, 1)
	if err != nil || len(tasks) == 0 {
		return nil, err
	}
	return tasks[0], nil
}

// ClaimOutboundBatch implements clienteling.OutboundStore. It reads the
// queue from its oldest entry; a client met once, queued or sending, is
// busy for the rest of the scan, which is what keeps their messages in
// order while other clients' go out beside them.
func (db *DB) ClaimOutboundBatch(ctx context.Context, limit int) ([]*clienteling.OutboundTask, error) {
	if limit <= 0 {
		return nil, nil
	}
	var tasks []*clienteling.OutboundTask
	err := db.batch(ctx, "claim outbound", func(tx *bolt.Tx) error {
		tasks = tasks[:0]
		busy := map[string]bool{}
		var gone [][]byte
		c := tx.Bucket(bucketOutbound).Cursor()
		for k, v := c.First(); k != nil && len(tasks) < limit; k, v = c.Next() {
			var r outboundRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			mk := tx.Bucket(bucketMessageIndex).Get([]byte(r.Message))
			if mk == nil {
				// The client was erased after the message was queued.
				gone = append(gone, bytes.Clone(k))
				continue
			}
			// The message key starts with the client's id, which follows
			// merges of clients that the entry's own field would miss.
			customer := string(mk[:clienteling.IDLen])
			if busy[customer] {
				continue
			}
			busy[customer] = true
			if r.State != outboundQueued {
				continue
			}
			m, err := updateMessage(tx, clienteling.MessageID(r.Message), func(m *clienteling.Message) {
				m.Status = clienteling.StatusSending
			})
			if err != nil {
				return err
			}
			r.State = outboundSending
			// Writing the current key while iterating is safe in bbolt: the
			// cursor's position does not move.
			if err := put(tx, bucketOutbound, k, &r); err != nil {
				return err
			}
			tasks = append(tasks, &clienteling.OutboundTask{Key: binary.BigEndian.Uint64(k), Message: m,
				To:      clienteling.Identity{Channel: r.Channel, ExternalID: r.ExternalID},
				Content: r.Content.domain(m, r.Channel)})
		}
		for _, k := range gone {
			if err := tx.Bucket(bucketOutbound).Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tasks, nil
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
