package store

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// CreateCustomers implements clienteling.CustomerStore.
func (db *DB) CreateCustomers(ctx context.Context, cs []*clienteling.Customer) error {
	now := db.now().UTC()
	for _, c := range cs {
		if c.ID == "" {
			c.ID = clienteling.CustomerID(clienteling.NewID())
		}
		if c.CreatedAt.IsZero() {
			c.CreatedAt = now
		}
		c.UpdatedAt = now
	}
	return db.update("create customers", func(tx *bolt.Tx) error {
		for _, c := range cs {
			if err := createCustomer(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// createCustomer writes a new customer and its index entries in tx.
func createCustomer(tx *bolt.Tx, c *clienteling.Customer) error {
	if !clienteling.ValidID(string(c.ID)) {
		return clienteling.FieldError("id", "malformed customer id")
	}
	if tx.Bucket(bucketCustomers).Get([]byte(c.ID)) != nil {
		return &clienteling.Error{Code: clienteling.ECONFLICT, Field: "id", Message: "customer exists"}
	}
	if err := indexCustomer(tx, nil, c); err != nil {
		return err
	}
	return put(tx, bucketCustomers, []byte(c.ID), customerToRecord(c))
}

// indexCustomer moves c's index entries from what old had to what now has;
// old nil means a new customer, now nil a deleted one. An identity or unionid
// held by another customer is ECONFLICT.
func indexCustomer(tx *bolt.Tx, old, now *clienteling.Customer) error {
	var id []byte
	if now != nil {
		id = []byte(now.ID)
	} else {
		id = []byte(old.ID)
	}
	ids, union := tx.Bucket(bucketIdentityIndex), tx.Bucket(bucketUnionIndex)
	adv, bq := tx.Bucket(bucketAdvisorIndex), tx.Bucket(bucketBoutiqueIndex)
	if old != nil {
		for _, x := range old.Identities {
			if err := ids.Delete(identityKey(x)); err != nil {
				return err
			}
		}
		if old.UnionID != "" {
			if err := union.Delete([]byte(old.UnionID)); err != nil {
				return err
			}
		}
		if old.Advisor != "" {
			if err := adv.Delete(joinKey(string(old.Advisor), string(old.ID))); err != nil {
				return err
			}
		}
		if old.Boutique != "" {
			if err := bq.Delete(joinKey(string(old.Boutique), string(old.ID))); err != nil {
				return err
			}
		}
	}
	if now == nil {
		return nil
	}
	for _, x := range now.Identities {
		k := identityKey(x)
		if owner := ids.Get(k); owner != nil && !bytes.Equal(owner, id) {
			return &clienteling.Error{Code: clienteling.ECONFLICT, Field: "identities", Message: "identity belongs to another customer"}
		}
		if err := ids.Put(k, id); err != nil {
			return err
		}
	}
	if now.UnionID != "" {
		if owner := union.Get([]byte(now.UnionID)); owner != nil && !bytes.Equal(owner, id) {
			return &clienteling.Error{Code: clienteling.ECONFLICT, Field: "unionid", Message: "unionid belongs to another customer"}
		}
		if err := union.Put([]byte(now.UnionID), id); err != nil {
			return err
		}
	}
	if now.Advisor != "" {
		if err := adv.Put(joinKey(string(now.Advisor), string(now.ID)), nil); err != nil {
			return err
		}
	}
	if now.Boutique != "" {
		if err := bq.Put(joinKey(string(now.Boutique), string(now.ID)), nil); err != nil {
			return err
		}
	}
	return nil
}

func findCustomer(tx *bolt.Tx, id []byte) (*clienteling.Customer, error) {
	var r customerRecord
	if err := get(tx, bucketCustomers, id, &r, "customer"); err != nil {
		return nil, err
	}
	return r.domain(string(id)), nil
}

// FindCustomerByID implements clienteling.CustomerStore.
func (db *DB) FindCustomerByID(ctx context.Context, id clienteling.CustomerID) (*clienteling.Customer, error) {
	var c *clienteling.Customer
	err := db.view(func(tx *bolt.Tx) (err error) {
		c, err = findCustomer(tx, []byte(id))
		return err
	})
	return c, err
}

// FindCustomerByIdentity implements clienteling.CustomerStore.
func (db *DB) FindCustomerByIdentity(ctx context.Context, x clienteling.Identity) (*clienteling.Customer, error) {
	return db.findByIndex(bucketIdentityIndex, identityKey(x))
}

// FindCustomerByUnionID implements clienteling.CustomerStore.
func (db *DB) FindCustomerByUnionID(ctx context.Context, u clienteling.UnionID) (*clienteling.Customer, error) {
	return db.findByIndex(bucketUnionIndex, []byte(u))
}

func (db *DB) findByIndex(bucket, key []byte) (*clienteling.Customer, error) {
	var c *clienteling.Customer
	err := db.view(func(tx *bolt.Tx) (err error) {
		id := tx.Bucket(bucket).Get(key)
		if id == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "customer not found")
		}
		c, err = findCustomer(tx, id)
		return err
	})
	return c, err
}

// FindCustomers implements clienteling.CustomerStore. With an advisor or a
// boutique it walks that index; otherwise the whole bucket.
func (db *DB) FindCustomers(ctx context.Context, f clienteling.CustomerFilter) ([]*clienteling.Customer, error) {
	var out []*clienteling.Customer
	err := db.view(func(tx *bolt.Tx) error {
		var idx *bolt.Cursor
		var prefix []byte
		switch {
		case f.Advisor != nil:
			idx, prefix = tx.Bucket(bucketAdvisorIndex).Cursor(), joinKey(string(*f.Advisor), "")
		case f.Boutique != nil:
			idx, prefix = tx.Bucket(bucketBoutiqueIndex).Cursor(), joinKey(string(*f.Boutique), "")
		}
		customers := tx.Bucket(bucketCustomers)
		add := func(id, raw []byte) (bool, error) {
			var r customerRecord
			if err := json.Unmarshal(raw, &r); err != nil {
				return false, err
			}
			c := r.domain(string(id))
			if f.Boutique != nil && c.Boutique != *f.Boutique {
				return false, nil
			}
			out = append(out, c)
			return f.Limit > 0 && len(out) >= f.Limit, nil
		}
		if idx == nil {
			c := customers.Cursor()
			k, v := c.First()
			if f.After != "" {
				k, v = c.Seek([]byte(f.After))
				if k != nil && string(k) == string(f.After) {
					k, v = c.Next()
				}
			}
			for ; k != nil; k, v = c.Next() {
				if done, err := add(k, v); err != nil || done {
					return err
				}
			}
			return nil
		}
		start := append(append([]byte{}, prefix...), f.After...)
		for k, _ := idx.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, _ = idx.Next() {
			id := k[len(prefix):]
			if f.After != "" && string(id) <= string(f.After) {
				continue
			}
			raw := customers.Get(id)
			if raw == nil {
				return clienteling.Internal("find customers", errDangling)
			}
			if done, err := add(id, raw); err != nil || done {
				return err
			}
		}
		return nil
	})
	return out, err
}

type storeError string

func (e storeError) Error() string { return string(e) }

const errDangling = storeError("index entry points at a missing customer")

// UpdateCustomer implements clienteling.CustomerStore.
func (db *DB) UpdateCustomer(ctx context.Context, id clienteling.CustomerID, fn func(*clienteling.Customer) error) (*clienteling.Customer, error) {
	var out *clienteling.Customer
	err := db.update("update customer", func(tx *bolt.Tx) error {
		var err error
		out, err = updateCustomer(tx, id, db.now(), fn)
		return err
	})
	return out, err
}

// updateCustomer applies fn in tx, validates the result and moves the indexes.
func updateCustomer(tx *bolt.Tx, id clienteling.CustomerID, now time.Time, fn func(*clienteling.Customer) error) (*clienteling.Customer, error) {
	old, err := findCustomer(tx, []byte(id))
	if err != nil {
		return nil, err
	}
	c, _ := findCustomer(tx, []byte(id)) // a private copy for fn to change
	if err := fn(c); err != nil {
		return nil, err
	}
	c.ID, c.CreatedAt, c.UpdatedAt = old.ID, old.CreatedAt, now.UTC()
	if err := clienteling.Validate(c); err != nil {
		return nil, err
	}
	if err := indexCustomer(tx, old, c); err != nil {
		return nil, err
	}
	return c, put(tx, bucketCustomers, []byte(id), customerToRecord(c))
}

// DeleteCustomer implements clienteling.CustomerStore: the customer, every
// message and index entry go in one transaction, so an erasure is never half
// done.
func (db *DB) DeleteCustomer(ctx context.Context, id clienteling.CustomerID) error {
	return db.update("delete customer", func(tx *bolt.Tx) error {
		old, err := findCustomer(tx, []byte(id))
		if err != nil {
			return err
		}
		if err := indexCustomer(tx, old, nil); err != nil {
			return err
		}
		if err := deleteMessages(tx, id); err != nil {
			return err
		}
		if err := deleteNotes(tx, id); err != nil {
			return err
		}
		if err := deleteConversation(tx, id); err != nil {
			return err
		}
		if err := deleteCards(tx, id); err != nil {
			return err
		}
		// Integrations holding copies learn to erase theirs; the event
		// carries the id only, and waits in the outbox when erased offline.
		if err := writeEvents(tx, []clienteling.Event{{Type: clienteling.EventCustomerErased,
			Subject: clienteling.EventSubject(clienteling.EventCustomerErased), Data: clienteling.CustomerErased{Customer: id}}}, db.now().UTC()); err != nil {
			return err
		}
		if err := tx.Bucket(bucketProfilePending).Delete([]byte(id)); err != nil {
			return err
		}
		return tx.Bucket(bucketCustomers).Delete([]byte(id))
	})
}
