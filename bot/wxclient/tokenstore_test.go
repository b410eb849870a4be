package wxclient

import (
	"context"
	"testing"

	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// newTokenDB opens the database the service keeps its tokens in, in a
// temporary directory: the tests run on the real store, never a stand-in.
func newTokenDB(t *testing.T) *store.DB {
	t.Helper()
	return clientelingtest.MustOpenDB(t)
}

// storedToken reads key back from db.
func storedToken(t *testing.T, db *store.DB, key string) (StoredToken, bool) {
	t.Helper()
	all, err := db.LoadTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := all[key]
	return tok, ok
}

// putToken stores tok under key in db, as an earlier run would have.
func putToken(t *testing.T, db *store.DB, key string, tok StoredToken) {
	t.Helper()
	if err := db.SaveToken(context.Background(), key, tok); err != nil {
		t.Fatal(err)
	}
}
