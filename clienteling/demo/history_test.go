package demo

import (
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
)

func TestMoment(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("CST", 8*3600)
	// 01:30 in Shanghai: "yesterday" is still the day before in local time.
	now := time.Date(2026, 5, 19, 17, 30, 0, 0, time.UTC)
	tests := []struct {
		name, when string
		want       time.Time
		err        bool
	}{
		{name: "OKDaysAgo", when: "-1d 20:12", want: time.Date(2026, 5, 19, 20, 12, 0, 0, loc)},
		{name: "OKAcrossMonth", when: "-26d 09:05", want: time.Date(2026, 4, 24, 9, 5, 0, 0, loc)},
		{name: "OKHoursAgo", when: "-3h", want: time.Date(2026, 5, 19, 14, 30, 0, 0, time.UTC)},
		{name: "ErrToday", when: "-0d 10:00", err: true},
		{name: "ErrFuture", when: "3h", err: true},
		{name: "ErrBadClock", when: "-2d 25:00", err: true},
		{name: "ErrNoSign", when: "2d 10:00", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := moment(tt.when, now, loc)
			if (err != nil) != tt.err {
				t.Fatalf("moment(%q) error %v, want error %v", tt.when, err, tt.err)
			}
			if !tt.err && !got.Equal(tt.want) {
				t.Errorf("moment(%q) = %v, want %v", tt.when, got, tt.want)
			}
		})
	}
}

func TestConversations(t *testing.T) {
	t.Parallel()
	cs, err := Customers()
	if err != nil {
		t.Fatal(err)
	}
	clients := map[string]*clienteling.Customer{}
	for i, c := range cs {
		c.ID = clienteling.CustomerID(clienteling.NewID())
		clients[c.Identities[0].ExternalID] = cs[i]
	}
	now := time.Now()
	ms, err := conversations(clients, now)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, m := range ms {
		if err := clienteling.Validate(m); err != nil {
			t.Errorf("message %s: %v", m.DedupeKey, err)
		}
		if keys[m.DedupeKey] {
			t.Errorf("dedupe key %s twice", m.DedupeKey)
		}
		keys[m.DedupeKey] = true
	}
	if len(ms) < 5*len(cs) {
		t.Errorf("got %d messages for %d clients, want at least 5 each", len(ms), len(cs))
	}
}
