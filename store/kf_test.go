package store_test

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

func TestKfSync(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		db := clientelingtest.MustOpenDB(t)
		if cursor, token, pending, gen, err := db.KfSyncState(ctx, "wkA"); err != nil || cursor != "" || token != "" || pending || gen != 0 {
			t.Fatalf("unknown account: got %q %q %v %d %v, want all zero", cursor, token, pending, gen, err)
		}
		if err := db.MarkKfPending(ctx, "wkA", "tok1"); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveKfCursor(ctx, "wkA", "c1"); err != nil {
			t.Fatal(err)
		}
		cursor, token, pending, gen, err := db.KfSyncState(ctx, "wkA")
		if err != nil || cursor != "c1" || token != "tok1" || !pending || gen != 1 {
			t.Fatalf("got %q %q %v %d %v, want c1 tok1 pending gen 1", cursor, token, pending, gen, err)
		}
		if got, err := db.PendingKf(ctx); err != nil || !reflect.DeepEqual(got, []string{"wkA"}) {
			t.Fatalf("pending: got %v %v, want [wkA]", got, err)
		}
		if cleared, err := db.FinishKfSync(ctx, "wkA", gen); err != nil || !cleared {
			t.Fatalf("finish: got %v %v, want cleared", cleared, err)
		}
		if got, _ := db.PendingKf(ctx); len(got) != 0 {
			t.Fatalf("pending after finish: %v", got)
		}
		if cursor, _, pending, _, _ := db.KfSyncState(ctx, "wkA"); cursor != "c1" || pending {
			t.Fatalf("after finish: cursor %q pending %v, want c1 and not pending", cursor, pending)
		}
	})
	t.Run("CallbackDuringPull", func(t *testing.T) {
		// A callback that lands while a pull runs must not be cleared by
		// that pull: its messages may be past the pull's last page.
		db := clientelingtest.MustOpenDB(t)
		if err := db.MarkKfPending(ctx, "wkA", "tok1"); err != nil {
			t.Fatal(err)
		}
		_, _, _, gen, _ := db.KfSyncState(ctx, "wkA")
		if err := db.MarkKfPending(ctx, "wkA", "tok2"); err != nil {
			t.Fatal(err)
		}
		if cleared, err := db.FinishKfSync(ctx, "wkA", gen); err != nil || cleared {
			t.Fatalf("finish with a stale generation: got %v %v, want not cleared", cleared, err)
		}
		_, token, pending, _, _ := db.KfSyncState(ctx, "wkA")
		if token != "tok2" || !pending {
			t.Fatalf("got token %q pending %v, want tok2 still pending", token, pending)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := clientelingtest.MustOpenDB(t)
		if err := db.MarkKfPending(ctx, "", "tok"); clienteling.ErrorCode(err) != clienteling.EINVALID {
			t.Fatalf("empty open_kfid: got %v, want EINVALID", err)
		}
	})
	t.Run("SurvivesReopen", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), store.FileName)
		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.MarkKfPending(ctx, "wkB", "tok"); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveKfCursor(ctx, "wkB", "c9"); err != nil {
			t.Fatal(err)
		}
		db.Close()
		db, err = store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got, _ := db.PendingKf(ctx); !reflect.DeepEqual(got, []string{"wkB"}) {
			t.Fatalf("pending after reopen: %v, want [wkB]", got)
		}
		if cursor, _, _, _, _ := db.KfSyncState(ctx, "wkB"); cursor != "c9" {
			t.Fatalf("cursor after reopen: %q, want c9", cursor)
		}
	})
}
