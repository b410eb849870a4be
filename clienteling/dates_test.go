package clienteling

import (
	"testing"
	"time"
)

func TestDateReminders(t *testing.T) {
	t.Parallel()
	c := &Customer{ID: "01JCUSTOMER000000000000001", Advisor: "amy", Preferences: Preferences{Dates: []ImportantDate{
		{Kind: "birthday", Date: "12-01"},
		{Kind: "anniversary", Date: "2015-11-30"},                                            // a past year: every year
		{Kind: "trip", Date: "2026-12-05", At: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}, // once
		{Kind: "leapling", Date: "02-29"},
	}}}
	day := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, cst) }
	kinds := func(events []Event) (out []string) {
		for _, e := range events {
			if e.Subject != "salon.notify.associate.amy" {
				t.Fatalf("subject %s", e.Subject)
			}
			data := e.Data.(DateUpcoming)
			out = append(out, data.Kind+" "+data.Date)
		}
		return out
	}
	cases := []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"seven days before, at nine", day(2026, 11, 24, 8), day(2026, 11, 24, 9), []string{"birthday 2026-12-01"}},
		{"not before nine", day(2026, 11, 24, 0), day(2026, 11, 24, 8), nil},
		{"each once across split windows", day(2026, 11, 24, 9), day(2026, 11, 25, 0), nil},
		{"a past year's date recurs", day(2026, 11, 23, 0), day(2026, 11, 23, 12), []string{"anniversary 2026-11-30"}},
		{"a future date once", day(2026, 11, 28, 0), day(2026, 11, 29, 0), []string{"trip 2026-12-05"}},
		{"next year's birthday", day(2027, 11, 24, 0), day(2027, 11, 25, 0), []string{"birthday 2027-12-01"}},
		{"the trip does not recur", day(2027, 11, 28, 0), day(2027, 11, 29, 0), nil},
		{"leap day in a common year", day(2027, 2, 21, 0), day(2027, 2, 22, 0), []string{"leapling 2027-02-28"}},
		{"a week of downtime catches up", day(2026, 11, 20, 0), day(2026, 11, 27, 0),
			[]string{"birthday 2026-12-01", "anniversary 2026-11-30"}},
	}
	for _, tc := range cases {
		got := kinds(DateReminders(c, cst, tc.from, tc.to))
		if len(got) != len(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
	}
	if DateReminders(&Customer{Preferences: c.Preferences}, cst, day(2026, 11, 24, 0), day(2026, 11, 25, 0)) != nil {
		t.Error("a client with nobody to remind produced reminders")
	}
}
