package clientelingtest

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/salonhq/salon/store"
)

// MustOpenDB opens a fresh database under tb.TempDir(). At cleanup it runs
// bbolt's page check and Salon's index check, then closes it: every test
// that writes is also a test that the file stays sound.
func MustOpenDB(tb testing.TB, opts ...store.Options) *store.DB {
	tb.Helper()
	return mustOpen(tb, filepath.Join(tb.TempDir(), store.FileName), options(opts))
}

// Reopen closes db, after the same checks, and opens its file again with
// opts (or none): what a restart reads back, checked again at cleanup.
func Reopen(tb testing.TB, db *store.DB, opts ...store.Options) *store.DB {
	tb.Helper()
	path := db.Path()
	check(tb, db)
	reopened.Store(db, true)
	if err := db.Close(); err != nil {
		tb.Fatalf("close db: %v", err)
	}
	return mustOpen(tb, path, options(opts))
}

// reopened holds the databases Reopen has closed, which their cleanup
// must not check or close again.
var reopened sync.Map

func options(opts []store.Options) store.Options {
	if len(opts) > 0 {
		return opts[0]
	}
	return store.Options{}
}

func mustOpen(tb testing.TB, path string, o store.Options) *store.DB {
	tb.Helper()
	db, err := store.Open(path, o)
	if err != nil {
		tb.Fatalf("open db: %v", err)
	}
	tb.Cleanup(func() {
		if _, done := reopened.Load(db); done {
			return
		}
		check(tb, db)
		if err := db.Close(); err != nil {
			tb.Errorf("close db: %v", err)
		}
	})
	return db
}

func check(tb testing.TB, db *store.DB) {
	tb.Helper()
	if err := db.Check(); err != nil {
		tb.Errorf("bbolt check: %v", err)
	}
	if err := db.VerifyIndexes(); err != nil {
		tb.Errorf("index check: %v", err)
	}
}
