package clienteling

import (
	"strconv"
	"time"
)

// DateReminderLead is how long before an important date the advisor is
// reminded: time to choose and send a gift.
const DateReminderLead = 7 * 24 * time.Hour

// dateReminderHour is the local hour of a reminder: the morning, when the
// advisor plans the day, not midnight.
const dateReminderHour = 9

// DateReminders returns the reminders due in (from, to] for client c, whose
// boutique keeps time in loc: one per important date falling seven days
// after a moment of the window, at 9:00 local. "MM-DD" dates recur every
// year, as do full dates in years before they were recorded (a birthday, a
// wedding); a full date in its recording year or later happens once. Clients with neither advisor
// nor boutique have nobody to remind. It does no I/O.
func DateReminders(c *Customer, loc *time.Location, from, to time.Time) []Event {
	subject := AssociateSubject(c.Advisor)
	switch {
	case c.Advisor != "":
	case c.Boutique != "":
		subject = BoutiqueSubject(c.Boutique)
	default:
		return nil
	}
	var events []Event
	for _, d := range c.Preferences.Dates {
		for _, at := range occurrences(d, loc, from.Add(DateReminderLead), to.Add(DateReminderLead)) {
			data := DateUpcoming{Customer: c.ID, Kind: d.Kind, Date: at.Format("2006-01-02")}
			events = append(events, Event{Type: EventDateUpcoming, Subject: subject, Data: data})
		}
	}
	return events
}

// occurrences returns the moments (9:00 local on the day) of date d in
// (from, to].
func occurrences(d ImportantDate, loc *time.Location, from, to time.Time) []time.Time {
	s, recorded := d.Date, d.At
	if recorded.IsZero() {
		recorded = from
	}
	var month, day, year int
	switch len(s) {
	case 5:
		month, day = atoi(s[0:2]), atoi(s[3:5])
	case 10:
		year, month, day = atoi(s[0:4]), atoi(s[5:7]), atoi(s[8:10])
	default:
		return nil
	}
	if month == 0 || day == 0 {
		return nil
	}
	var out []time.Time
	in := func(t time.Time) {
		if t.After(from) && !t.After(to) {
			out = append(out, t)
		}
	}
	if year >= recorded.In(loc).Year() {
		in(time.Date(year, time.Month(month), day, dateReminderHour, 0, 0, 0, loc))
		return out
	}
	for y := from.In(loc).Year(); y <= to.In(loc).Year(); y++ {
		dd := day
		if month == 2 && day == 29 && !leap(y) {
			dd = 28 // a leap-day birthday is kept on the 28th
		}
		in(time.Date(y, time.Month(month), dd, dateReminderHour, 0, 0, 0, loc))
	}
	return out
}

func leap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}
