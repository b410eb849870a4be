package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// TestEachMessageVisitsTheRangeOnce reads a range spanning several of
// EachMessage's read batches: every message in [from, to) once, none
// outside, each client's in time order, and the callback may read the
// store and write to it (it runs outside the scan's transaction).
func TestEachMessageVisitsTheRangeOnce(t *testing.T) {
	t.Parallel()
	// A small map, so that the growth below remaps the file, as a year of
	// messages does past the default reservation.
	db := clientelingtest.MustOpenDB(t, store.Options{InitialMmapSize: 1 << 20})
	a := mustCreateCustomer(t, db, newCustomer("oEachA"))
	b := mustCreateCustomer(t, db, newCustomer("oEachB"))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ms []*clienteling.Message
	for i := range 2500 {
		ms = append(ms, textMessage(a.ID, fmt.Sprint("a", i), base.Add(time.Duration(i)*time.Second)))
		if i%2 == 0 {
			ms = append(ms, textMessage(b.ID, fmt.Sprint("b", i), base.Add(time.Duration(i)*time.Second)))
		}
	}
	if err := db.AppendMessages(ctx, ms); err != nil {
		t.Fatal(err)
	}
	from, to := base.Add(100*time.Second), base.Add(2400*time.Second) // a100..a2399, b100..b2398
	seen := map[string]bool{}
	last := map[clienteling.CustomerID]time.Time{}
	err := db.EachMessage(ctx, from, to, func(m *clienteling.Message) error {
		if m.At.Before(from) || !m.At.Before(to) {
			t.Errorf("%s at %v is outside the range", m.Text, m.At)
		}
		if seen[m.Text] {
			t.Errorf("%s visited twice", m.Text)
		}
		seen[m.Text] = true
		if m.At.Before(last[m.Customer]) {
			t.Errorf("%s comes before the client's previous message", m.Text)
		}
		last[m.Customer] = m.At
		if len(seen)%500 == 0 {
			if _, err := db.FindCustomerByID(ctx, m.Customer); err != nil {
				return err
			}
			// Enough to grow the file, so that the commit remaps it: a
			// scan holding its read transaction here would wait for the
			// commit, and the commit for the scan.
			var big []*clienteling.Message
			for range 40 {
				big = append(big, textMessage(b.ID, strings.Repeat("x", 60000), base.Add(-time.Hour)))
			}
			return db.AppendMessages(ctx, big)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := 2300 + 1150; len(seen) != want {
		t.Errorf("visited %d messages, want %d", len(seen), want)
	}
}
