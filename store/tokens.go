package store

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// CreateToken implements clienteling.TokenStore.
func (db *DB) CreateToken(ctx context.Context, hash [32]byte, t *clienteling.Token) error {
	id := clienteling.TokenIDOf(hash)
	return db.update("create token", func(tx *bolt.Tx) error {
		if k, _ := findTokenKey(tx, id); k != nil {
			return clienteling.Errorf(clienteling.ECONFLICT, "a token with this id exists")
		}
		t.ID = id
		return put(tx, bucketTokens, hash[:], tokenToRecord(t))
	})
}

// FindToken implements clienteling.TokenStore.
func (db *DB) FindToken(ctx context.Context, hash [32]byte) (*clienteling.Token, error) {
	var r tokenRecord
	if err := db.view(func(tx *bolt.Tx) error { return get(tx, bucketTokens, hash[:], &r, "token") }); err != nil {
		return nil, err
	}
	return r.domain(hash[:]), nil
}

// Tokens implements clienteling.TokenStore. Tokens are a few per member
// of staff, so a scan is cheap.
func (db *DB) Tokens(ctx context.Context) ([]*clienteling.Token, error) {
	var out []*clienteling.Token
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTokens).ForEach(func(k, v []byte) error {
			var r tokenRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			out = append(out, r.domain(k))
			return nil
		})
	})
	return out, err
}

// RevokeToken implements clienteling.TokenStore.
func (db *DB) RevokeToken(ctx context.Context, id clienteling.TokenID, at time.Time) (*clienteling.Token, error) {
	var out *clienteling.Token
	err := db.update("revoke token", func(tx *bolt.Tx) error {
		k, r := findTokenKey(tx, id)
		if k == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "token not found")
		}
		if r.RevokedAt.IsZero() {
			r.RevokedAt = at
			if err := put(tx, bucketTokens, k, r); err != nil {
				return err
			}
		}
		out = r.domain(k)
		return nil
	})
	return out, err
}

// TouchToken implements clienteling.TokenStore. It goes through the group
// committer, so that the uses of many tokens share a commit.
func (db *DB) TouchToken(ctx context.Context, id clienteling.TokenID, at time.Time) error {
	return db.batch(ctx, "record token use", func(tx *bolt.Tx) error {
		k, r := findTokenKey(tx, id)
		if k == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "token not found")
		}
		if !at.After(r.LastUsedAt) {
			return nil
		}
		r.LastUsedAt = at
		return put(tx, bucketTokens, k, r)
	})
}

// revokeSubjectTokens revokes, at at, every token issued to subject that
// is not revoked yet: in the transaction that records their departure.
func revokeSubjectTokens(tx *bolt.Tx, subject string, at time.Time) error {
	c := tx.Bucket(bucketTokens).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var r tokenRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if r.Subject != subject || !r.RevokedAt.IsZero() {
			continue
		}
		r.RevokedAt = at
		if err := put(tx, bucketTokens, bytes.Clone(k), &r); err != nil {
			return err
		}
	}
	return nil
}

// findTokenKey returns the key and record of token id, found by the hash
// prefix the id is, or a nil key.
func findTokenKey(tx *bolt.Tx, id clienteling.TokenID) ([]byte, *tokenRecord) {
	prefix, ok := id.Prefix()
	if !ok {
		return nil, nil
	}
	k, v := tx.Bucket(bucketTokens).Cursor().Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	var r tokenRecord
	if json.Unmarshal(v, &r) != nil {
		return nil, nil
	}
	return bytes.Clone(k), &r
}

func tokenToRecord(t *clienteling.Token) *tokenRecord {
	return &tokenRecord{V: 1, Subject: t.Subject, Role: t.Role, Brand: string(t.Brand), CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

func (r *tokenRecord) domain(hash []byte) *clienteling.Token {
	var h [32]byte
	copy(h[:], hash)
	return &clienteling.Token{ID: clienteling.TokenIDOf(h), Subject: r.Subject, Role: r.Role, Brand: clienteling.BrandID(r.Brand), CreatedAt: r.CreatedAt,
		ExpiresAt: r.ExpiresAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
}

// AdminTokenHash implements clienteling.TokenStore.
func (db *DB) AdminTokenHash(ctx context.Context) ([32]byte, error) {
	var h [32]byte
	err := db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyMetaAdminToken)
		if len(v) != 32 {
			return clienteling.Errorf(clienteling.ENOTFOUND, "no admin token")
		}
		copy(h[:], v)
		return nil
	})
	return h, err
}

// SetAdminTokenHash implements clienteling.TokenStore.
func (db *DB) SetAdminTokenHash(ctx context.Context, hash [32]byte) error {
	return db.update("set admin token", func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyMetaAdminToken, hash[:])
	})
}
