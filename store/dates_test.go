package store_test

import (
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

func TestRemindDatesOnceEach(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	seedDesk(t, db, clienteling.StatusActive)
	c := newCustomer("oDates")
	c.Advisor, c.Boutique = "amy", "sh-plaza66"
	c.Preferences.Dates = []clienteling.ImportantDate{{Kind: "birthday", Date: "12-01"}}
	mustCreateCustomer(t, db, c)
	for i := 0; i < 50; i++ { // clients without dates cost nothing and remind of nothing
		mustCreateCustomer(t, db, newCustomer("oPlain"+string(rune('A'+i))))
	}

	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, cst) }
	steps := []struct {
		now  time.Time
		want int
	}{
		{at(24, 8), 0},  // first sweep: looks back a day, nothing due yet
		{at(24, 10), 1}, // 9:00 seven days before December 1st
		{at(24, 10), 0}, // the same window again: nothing
		{at(25, 10), 0},
	}
	for i, s := range steps {
		n, err := db.RemindDates(ctx, s.now)
		if err != nil || n != s.want {
			t.Fatalf("step %d: %d reminders, %v; want %d", i, n, err, s.want)
		}
	}
	got := drainSubjects(t, db)
	if len(got) != 1 || got[0] != "salon.notify.associate.amy date.upcoming" {
		t.Fatalf("outbox: %v", got)
	}
}

// A database restarted after a week away reminds of what fell due
// meanwhile, once.
func TestRemindDatesCatchesUpAfterDowntime(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t, store.Options{})
	seedDesk(t, db, clienteling.StatusActive)
	c := newCustomer("oDates")
	c.Advisor = "amy"
	c.Preferences.Dates = []clienteling.ImportantDate{{Kind: "birthday", Date: "12-01"}, {Kind: "name day", Date: "11-29"}}
	mustCreateCustomer(t, db, c)
	start := time.Date(2026, 11, 18, 12, 0, 0, 0, cst)
	if n, err := db.RemindDates(ctx, start); n != 0 || err != nil {
		t.Fatalf("first: %d %v", n, err)
	}
	if n, err := db.RemindDates(ctx, start.AddDate(0, 0, 7)); n != 2 || err != nil {
		t.Fatalf("after a week: %d %v", n, err)
	}
}
