// Package storetest opens real bbolt databases for tests, in a temporary
// directory, and checks them for consistency when the test ends: every test
// that writes is also a test that the file stays sound.
package storetest

import (
	"path/filepath"
	"testing"

	"github.com/salonhq/salon/store"
)

// MustOpenDB opens a fresh database under tb.TempDir(). At cleanup it runs
// bbolt's page check and Salon's index check, then closes the database.
func MustOpenDB(tb testing.TB, opts ...store.Options) *store.DB {
	tb.Helper()
	var o store.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	db, err := store.Open(filepath.Join(tb.TempDir(), store.FileName), o)
	if err != nil {
		tb.Fatalf("open db: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Check(); err != nil {
			tb.Errorf("bbolt check: %v", err)
		}
		if err := db.VerifyIndexes(); err != nil {
			tb.Errorf("index check: %v", err)
		}
		if err := db.Close(); err != nil {
			tb.Errorf("close db: %v", err)
		}
	})
	return db
}
