package store

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

var _ clienteling.ProfileStore = (*DB)(nil)

// PendingProfiles implements clienteling.ProfileStore.
func (db *DB) PendingProfiles(ctx context.Context, limit int) ([]clienteling.ProfileTask, error) {
	var out []clienteling.ProfileTask
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketProfilePending).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			channel, external, _ := strings.Cut(string(v), string(rune(sep)))
			out = append(out, clienteling.ProfileTask{Customer: clienteling.CustomerID(k),
				Identity: clienteling.Identity{Channel: channel, ExternalID: external}})
		}
		return nil
	})
	return out, err
}

// ApplyProfile implements clienteling.ProfileStore.
func (db *DB) ApplyProfile(ctx context.Context, id clienteling.CustomerID, p clienteling.Profile) (*clienteling.Customer, error) {
	var out *clienteling.Customer
	err := db.batch(ctx, "apply profile", func(tx *bolt.Tx) error {
		var err error
		out, err = db.applyProfile(tx, id, p)
		return err
	})
	return out, err
}

// ApplyProfiles implements clienteling.ProfileStore.
func (db *DB) ApplyProfiles(ctx context.Context, ps []clienteling.FetchedProfile) error {
	return db.batch(ctx, "apply profiles", func(tx *bolt.Tx) error {
		for _, p := range ps {
			if _, err := db.applyProfile(tx, p.Customer, p.Profile); err != nil {
				return err
			}
		}
		return nil
	})
}

// applyProfile does ApplyProfile's work in tx; nil for a client erased
// meanwhile.
func (db *DB) applyProfile(tx *bolt.Tx, id clienteling.CustomerID, p clienteling.Profile) (*clienteling.Customer, error) {
	if err := tx.Bucket(bucketProfilePending).Delete([]byte(id)); err != nil {
		return nil, err
	}
	if tx.Bucket(bucketCustomers).Get([]byte(id)) == nil {
		return nil, nil // erased meanwhile
	}
	now := db.now()
	if owner := tx.Bucket(bucketUnionIndex).Get([]byte(p.UnionID)); p.UnionID != "" && owner != nil && !bytes.Equal(owner, []byte(id)) {
		return mergeCustomer(tx, id, clienteling.CustomerID(owner), now)
	}
	return updateCustomer(tx, id, now, func(c *clienteling.Customer) error {
		if p.Language != "" {
			c.Language = p.Language
		}
		if p.UnionID != "" {
			c.UnionID = p.UnionID
		}
		return nil
	})
}

// mergeCustomer moves from's identities, messages and book entries into
// into, and deletes from, in tx.
func mergeCustomer(tx *bolt.Tx, from, into clienteling.CustomerID, now time.Time) (*clienteling.Customer, error) {
	old, err := findCustomer(tx, []byte(from))
	if err != nil {
		return nil, err
	}
	if err := indexCustomer(tx, old, nil); err != nil {
		return nil, err
	}
	if err := tx.Bucket(bucketCustomers).Delete([]byte(from)); err != nil {
		return nil, err
	}
	merged, err := updateCustomer(tx, into, now, func(c *clienteling.Customer) error {
		for _, x := range old.Identities {
			if !c.HasIdentity(x) {
				c.Identities = append(c.Identities, x)
			}
		}
		if c.Advisor == "" {
			c.Advisor, c.Boutique = old.Advisor, old.Boutique
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := moveMessages(tx, from, into); err != nil {
		return nil, err
	}
	if err := mergeConversation(tx, from, into); err != nil {
		return nil, err
	}
	if err := moveCards(tx, from, into); err != nil {
		return nil, err
	}
	return merged, writeEvents(tx, []clienteling.Event{{Type: clienteling.EventCustomerMerged, Subject: clienteling.EventSubject(clienteling.EventCustomerMerged),
		Data: clienteling.CustomerMerged{Customer: into, Merged: from}}}, now)
}

// moveMessages rekeys every message of from under into, keeping ids and
// times, and points the message index at the new keys.
func moveMessages(tx *bolt.Tx, from, into clienteling.CustomerID) error {
	msgs, idx := tx.Bucket(bucketMessages), tx.Bucket(bucketMessageIndex)
	prefix := []byte(from)
	c := msgs.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Seek(prefix) {
		var r messageRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		seq, err := msgs.NextSequence()
		if err != nil {
			return err
		}
		newKey := append([]byte(into), k[len(prefix):len(prefix)+8]...)
		newKey = append(newKey, u64(seq)...)
		raw := bytes.Clone(v)
		if err := c.Delete(); err != nil {
			return err
		}
		if err := msgs.Put(newKey, raw); err != nil {
			return err
		}
		if err := idx.Put([]byte(r.ID), newKey); err != nil {
			return err
		}
	}
	return nil
}
