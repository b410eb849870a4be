package store_test

import (
	"testing"

	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// A commit must reach the disk before Salon acknowledges it: with NoSync,
// bbolt leaves pages in the kernel's cache, which survives SIGKILL (so no
// crash test notices) but not a power cut. Guard the option itself.
func TestOpenSyncsCommits(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	if db.Bolt().NoSync {
		t.Fatal("the database is opened with NoSync: commits would be acknowledged before they are on disk")
	}
}
