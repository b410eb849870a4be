package store

import (
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

var _ clienteling.BrandStore = (*DB)(nil)

type brandRecord struct {
	V               int       `json:"v"`
	Name            string    `json:"name"`
	LogoURL         string    `json:"logo,omitempty"`
	Accent          string    `json:"accent,omitempty"`
	DefaultCurrency string    `json:"currency"`
	UpdatedAt       time.Time `json:"updated,omitzero"`
}

// PutBrand implements clienteling.BrandStore.
func (db *DB) PutBrand(ctx context.Context, b *clienteling.Brand) (created bool, err error) {
	err = db.update("put brand", func(tx *bolt.Tx) error {
		key := []byte(b.ID)
		created = tx.Bucket(bucketBrands).Get(key) == nil
		return put(tx, bucketBrands, key, &brandRecord{V: 1, Name: b.Name, LogoURL: b.LogoURL, Accent: b.Accent,
			DefaultCurrency: b.DefaultCurrency, UpdatedAt: b.UpdatedAt})
	})
	return created, err
}

// FindBrand implements clienteling.BrandStore.
func (db *DB) FindBrand(ctx context.Context, id clienteling.BrandID) (*clienteling.Brand, error) {
	var r brandRecord
	if err := db.view(func(tx *bolt.Tx) error { return get(tx, bucketBrands, []byte(id), &r, "brand") }); err != nil {
		return nil, err
	}
	return &clienteling.Brand{ID: id, Name: r.Name, LogoURL: r.LogoURL, Accent: r.Accent,
		DefaultCurrency: r.DefaultCurrency, UpdatedAt: r.UpdatedAt}, nil
}
