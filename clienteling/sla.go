package clienteling

import (
	"fmt"
	"time"
)

// SLA is how soon the brand owes a client an answer. A reminder goes to
// whoever must answer when it is due, and the boutique's managers are told
// at twice the time.
type SLA struct {
	// Top is the time to answer the top tier inside opening hours.
	Top time.Duration
	// Other is the time to answer everyone else inside opening hours.
	Other time.Duration
	// AfterHours is the time to answer, counted from the next opening, a
	// client who wrote while the boutique was closed.
	AfterHours time.Duration
}

// DefaultSLA is five minutes for the top tier and fifteen for the others,
// inside opening hours; thirty minutes after the next opening outside them.
func DefaultSLA() SLA {
	return SLA{Top: 5 * time.Minute, Other: 15 * time.Minute, AfterHours: 30 * time.Minute}
}

// maxSLA bounds each setting: a reply due in more than a day is a setting
// typed in the wrong unit.
const maxSLA = 24 * time.Hour

// Validate names the first setting out of range.
func (s SLA) Validate() error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"sla_top", s.Top}, {"sla_other", s.Other}, {"sla_after_hours", s.AfterHours}} {
		if f.d < time.Minute || f.d > maxSLA {
			return FieldError(f.name, "must be between 1m and 24h, not %s", f.d)
		}
	}
	return nil
}

// Clock returns, for a client of tier who wrote at since to boutique b,
// when the reply is due and when the conversation escalates. Inside opening
// hours the clock starts at once; outside, at the next opening, with the
// after-hours allowance. Escalation comes at twice the allowance.
func (s SLA) Clock(tier string, since time.Time, b *Boutique) (due, escalate time.Time) {
	allow := s.Other
	if tier == TierTop {
		allow = s.Top
	}
	start := since
	if b != nil && !b.Hours.Covers(since, b.Location()) {
		start, allow = b.Hours.NextOpening(since, b.Location()), s.AfterHours
	}
	return start.Add(allow), start.Add(2 * allow)
}

// NextOpening returns the first opening of w after t; t itself when w is
// empty (always open). Shifts are searched a week ahead, which always finds
// one: a weekly schedule repeats.
func (w Weekly) NextOpening(t time.Time, loc *time.Location) time.Time {
	if len(w) == 0 {
		return t
	}
	local := t.In(loc)
	var best time.Time
	for day := 0; day <= 7; day++ {
		d := local.AddDate(0, 0, day)
		for _, s := range w {
			if s.Day != weekdays[d.Weekday()] {
				continue
			}
			var hh, mm int
			if _, err := fmt.Sscanf(s.Open, "%d:%d", &hh, &mm); err != nil {
				continue
			}
			open := time.Date(d.Year(), d.Month(), d.Day(), hh, mm, 0, 0, loc)
			if open.After(t) && (best.IsZero() || open.Before(best)) {
				best = open
			}
		}
		if !best.IsZero() {
			return best
		}
	}
	return t
}
