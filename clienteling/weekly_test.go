package clienteling_test

import (
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
)

func TestShiftValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		shift     clienteling.Shift
		wantField string
	}{
		{"OK", clienteling.Shift{Day: "mon", Open: "10:00", Close: "22:00"}, ""},
		{"ErrCloseBeforeOpen", clienteling.Shift{Day: "mon", Open: "22:00", Close: "10:00"}, "close"},
		{"ErrOneDigitHour", clienteling.Shift{Day: "mon", Open: "9:00", Close: "22:00"}, "open"},
		{"ErrDay", clienteling.Shift{Day: "monday", Open: "10:00", Close: "22:00"}, "day"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clienteling.ErrorField(clienteling.Validate(&tt.shift)); got != tt.wantField {
				t.Fatalf("got field %q, want %q", got, tt.wantField)
			}
		})
	}
}

func TestWeeklyCovers(t *testing.T) {
	t.Parallel()
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	w := clienteling.Weekly{{Day: "mon", Open: "10:00", Close: "22:00"}}
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, shanghai)
	tests := []struct {
		at   time.Time
		want bool
	}{
		{monday.Add(9*time.Hour + 59*time.Minute), false},
		{monday.Add(10 * time.Hour), true},
		{monday.Add(21*time.Hour + 59*time.Minute), true},
		{monday.Add(22 * time.Hour), false},
		{monday.Add(24 * time.Hour), false},
		{monday.Add(12 * time.Hour).UTC(), true}, // read in the boutique's zone
	}
	for _, tt := range tests {
		if got := w.Covers(tt.at, shanghai); got != tt.want {
			t.Errorf("Covers(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}
