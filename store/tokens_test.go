package store_test

import (
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/store"
)

// TestTokenBrandRoundTrip: a token's brand is stored and read back after a
// restart, and a record written before tokens had brands reads as
// group-wide.
func TestTokenBrandRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), store.FileName)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, limitedHash := clienteling.NewSecret()
	limited := &clienteling.Token{Subject: "maison-crm", Role: clienteling.RoleCRM, Brand: "maison", CreatedAt: time.Now().UTC()}
	if err := db.CreateToken(ctx, limitedHash, limited); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A record as the release before brands wrote it.
	_, legacyHash := clienteling.NewSecret()
	raw, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("tokens")).Put(legacyHash[:], []byte(`{"v":1,"subject":"old-crm","role":"crm","created":"2026-01-02T03:04:05Z"}`))
	})
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}

	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, row := range []struct {
		hash [32]byte
		want clienteling.BrandID
	}{{limitedHash, "maison"}, {legacyHash, ""}} {
		got, err := db.FindToken(ctx, row.hash)
		if err != nil {
			t.Fatal(err)
		}
		if got.Brand != row.want {
			t.Errorf("token of %s: brand %q, want %q", got.Subject, got.Brand, row.want)
		}
	}
	ts, err := db.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range ts {
		if tok.Subject == "maison-crm" && tok.Brand != "maison" {
			t.Errorf("the list shows maison-crm's token with brand %q", tok.Brand)
		}
	}
}
