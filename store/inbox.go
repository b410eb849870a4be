package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// Receive implements clienteling.InboxStore. It shares commits with
// concurrent callers, so a burst of callbacks costs one fsync per round.
func (db *DB) Receive(ctx context.Context, in *clienteling.Inbound, announce clienteling.Announcer) (*clienteling.Receipt, error) {
	if in.DedupeKey == "" {
		return nil, clienteling.FieldError("dedupe_key", "is required")
	}
	if err := clienteling.Validate(&in.Identity); err != nil {
		return nil, err
	}
	now := db.now().UTC()
	newCustomerID := clienteling.CustomerID(clienteling.NewID())
	// The message is built and checked before the transaction, whose
	// functions run one after another while every caller waits: the
	// validator is the costliest step of a receipt and needs nothing the
	// transaction holds. Its verdict still comes after the dedupe check.
	msg := receivedMessage(in, clienteling.MessageID(clienteling.NewID()), newCustomerID, now)
	invalid := clienteling.Validate(&msg)
	var receipt *clienteling.Receipt
	err := db.batch(ctx, "receive", func(tx *bolt.Tx) error {
		// May run twice: build everything afresh from the same inputs.
		var err error
		receipt, err = db.receive(tx, in, msg, invalid, newCustomerID, now, announce)
		return err
	})
	return receipt, err
}

// receivedMessage is in's message as stored, from a new client newID until
// the transaction knows who sent it.
func receivedMessage(in *clienteling.Inbound, id clienteling.MessageID, newID clienteling.CustomerID, now time.Time) clienteling.Message {
	m := in.Message
	m.ID, m.Customer, m.DedupeKey = id, newID, in.DedupeKey
	m.Direction, m.Author, m.Status = clienteling.DirectionIn, clienteling.AuthorClient, clienteling.StatusReceived
	if m.Channel == "" {
		m.Channel = in.Identity.Channel
	}
	m.OrderReceived(now)
	return m
}

// receive does Receive's work inside tx: msg is the message received
// (see receivedMessage), invalid what the validator said of it.
func (db *DB) receive(tx *bolt.Tx, in *clienteling.Inbound, msg clienteling.Message, invalid error, newID clienteling.CustomerID, now time.Time, announce clienteling.Announcer) (*clienteling.Receipt, error) {
	r := &clienteling.Receipt{}
	first := tx.Bucket(bucketDedupe).Get([]byte(in.DedupeKey))
	if first == nil && in.LegacyDedupeKey != "" {
		first = legacyDuplicate(tx, in)
	}
	if first != nil {
		key := tx.Bucket(bucketMessageIndex).Get(first)
		if key == nil {
			// The client was erased since: the delivery is still a duplicate.
			return &clienteling.Receipt{Duplicate: true}, nil
		}
		m, err := decodeMessage(key, tx.Bucket(bucketMessages).Get(key))
		if err != nil {
			return nil, err
		}
		c, err := findCustomer(tx, []byte(m.Customer))
		if err != nil {
			return nil, err
		}
		return &clienteling.Receipt{Customer: c, Message: m, Duplicate: true}, nil
	}
	if invalid != nil {
		return nil, invalid
	}
	c, err := customerOf(tx, in, newID, now)
	if err != nil {
		return nil, err
	}
	r.Customer, r.NewCustomer = c, c.ID == newID
	if r.NewCustomer {
		if err := tx.Bucket(bucketProfilePending).Put([]byte(c.ID), identityKey(in.Identity)); err != nil {
			return nil, err
		}
	}
	if in.Link != nil {
		if c, err = db.applyLink(tx, c, in.Link, now); err != nil {
			return nil, err
		}
		r.Customer = c
	}
	m := msg
	m.Customer = c.ID
	if _, err := appendMessage(tx, &m); err != nil {
		return nil, err
	}
	r.Message = &m
	if m.Type != clienteling.TypeEvent {
		var events []clienteling.Event
		if r.Customer, r.Conversation, events, err = db.converse(tx, r.Customer, now); err != nil {
			return nil, err
		}
		if err := writeEvents(tx, events, now); err != nil {
			return nil, err
		}
	}
	if announce != nil {
		if err := writeEvents(tx, announce(r), now); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// legacyDuplicate returns the message id stored under in's legacy dedupe
// key if that delivery was from the same client, or from a client erased
// since (whose redelivery must recreate nothing); nil otherwise.
//
// Keys are checked in both forms rather than rewritten by a migration:
// only the bot knows how its keys are built, and a key of an erased client
// names no one left to rewrite it for. The check costs one read per new
// message and matches only deliveries from before the upgrade.
func legacyDuplicate(tx *bolt.Tx, in *clienteling.Inbound) []byte {
	first := tx.Bucket(bucketDedupe).Get([]byte(in.LegacyDedupeKey))
	if first == nil {
		return nil
	}
	key := tx.Bucket(bucketMessageIndex).Get(first)
	if key == nil {
		return first
	}
	sender := tx.Bucket(bucketIdentityIndex).Get(identityKey(in.Identity))
	if sender == nil || !bytes.Equal(sender, key[:clienteling.IDLen]) {
		return nil
	}
	return first
}

// applyLink runs the domain's linking rules on c in tx and writes what they
// decide: the advisor change and its events.
func (db *DB) applyLink(tx *bolt.Tx, c *clienteling.Customer, l *clienteling.Link, now time.Time) (*clienteling.Customer, error) {
	var a *clienteling.Associate
	var rec associateRecord
	if err := get(tx, bucketAssociates, []byte(l.Associate), &rec, "associate"); err == nil {
		a = rec.domain(string(l.Associate))
	} else if clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		return nil, err
	}
	decideOn := c
	if c.Boutique == "" {
		// A new client scanning an unknown code is still reported to a
		// boutique's managers: the one new clients go to.
		cp := *c
		cp.Boutique = db.fallbackBoutique(tx)
		decideOn = &cp
	}
	out := clienteling.DecideLink(decideOn, l, a)
	var err error
	switch {
	case out.SetAdvisor != nil:
		c, err = updateCustomer(tx, c.ID, now, func(c *clienteling.Customer) error {
			c.Advisor, c.Boutique = out.SetAdvisor.UserID, out.SetAdvisor.Boutique
			return nil
		})
	case out.Unlinked:
		c, err = updateCustomer(tx, c.ID, now, func(c *clienteling.Customer) error {
			c.Advisor = "" // the boutique keeps the client until routing reassigns them
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	return c, writeEvents(tx, out.Events, now)
}

// customerOf finds the sender by identity, then by unionid (adding the new
// identity to that person), or creates them.
func customerOf(tx *bolt.Tx, in *clienteling.Inbound, newID clienteling.CustomerID, now time.Time) (*clienteling.Customer, error) {
	if id := tx.Bucket(bucketIdentityIndex).Get(identityKey(in.Identity)); id != nil {
		return findCustomer(tx, id)
	}
	if in.UnionID != "" {
		if id := tx.Bucket(bucketUnionIndex).Get([]byte(in.UnionID)); id != nil {
			return updateCustomer(tx, clienteling.CustomerID(id), now, func(c *clienteling.Customer) error {
				c.Identities = append(c.Identities, in.Identity)
				return nil
			})
		}
	}
	c := &clienteling.Customer{ID: newID, Identities: []clienteling.Identity{in.Identity}, UnionID: in.UnionID,
		CreatedAt: now, UpdatedAt: now}
	c.Normalize()
	return c, createCustomer(tx, c)
}

// writeEvents adds events to the outbox in tx.
func writeEvents(tx *bolt.Tx, events []clienteling.Event, now time.Time) error {
	out := tx.Bucket(bucketOutbox)
	for _, e := range events {
		if e.ID == "" {
			e.ID = clienteling.NewID()
		}
		if e.At.IsZero() {
			e.At = now
		}
		payload, err := clienteling.EncodeEvent(e)
		if err != nil {
			return err
		}
		seq, err := out.NextSequence()
		if err != nil {
			return err
		}
		if err := out.Put(u64(seq), encodeOutboxRecord(&outboxRecord{ID: e.ID, Subject: e.Subject, Payload: payload})); err != nil {
			return err
		}
	}
	return nil
}

// PendingEvents implements clienteling.OutboxStore. Events acknowledged
// by AckEvents are left out at once, even before their removal commits.
func (db *DB) PendingEvents(ctx context.Context, limit int) ([]clienteling.OutboxEntry, error) {
	var out []clienteling.OutboxEntry
	skip := db.relayed.skip() // before the read begins: see skip
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOutbox).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			key := binary.BigEndian.Uint64(k)
			if _, relayed := skip[key]; relayed {
				continue
			}
			r, err := decodeOutboxRecord(v)
			if err != nil {
				return fmt.Errorf("outbox event %d: %w", key, err)
			}
			out = append(out, clienteling.OutboxEntry{Key: key, ID: r.ID, Subject: r.Subject,
				Payload: append([]byte(nil), r.Payload...)})
		}
		return nil
	})
	return out, err
}

// AckEvents implements clienteling.OutboxStore. The events leave
// PendingEvents at once; their removal is committed with the next write
// of anyone, or within the RelayedFlushDelay, or at Close, so that
// relaying adds no commit (and no fsync) to the clients' path. A crash
// before that commit makes the relay publish them again under the same
// Nats-Msg-Id, which JetStream's duplicate window drops.
func (db *DB) AckEvents(ctx context.Context, keys []uint64) error {
	db.relayed.add(keys)
	return nil
}
