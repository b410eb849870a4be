package store

import (
	"context"
	"encoding/json"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// CreateBoutique implements clienteling.BoutiqueStore.
func (db *DB) CreateBoutique(ctx context.Context, b *clienteling.Boutique) error {
	return db.update("create boutique", func(tx *bolt.Tx) error {
		key := []byte(b.ID)
		if tx.Bucket(bucketBoutiques).Get(key) != nil {
			return &clienteling.Error{Code: clienteling.ECONFLICT, Field: "id", Message: "a boutique with this id exists"}
		}
		return put(tx, bucketBoutiques, key, boutiqueToRecord(b))
	})
}

// FindBoutique implements clienteling.BoutiqueStore.
func (db *DB) FindBoutique(ctx context.Context, id clienteling.BoutiqueID) (*clienteling.Boutique, error) {
	var r boutiqueRecord
	if err := db.view(func(tx *bolt.Tx) error { return get(tx, bucketBoutiques, []byte(id), &r, "boutique") }); err != nil {
		return nil, err
	}
	return r.domain(string(id)), nil
}

// Boutiques implements clienteling.BoutiqueStore.
func (db *DB) Boutiques(ctx context.Context) ([]*clienteling.Boutique, error) {
	var out []*clienteling.Boutique
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBoutiques).ForEach(func(k, v []byte) error {
			var r boutiqueRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r.domain(string(k)))
			return nil
		})
	})
	return out, err
}

// CreateAssociates implements clienteling.AssociateStore.
func (db *DB) CreateAssociates(ctx context.Context, as []*clienteling.Associate) error {
	return db.update("create associates", func(tx *bolt.Tx) error {
		for _, a := range as {
			key := []byte(a.UserID)
			if tx.Bucket(bucketAssociates).Get(key) != nil {
				return &clienteling.Error{Code: clienteling.ECONFLICT, Field: "userid", Message: "an associate with this userid exists"}
			}
			if tx.Bucket(bucketBoutiques).Get([]byte(a.Boutique)) == nil {
				return &clienteling.Error{Code: clienteling.ENOTFOUND, Field: "boutique", Message: "no such boutique"}
			}
			if err := put(tx, bucketAssociates, key, associateToRecord(a)); err != nil {
				return err
			}
		}
		return nil
	})
}

// FindAssociate implements clienteling.AssociateStore.
func (db *DB) FindAssociate(ctx context.Context, id clienteling.AssociateID) (*clienteling.Associate, error) {
	var r associateRecord
	if err := db.view(func(tx *bolt.Tx) error { return get(tx, bucketAssociates, []byte(id), &r, "associate") }); err != nil {
		return nil, err
	}
	return r.domain(string(id)), nil
}

// FindAssociates implements clienteling.AssociateStore.
func (db *DB) FindAssociates(ctx context.Context, f clienteling.AssociateFilter) ([]*clienteling.Associate, error) {
	var out []*clienteling.Associate
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAssociates).ForEach(func(k, v []byte) error {
			var r associateRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if f.Boutique == "" || string(f.Boutique) == r.Boutique {
				out = append(out, r.domain(string(k)))
			}
			return nil
		})
	})
	return out, err
}

// PutProducts implements clienteling.ProductStore.
func (db *DB) PutProducts(ctx context.Context, ps []*clienteling.Product) error {
	return db.update("put products", func(tx *bolt.Tx) error {
		for _, p := range ps {
			if err := put(tx, bucketProducts, []byte(p.SKU), productToRecord(p)); err != nil {
				return err
			}
		}
		return nil
	})
}

// FindProduct implements clienteling.ProductStore.
func (db *DB) FindProduct(ctx context.Context, sku clienteling.SKU) (*clienteling.Product, error) {
	var r productRecord
	if err := db.view(func(tx *bolt.Tx) error { return get(tx, bucketProducts, []byte(sku), &r, "product") }); err != nil {
		return nil, err
	}
	return r.domain(string(sku)), nil
}

// FindProducts implements clienteling.ProductStore. The catalog is a few
// thousand items at most, so a scan is cheaper than keeping a text index.
func (db *DB) FindProducts(ctx context.Context, f clienteling.ProductFilter) ([]*clienteling.Product, error) {
	var out []*clienteling.Product
	q := strings.TrimSpace(f.Query)
	err := db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketProducts).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r productRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			p := r.domain(string(k))
			if p.Matches(q) {
				out = append(out, p)
				if f.Limit > 0 && len(out) == f.Limit {
					return nil
				}
			}
		}
		return nil
	})
	return out, err
}
