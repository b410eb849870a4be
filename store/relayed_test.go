package store_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// committedOutbox counts the events a crash now would leave in the outbox:
// those of a backup, which holds what is committed.
func committedOutbox(t *testing.T, db *store.DB) int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "backup.db")
	if _, err := db.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	snapshot, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer snapshot.Close()
	pending, err := snapshot.PendingEvents(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return len(pending)
}

// receiveAll stores n messages from distinct clients, each announced.
func receiveAll(t *testing.T, db *store.DB, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if _, err := db.Receive(ctx, inbound("oa", fmt.Sprintf("oRELAY%04d", i), "", fmt.Sprintf("oa:%d", i), "hi"), announceReceived); err != nil {
			t.Fatal(err)
		}
	}
}

// ackAll acknowledges every pending event and returns how many there were.
func ackAll(t *testing.T, db *store.DB) int {
	t.Helper()
	pending, err := db.PendingEvents(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]uint64, len(pending))
	for i, e := range pending {
		keys[i] = e.Key
	}
	if err := db.AckEvents(ctx, keys); err != nil {
		t.Fatal(err)
	}
	return len(pending)
}

// The relay's acknowledgement costs no commit: the events leave the
// outbox's reads at once, and their removal rides in the next commit of
// whoever writes next.
func TestRelayedEventsRideTheNextCommit(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t, store.Options{RelayedFlushDelay: time.Hour})
	receiveAll(t, db, 0, 3)
	before := db.Commits()
	acked := ackAll(t, db)
	if got := db.Commits(); got != before {
		t.Fatalf("acknowledging events committed %d times, want none", got-before)
	}
	if left, _ := db.PendingEvents(ctx, 100); len(left) != 0 {
		t.Fatalf("%d acknowledged events still pending", len(left))
	}
	if got := committedOutbox(t, db); got != acked {
		t.Fatalf("committed outbox holds %d events before the next write, want the %d acknowledged (a crash now republishes them)", got, acked)
	}

	receiveAll(t, db, 3, 1)
	if got := db.Commits(); got != before+1 {
		t.Fatalf("one receipt after the acknowledgement took %d commits, want 1", got-before)
	}
	pending, _ := db.PendingEvents(ctx, 100)
	if got := committedOutbox(t, db); got != len(pending) {
		t.Fatalf("committed outbox holds %d events, want the %d of the last receipt: the removal did not ride its commit", got, len(pending))
	}
}

// With nobody writing, the removal commits on its own within the delay.
func TestRelayedEventsFlushWhenNobodyWrites(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t, store.Options{RelayedFlushDelay: 10 * time.Millisecond})
	receiveAll(t, db, 0, 2)
	ackAll(t, db)
	clientelingtest.CheckFor(t, 5*time.Second, func() error {
		if got := committedOutbox(t, db); got != 0 {
			return fmt.Errorf("%d relayed events still committed in the outbox", got)
		}
		return nil
	})
}

// Close commits what is still waiting: a clean stop republishes nothing.
func TestRelayedEventsCommitAtClose(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t, store.Options{RelayedFlushDelay: time.Hour})
	receiveAll(t, db, 0, 2)
	ackAll(t, db)
	db = clientelingtest.Reopen(t, db)
	if left, _ := db.PendingEvents(ctx, 100); len(left) != 0 {
		t.Fatalf("%d relayed events came back after a clean restart", len(left))
	}
}
