package clienteling

import (
	"slices"
	"time"
)

// Routing reasons, recorded with each decision so that a manager can see
// why a conversation went where it did.
const (
	RouteAdvisorOnDuty   = "advisor_on_duty"  // the client's advisor is working: theirs
	RouteAdvisorAway     = "advisor_away"     // the advisor is on leave
	RouteAdvisorOffDuty  = "advisor_off_duty" // outside the advisor's hours
	RouteAdvisorDeparted = "advisor_departed" // the advisor left; the book was not moved yet
	RouteNoAdvisor       = "no_advisor"       // a new or unlinked client
	RouteManagerAssigned = "manager_assigned" // a manager chose
	RouteReoffered       = "reoffered"        // nobody was on duty when it arrived; offered at the reminder
	RouteTransferred     = "transferred"      // the client's book moved to another associate
)

// RoutingDecision is where one conversation was sent, and why.
type RoutingDecision struct {
	At time.Time `json:"at"`
	// Assignee must answer; empty while nobody in the boutique is on duty.
	Assignee AssociateID `json:"assignee,omitempty"`
	Boutique BoutiqueID  `json:"boutique,omitempty"`
	// Queue is set when the conversation waits in the boutique's queue
	// (offered to Assignee) rather than with the client's own advisor.
	Queue  bool   `json:"queue"`
	Reason string `json:"reason"`
	// By is the manager who assigned it by hand.
	By AssociateID `json:"by,omitempty"`
}

// StaffLoad is an associate of the boutique with the number of
// conversations waiting for them.
type StaffLoad struct {
	Associate *Associate
	Open      int
}

// RouteInput is what routing knows when a client writes.
type RouteInput struct {
	Now time.Time
	// Advisor is the client's advisor; nil when they have none or the
	// advisor is unknown.
	Advisor *Associate
	// HadAdvisor is set when the client names an advisor, known or not.
	HadAdvisor bool
	// Boutique is where the client belongs: their advisor's, their own, or
	// the default; nil when there is no boutique at all.
	Boutique *Boutique
	// Staff is the boutique's associates with their waiting conversations.
	Staff []StaffLoad
}

// OnDuty reports whether a may answer at now: active (not away or
// departed) and inside their hours, or the boutique's when they have none.
func OnDuty(a *Associate, b *Boutique, now time.Time) bool {
	if a == nil || (a.Status != StatusActive && a.Status != "") {
		return false
	}
	loc := shanghai
	var hours Weekly
	if b != nil {
		loc, hours = b.Location(), b.Hours
	}
	if len(a.Hours) > 0 {
		hours = a.Hours
	}
	return hours.Covers(now, loc)
}

// Route decides who must answer a client who wrote: their advisor when on
// duty; otherwise the boutique's queue, offered to the on-duty associate
// with the fewest waiting conversations (sales associates before managers,
// then by userid, so that the choice is reproducible). With nobody on duty
// the conversation waits in the queue unassigned. It does no I/O: the store
// runs it inside the receiving transaction.
func Route(in RouteInput) RoutingDecision {
	d := RoutingDecision{At: in.Now}
	if in.Boutique != nil {
		d.Boutique = in.Boutique.ID
	}
	a := in.Advisor
	switch {
	case a != nil && OnDuty(a, in.Boutique, in.Now):
		d.Assignee, d.Reason = a.UserID, RouteAdvisorOnDuty
		return d
	case a == nil && !in.HadAdvisor:
		d.Reason = RouteNoAdvisor
	case a == nil || a.Status == StatusDeparted:
		d.Reason = RouteAdvisorDeparted
	case a.Status == StatusAway:
		d.Reason = RouteAdvisorAway
	default:
		d.Reason = RouteAdvisorOffDuty
	}
	d.Queue = true
	if pick := leastLoaded(in.Staff, in.Boutique, in.Now); pick != nil {
		d.Assignee = pick.UserID
	}
	return d
}

// leastLoaded returns the on-duty associate with the fewest waiting
// conversations, or nil.
func leastLoaded(staff []StaffLoad, b *Boutique, now time.Time) *Associate {
	var onDuty []StaffLoad
	for _, s := range staff {
		if OnDuty(s.Associate, b, now) {
			onDuty = append(onDuty, s)
		}
	}
	if len(onDuty) == 0 {
		return nil
	}
	rank := func(s StaffLoad) int {
		if s.Associate.Role == StaffManager {
			return 1 // managers serve clients too, when no associate can
		}
		return 0
	}
	best := slices.MinFunc(onDuty, func(x, y StaffLoad) int {
		if r := rank(x) - rank(y); r != 0 {
			return r
		}
		if x.Open != y.Open {
			return x.Open - y.Open
		}
		if x.Associate.UserID < y.Associate.UserID {
			return -1
		}
		return 1
	})
	return best.Associate
}

// HandOver sends a waiting conversation whose assignee can no longer
// answer (reason RouteAdvisorAway or RouteAdvisorDeparted) to the
// boutique's queue and offers it at once, as Route does a new message: to
// the on-duty associate with the fewest waiting conversations, or to
// nobody until the reminder. The reply-due clock is kept: the client has
// waited already. in needs Now, Boutique and Staff.
func (d *Desk) HandOver(conv *Conversation, reason string, in RouteInput) (*Conversation, []Event) {
	dec := RoutingDecision{At: in.Now, Queue: true, Reason: reason}
	if in.Boutique != nil {
		dec.Boutique = in.Boutique.ID
	}
	if pick := leastLoaded(in.Staff, in.Boutique, in.Now); pick != nil {
		dec.Assignee = pick.UserID
	}
	conv.record(dec)
	return conv, routedEvents(conv, dec)
}

// HandOverReason is the routing reason for the conversations of an
// associate whose status changed from was to now, or "" when they keep
// them: going away or leaving hands them over; coming back takes nothing
// back.
func HandOverReason(was, now string) string {
	if was == now {
		return ""
	}
	switch now {
	case StatusAway:
		return RouteAdvisorAway
	case StatusDeparted:
		return RouteAdvisorDeparted
	}
	return ""
}
