package store_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// The card key is made once per database and survives restarts and
// backups, so links already sent keep opening their cards.
func TestCardKeyKept(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	first, err := db.CardKey(ctx)
	if err != nil || len(first) != clienteling.CardKeySize {
		t.Fatalf("CardKey = %d bytes, %v", len(first), err)
	}
	token := first.Token(clienteling.NewCardID())
	db = clientelingtest.Reopen(t, db)
	again, err := db.CardKey(ctx)
	if err != nil || !bytes.Equal(again, first) {
		t.Fatalf("after a restart the key changed (%v)", err)
	}
	if _, err := again.VerifyCardToken(token); err != nil {
		t.Errorf("a link made before the restart no longer opens: %v", err)
	}

	backup := filepath.Join(t.TempDir(), "backup.db")
	if _, err := db.BackupFile(backup); err != nil {
		t.Fatal(err)
	}
	restored, err := store.Open(backup, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { restored.Close() })
	if key, err := restored.CardKey(ctx); err != nil || !bytes.Equal(key, first) {
		t.Errorf("the restored backup has another key (%v)", err)
	}

	other, err := clientelingtest.MustOpenDB(t).CardKey(ctx)
	if err != nil || bytes.Equal(other, first) {
		t.Errorf("two databases share a card key (%v)", err)
	}
}
