package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

func textMessage(c clienteling.CustomerID, text string, at time.Time) *clienteling.Message {
	return &clienteling.Message{Customer: c, Direction: "in", Channel: "oa", Type: "text", Text: text,
		Author: "client", Status: "received", At: at}
}

func TestHistoryPaginationVisitsEachOnceInOrder(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	c := mustCreateCustomer(t, db, newCustomer("oPager"))
	other := mustCreateCustomer(t, db, newCustomer("oOther"))
	const n = 10000
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ms []*clienteling.Message
	for i := 0; i < n; i++ {
		// Every tenth message shares its time with the previous one: order
		// must still be total.
		ms = append(ms, textMessage(c.ID, fmt.Sprint(i), base.Add(time.Duration(i-i%10/9)*time.Second)))
		if i%100 == 0 {
			ms = append(ms, textMessage(other.ID, "noise", base.Add(time.Duration(i)*time.Second)))
		}
	}
	if err := db.AppendMessages(ctx, ms); err != nil {
		t.Fatal(err)
	}
	seen := map[clienteling.MessageID]bool{}
	want := n - 1
	cursor := ""
	pages := 0
	for {
		page, next, err := db.Messages(ctx, c.ID, clienteling.MessagePage{Limit: 97, Before: cursor})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, m := range page {
			if m.Customer != c.ID {
				t.Fatalf("message of another customer: %s", m.Customer)
			}
			if seen[m.ID] {
				t.Fatalf("message %s seen twice", m.ID)
			}
			seen[m.ID] = true
			if got := m.Text; got != fmt.Sprint(want) {
				t.Fatalf("got message %q, want %d (newest first)", got, want)
			}
			want--
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if len(seen) != n {
		t.Fatalf("got %d messages, want %d", len(seen), n)
	}
	if wantPages := (n + 96) / 97; pages != wantPages {
		t.Fatalf("got %d pages, want %d", pages, wantPages)
	}
}

func TestHistoryBadCursor(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	c := mustCreateCustomer(t, db, newCustomer("oCursor"))
	other := mustCreateCustomer(t, db, newCustomer("oCursor2"))
	for i := 0; i < 2; i++ {
		if _, err := db.AppendMessage(ctx, textMessage(other.ID, "x", time.Time{})); err != nil {
			t.Fatal(err)
		}
	}
	_, otherCursor, err := db.Messages(ctx, other.ID, clienteling.MessagePage{Limit: 1})
	if err != nil || otherCursor == "" {
		t.Fatalf("no cursor: %v", err)
	}
	// Another client's cursor must not open this client's history elsewhere.
	for _, cur := range []string{"!!", "AAAA", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", otherCursor} {
		if _, _, err := db.Messages(ctx, c.ID, clienteling.MessagePage{Before: cur}); clienteling.ErrorField(err) != "before" {
			t.Errorf("cursor %q: got %v, want an error naming before", cur, err)
		}
	}
}

func TestConcurrentAppendsLoseNothing(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	const writers, each = 32, 50
	customers := make([]*clienteling.Customer, writers)
	for i := range customers {
		customers[i] = mustCreateCustomer(t, db, newCustomer(fmt.Sprintf("oConc%d", i)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// Writers share customers so that keys interleave.
				c := customers[(w+i)%writers]
				m := textMessage(c.ID, fmt.Sprintf("%d-%d", w, i), time.Time{})
				m.DedupeKey = fmt.Sprintf("msg-%d-%d", w, i)
				if _, err := db.AppendMessage(ctx, m); err != nil {
					errs <- err
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	texts := map[string]bool{}
	for _, c := range customers {
		cursor := ""
		for {
			page, next, err := db.Messages(ctx, c.ID, clienteling.MessagePage{Limit: 100, Before: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range page {
				if texts[m.Text] {
					t.Fatalf("%s stored twice", m.Text)
				}
				texts[m.Text] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	if got, want := len(texts), writers*each; got != want {
		t.Fatalf("got %d messages, want %d", got, want)
	}
}

func TestRedeliveryStoredOnce(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	c := mustCreateCustomer(t, db, newCustomer("oDup"))
	var first clienteling.MessageID
	for i := 0; i < 3; i++ {
		m := textMessage(c.ID, "bonjour", time.Time{})
		m.DedupeKey = "oa:msg:1234567890"
		dup, err := db.AppendMessage(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := dup, i > 0; got != want {
			t.Fatalf("delivery %d: duplicate=%v, want %v", i, got, want)
		}
		if i == 0 {
			first = m.ID
		} else if m.ID != first {
			t.Fatalf("duplicate points at %s, want %s", m.ID, first)
		}
	}
	page, _, err := db.Messages(ctx, c.ID, clienteling.MessagePage{})
	if err != nil || len(page) != 1 {
		t.Fatalf("got %d messages (%v), want 1", len(page), err)
	}
}

func TestBackupDuringWriteStorm(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	seedStaff(t, db)
	c := mustCreateCustomer(t, db, newCustomer("oStorm"))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.AppendMessage(ctx, textMessage(c.ID, "storm", time.Time{})); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	// Let the storm build up before taking the copy.
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		page, _, err := db.Messages(ctx, c.ID, clienteling.MessagePage{Limit: 100})
		if err != nil || len(page) < 100 {
			return fmt.Errorf("%d messages stored (%v), want 100", len(page), err)
		}
		return nil
	})
	path := t.TempDir() + "/backup.db"
	if _, err := db.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()

	copyDB, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if err := copyDB.Check(); err != nil {
		t.Fatalf("backup fails bbolt check: %v", err)
	}
	if err := copyDB.VerifyIndexes(); err != nil {
		t.Fatalf("backup fails index check: %v", err)
	}
	if _, err := copyDB.FindAssociate(ctx, "amy"); err != nil {
		t.Fatalf("restored copy lacks data: %v", err)
	}
	page, _, err := copyDB.Messages(ctx, c.ID, clienteling.MessagePage{Limit: 100})
	if err != nil || len(page) < 100 {
		t.Fatalf("restored copy has %d messages (%v), want >= 100", len(page), err)
	}
}
