package store

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// bucketSeededCards: card id -> clienteling.Card as JSON. A stand-in for
// the card store, which records cards when advisors send them: orders
// read cards only through clienteling.CardReader, and this keeps the
// cards that tests and tools put in place until that store exists.
var bucketSeededCards = []byte("cards_seed")

// SeedCard stores c as a card orders can be paid from.
func (db *DB) SeedCard(ctx context.Context, c *clienteling.Card) error {
	return db.update("seed card", func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketSeededCards); err != nil {
			return err
		}
		return put(tx, bucketSeededCards, []byte(c.ID), c)
	})
}

// Card implements clienteling.CardReader over the seeded cards.
func (db *DB) Card(ctx context.Context, id clienteling.CardID) (*clienteling.Card, error) {
	var c clienteling.Card
	err := db.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSeededCards) == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "card not found")
		}
		return get(tx, bucketSeededCards, []byte(id), &c, "card")
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}
