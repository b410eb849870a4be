package clienteling

import (
	"context"
	"math"
	"slices"
	"time"
)

// ReportStore is what the engagement report reads.
type ReportStore interface {
	// EachMessage calls fn for every message whose time is in [from, to),
	// each client's in time order.
	EachMessage(ctx context.Context, from, to time.Time, fn func(*Message) error) error
	// FindOrders returns the orders f selects, newest first.
	FindOrders(ctx context.Context, f OrderFilter) ([]*Order, error)
}

// MaxReportDays bounds a report's range: a year and a day.
const MaxReportDays = 366

// EngagementFilter selects what an engagement report covers: the days
// From to To, both included, in the boutiques' time zone, optionally one
// boutique or one associate.
type EngagementFilter struct {
	From, To  string // YYYY-MM-DD
	Boutique  BoutiqueID
	Associate AssociateID
}

// EngagementRow is the figures of one associate, one boutique, or all.
//
// A first response is the time from a client's first unanswered message
// to the next message an associate sends them (bot answers do not stop
// the clock); it counts for the associate who answered, in the range the
// answer falls in. Messages in count for the client's advisor (their
// boutique for unassigned clients); messages out for their sender.
type EngagementRow struct {
	Associate          AssociateID `json:"associate,omitempty"`
	Boutique           BoutiqueID  `json:"boutique,omitempty"`
	MessagesIn         int         `json:"messages_in"`
	MessagesOut        int         `json:"messages_out"`
	ClientsWriting     int         `json:"clients_writing"`
	Responses          int         `json:"responses"`
	FirstResponseP50   float64     `json:"first_response_p50_seconds"`
	FirstResponseP90   float64     `json:"first_response_p90_seconds"`
	CardsSent          int         `json:"cards_sent"`
	Orders             int         `json:"orders"`
	OrdersPaid         int         `json:"orders_paid"`
	Revenue            []Money     `json:"revenue"` // of paid orders, one per currency
	responseTimes      []float64
	clientsWritingSeen map[CustomerID]bool
}

// EngagementReport is the engagement report of a range.
type EngagementReport struct {
	From       string          `json:"from"`
	To         string          `json:"to"`
	Timezone   string          `json:"timezone"`
	Associates []EngagementRow `json:"associates"`
	Boutiques  []EngagementRow `json:"boutiques"`
	Total      EngagementRow   `json:"total"`
}

// reportZone is the zone of report dates when no boutique names one.
const reportZone = "Asia/Shanghai"

// Engagement computes the engagement report f selects, by scanning the
// range's messages and orders: managers for their boutique, the CRM team
// and admins for every boutique (a brand-limited token its brand's).
// Associates are refused: the figures compare colleagues. No row holds
// personal data.
func (s *Service) Engagement(ctx context.Context, f EngagementFilter) (*EngagementReport, error) {
	if err := require(ctx, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	p := PrincipalFrom(ctx)
	if p.Role == RoleManager {
		if f.Boutique != "" && f.Boutique != p.Boutique {
			return nil, Errorf(ENOTFOUND, "boutique not found")
		}
		f.Boutique = p.Boutique
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	boutiques, err := s.store.Boutiques(ctx)
	if err != nil {
		return nil, err
	}
	zone := reportZone
	inScope := map[BoutiqueID]bool{}
	for _, b := range boutiques {
		if !sc.hasBoutique(b.ID) || (f.Boutique != "" && b.ID != f.Boutique) {
			continue
		}
		inScope[b.ID] = true
		if b.Timezone != "" && (f.Boutique != "" || zone == reportZone) {
			zone = b.Timezone
		}
	}
	if f.Boutique != "" && !inScope[f.Boutique] {
		return nil, Errorf(ENOTFOUND, "boutique not found")
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, err
	}
	from, to, err := reportRange(f.From, f.To, loc)
	if err != nil {
		return nil, err
	}

	rows := map[AssociateID]*EngagementRow{}
	byBoutique := map[BoutiqueID]*EngagementRow{}
	total := &EngagementRow{clientsWritingSeen: map[CustomerID]bool{}}
	customers := map[CustomerID]*Customer{}
	associates := map[AssociateID]BoutiqueID{}
	boutiqueOf := func(ctx context.Context, a AssociateID) BoutiqueID {
		b, ok := associates[a]
		if !ok {
			if found, err := s.store.FindAssociate(ctx, a); err == nil {
				b = found.Boutique
			}
			associates[a] = b
		}
		return b
	}
	rowsFor := func(a AssociateID, b BoutiqueID) []*EngagementRow {
		if !inScope[b] || (f.Associate != "" && a != f.Associate) {
			return nil
		}
		out := []*EngagementRow{total}
		if a != "" {
			if rows[a] == nil {
				rows[a] = &EngagementRow{Associate: a, Boutique: b, clientsWritingSeen: map[CustomerID]bool{}}
			}
			out = append(out, rows[a])
		}
		if byBoutique[b] == nil {
			byBoutique[b] = &EngagementRow{Boutique: b, clientsWritingSeen: map[CustomerID]bool{}}
		}
		return append(out, byBoutique[b])
	}

	var current CustomerID
	var waitingSince time.Time
	err = s.store.EachMessage(ctx, from, to, func(m *Message) error {
		if m.Customer != current {
			current, waitingSince = m.Customer, time.Time{}
		}
		c, ok := customers[m.Customer]
		if !ok {
			c, _ = s.store.FindCustomerByID(ctx, m.Customer)
			customers[m.Customer] = c
		}
		if c == nil {
			return nil // erased since
		}
		switch {
		case m.Direction == DirectionIn && m.Type != TypeEvent:
			boutique := c.Boutique
			if boutique == "" && c.Advisor != "" {
				boutique = boutiqueOf(ctx, c.Advisor)
			}
			for _, r := range rowsFor(c.Advisor, boutique) {
				r.MessagesIn++
				if !r.clientsWritingSeen[c.ID] {
					r.clientsWritingSeen[c.ID] = true
					r.ClientsWriting++
				}
			}
			if waitingSince.IsZero() {
				waitingSince = m.At
			}
		case m.Direction == DirectionOut && m.Author == AuthorAssociate && m.Associate != "":
			for _, r := range rowsFor(m.Associate, boutiqueOf(ctx, m.Associate)) {
				r.MessagesOut++
				if m.Type == TypeCard {
					r.CardsSent++
				}
				if !waitingSince.IsZero() {
					r.Responses++
					r.responseTimes = append(r.responseTimes, m.At.Sub(waitingSince).Seconds())
				}
			}
			waitingSince = time.Time{}
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	orders, err := s.store.FindOrders(ctx, OrderFilter{From: from, To: to, Boutique: f.Boutique, Associate: f.Associate})
	if err != nil {
		return nil, err
	}
	for _, o := range orders {
		for _, r := range rowsFor(o.Associate, o.Boutique) {
			r.Orders++
			if o.Status == OrderPaid || o.Status == OrderRefunded || !o.PaidAt.IsZero() {
				r.OrdersPaid++
				r.Revenue = addMoney(r.Revenue, o.Amount)
			}
		}
	}

	rep := &EngagementReport{From: f.From, To: f.To, Timezone: zone, Associates: []EngagementRow{}, Boutiques: []EngagementRow{}}
	for _, id := range sortedKeys(rows) {
		rep.Associates = append(rep.Associates, rows[id].finish())
	}
	for _, id := range sortedKeys(byBoutique) {
		rep.Boutiques = append(rep.Boutiques, byBoutique[id].finish())
	}
	rep.Total = total.finish()
	return rep, nil
}

// reportRange parses the days of a report into [from, to) instants in loc.
func reportRange(fromDay, toDay string, loc *time.Location) (time.Time, time.Time, error) {
	from, err := time.ParseInLocation(time.DateOnly, fromDay, loc)
	if err != nil {
		return time.Time{}, time.Time{}, FieldError("from", "must be a date, YYYY-MM-DD")
	}
	to, err := time.ParseInLocation(time.DateOnly, toDay, loc)
	if err != nil {
		return time.Time{}, time.Time{}, FieldError("to", "must be a date, YYYY-MM-DD")
	}
	switch {
	case to.Before(from):
		return time.Time{}, time.Time{}, FieldError("to", "must not be before from")
	case to.Sub(from) >= MaxReportDays*24*time.Hour:
		return time.Time{}, time.Time{}, FieldError("to", "must be at most %d days after from", MaxReportDays-1)
	}
	return from, to.AddDate(0, 0, 1), nil
}

// finish sorts the response times into the percentiles and drops the
// working state.
func (r *EngagementRow) finish() EngagementRow {
	slices.Sort(r.responseTimes)
	r.FirstResponseP50 = percentile(r.responseTimes, 0.5)
	r.FirstResponseP90 = percentile(r.responseTimes, 0.9)
	if r.Revenue == nil {
		r.Revenue = []Money{}
	}
	out := *r
	out.responseTimes, out.clientsWritingSeen = nil, nil
	return out
}

// percentile is the nearest-rank percentile of sorted values; 0 for none.
func percentile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// addMoney adds m to the sum of its currency, never mixing currencies.
func addMoney(sums []Money, m Money) []Money {
	for i := range sums {
		if sums[i].Currency == m.Currency {
			sums[i].Amount += m.Amount
			return sums
		}
	}
	return append(sums, m)
}
