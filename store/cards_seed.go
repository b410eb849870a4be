package store

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// Card implements clienteling.CardReader: the cards clients pay from are
// the cards advisors sent.
func (db *DB) Card(ctx context.Context, id clienteling.CardID) (*clienteling.Card, error) {
	return db.FindCard(ctx, id)
}

// SeedCard records c, and announces it, without the message that carries
// a card when an advisor sends one: for tests and tools that need a card
// to pay from.
func (db *DB) SeedCard(ctx context.Context, c *clienteling.Card) error {
	return db.update("seed card", func(tx *bolt.Tx) error { return putCard(tx, c, db.now().UTC()) })
}
