package store

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

var _ clienteling.CardStore = (*DB)(nil)

// cardRecord is a card as sent: the product's snapshot and who offered it
// to whom.
type cardRecord struct {
	V           int               `json:"v"`
	SKU         string            `json:"sku"`
	Customer    string            `json:"customer"`
	Associate   string            `json:"associate,omitempty"`
	Boutique    string            `json:"boutique,omitempty"`
	Message     string            `json:"message"`
	Channel     string            `json:"channel"`
	Price       moneyRecord       `json:"price"`
	Title       map[string]string `json:"title"`
	Description map[string]string `json:"desc,omitempty"`
	Images      []string          `json:"images,omitempty"`
	Sizes       []string          `json:"sizes,omitempty"`
	Category    string            `json:"cat,omitempty"`
	Note        string            `json:"note,omitempty"`
	CreatedAt   time.Time         `json:"created"`
	ExpiresAt   time.Time         `json:"expires"`
	OpenedAt    time.Time         `json:"opened,omitzero"`
}

func cardToRecord(c *clienteling.Card) *cardRecord {
	return &cardRecord{V: 1, SKU: string(c.SKU), Customer: string(c.Customer), Associate: string(c.Associate),
		Boutique: string(c.Boutique), Message: string(c.Message), Channel: c.Channel, Price: moneyRecord(c.Price),
		Title: c.Title, Description: c.Description, Images: c.Images, Sizes: c.Sizes, Category: c.Category,
		Note: c.Note, CreatedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt, OpenedAt: c.OpenedAt}
}

func (r *cardRecord) domain(id string) *clienteling.Card {
	return &clienteling.Card{ID: clienteling.CardID(id), SKU: clienteling.SKU(r.SKU), Customer: clienteling.CustomerID(r.Customer),
		Associate: clienteling.AssociateID(r.Associate), Boutique: clienteling.BoutiqueID(r.Boutique),
		Message: clienteling.MessageID(r.Message), Channel: r.Channel, Price: clienteling.Money(r.Price),
		Title: r.Title, Description: r.Description, Images: r.Images, Sizes: r.Sizes, Category: r.Category,
		Note: r.Note, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt, OpenedAt: r.OpenedAt}
}

// putCard records a new card and announces it, in tx.
func putCard(tx *bolt.Tx, c *clienteling.Card, now time.Time) error {
	if err := put(tx, bucketCards, []byte(c.ID), cardToRecord(c)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketCardCustomerIndex).Put(cardIndexKey(c.Customer, c.ID), nil); err != nil {
		return err
	}
	return writeEvents(tx, clienteling.AnnounceCard(c), now)
}

func cardIndexKey(customer clienteling.CustomerID, id clienteling.CardID) []byte {
	return append([]byte(customer), id...)
}

// FindCard implements clienteling.CardStore.
func (db *DB) FindCard(ctx context.Context, id clienteling.CardID) (*clienteling.Card, error) {
	var r cardRecord
	if err := db.view(func(tx *bolt.Tx) error { return get(tx, bucketCards, []byte(id), &r, "card") }); err != nil {
		return nil, err
	}
	return r.domain(string(id)), nil
}

// OpenCard implements clienteling.CardOpener: the first open marks the
// card and announces it in one transaction, later ones change nothing.
func (db *DB) OpenCard(ctx context.Context, id clienteling.CardID, at time.Time) (*clienteling.Card, error) {
	var r cardRecord
	err := db.update("open card", func(tx *bolt.Tx) error {
		r = cardRecord{}
		if err := get(tx, bucketCards, []byte(id), &r, "card"); err != nil {
			return err
		}
		if !r.OpenedAt.IsZero() {
			return nil
		}
		r.OpenedAt = at.UTC()
		if err := put(tx, bucketCards, []byte(id), &r); err != nil {
			return err
		}
		return writeEvents(tx, clienteling.AnnounceCardOpened(r.domain(string(id))), at)
	})
	if err != nil {
		return nil, err
	}
	return r.domain(string(id)), nil
}

// customerCards returns the ids of customer's cards.
func customerCards(tx *bolt.Tx, customer clienteling.CustomerID) [][]byte {
	var ids [][]byte
	prefix := []byte(customer)
	c := tx.Bucket(bucketCardCustomerIndex).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, bytes.Clone(k[len(prefix):]))
	}
	return ids
}

// deleteCards erases customer's cards, in tx.
func deleteCards(tx *bolt.Tx, customer clienteling.CustomerID) error {
	for _, id := range customerCards(tx, customer) {
		if err := tx.Bucket(bucketCards).Delete(id); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCardCustomerIndex).Delete(append([]byte(customer), id...)); err != nil {
			return err
		}
	}
	return nil
}

// moveCards gives from's cards to into, in tx: a merged client's links
// keep working.
func moveCards(tx *bolt.Tx, from, into clienteling.CustomerID) error {
	for _, id := range customerCards(tx, from) {
		var r cardRecord
		if err := json.Unmarshal(tx.Bucket(bucketCards).Get(id), &r); err != nil {
			return err
		}
		r.Customer = string(into)
		if err := put(tx, bucketCards, id, &r); err != nil {
			return err
		}
		idx := tx.Bucket(bucketCardCustomerIndex)
		if err := idx.Delete(append([]byte(from), id...)); err != nil {
			return err
		}
		if err := idx.Put(append([]byte(into), id...), nil); err != nil {
			return err
		}
	}
	return nil
}

// CardKey returns the key that signs card links, made at the first call
// and kept in the database from then on. The database rather than a file
// of its own: a backup restores the links with the clients they were sent
// to, the key is made under the database's lock so two starts cannot make
// two, and the file already needs the care a secret does (it holds
// clients' data, mode 0600).
func (db *DB) CardKey(ctx context.Context) (clienteling.CardKey, error) {
	var key clienteling.CardKey
	err := db.update("card key", func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyMetaCardKey); len(v) == clienteling.CardKeySize {
			key = bytes.Clone(v)
			return nil
		}
		fresh := make([]byte, clienteling.CardKeySize)
		if _, err := rand.Read(fresh); err != nil {
			return err
		}
		key = fresh
		return meta.Put(keyMetaCardKey, fresh)
	})
	return key, err
}
