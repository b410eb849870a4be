package clienteling

import (
	"context"
	"time"
)

// Conversation states.
const (
	ConversationWaiting  = "waiting"  // the client wrote and the brand owes an answer
	ConversationAnswered = "answered" // the brand answered last
)

// Timer stages of a waiting conversation.
const (
	StageRemind   = "remind"   // the reply is due: remind whoever must answer
	StageEscalate = "escalate" // twice the time: tell the boutique's managers
)

// maxRoutingHistory bounds the decisions kept on a conversation: the
// latest tell the story; the messages keep the rest.
const maxRoutingHistory = 20

// Conversation is where a client's exchange with the brand stands.
type Conversation struct {
	Customer CustomerID `json:"customer"`
	State    string     `json:"state"`
	Tier     string     `json:"tier,omitempty"`
	// Assignee must answer while waiting; after an answer, who handled it
	// last (who may still follow up).
	Assignee AssociateID `json:"assignee,omitempty"`
	Boutique BoutiqueID  `json:"boutique,omitempty"`
	Queue    bool        `json:"queue"`
	// WaitingSince is when the client's first unanswered message arrived.
	WaitingSince time.Time `json:"waiting_since,omitzero"`
	Due          time.Time `json:"due,omitzero"`
	EscalateAt   time.Time `json:"escalate_at,omitzero"`
	Reminded     bool      `json:"reminded"`
	Escalated    bool      `json:"escalated"`
	AnsweredAt   time.Time `json:"answered_at,omitzero"`
	// AnsweredBy is the associate whose reply ended the wait.
	AnsweredBy AssociateID `json:"answered_by,omitempty"`
	// Routing holds the latest decisions, oldest first.
	Routing []RoutingDecision `json:"routing,omitempty"`
}

// Waiting reports whether the brand owes the client an answer.
func (c *Conversation) Waiting() bool { return c != nil && c.State == ConversationWaiting }

// NextTimer returns the conversation's pending timer: when and which stage;
// zero when none (answered, or escalated already).
func (c *Conversation) NextTimer() (time.Time, string) {
	switch {
	case !c.Waiting() || c.Escalated:
		return time.Time{}, ""
	case !c.Reminded:
		return c.Due, StageRemind
	}
	return c.EscalateAt, StageEscalate
}

func (c *Conversation) record(d RoutingDecision) {
	c.Assignee, c.Boutique, c.Queue = d.Assignee, d.Boutique, d.Queue
	c.Routing = append(c.Routing, d)
	if n := len(c.Routing); n > maxRoutingHistory {
		c.Routing = append([]RoutingDecision(nil), c.Routing[n-maxRoutingHistory:]...)
	}
}

// Desk holds the rules of who answers and how soon. Its methods decide,
// the store writes what they decide inside one transaction; they do no I/O.
type Desk struct {
	SLA SLA
	// DefaultBoutique receives clients who belong to no boutique; empty
	// means the first boutique by id.
	DefaultBoutique BoutiqueID
}

// NewDesk returns a desk with the default SLA.
func NewDesk() *Desk { return &Desk{SLA: DefaultSLA()} }

// Open starts the wait when client c writes and the brand owes no answer
// yet: routes it, sets the clock, and returns what to announce. conv is the
// client's conversation (nil for a first one); it is returned changed.
func (d *Desk) Open(conv *Conversation, c *Customer, in RouteInput) (*Conversation, []Event) {
	if conv == nil {
		conv = &Conversation{Customer: c.ID}
	}
	dec := Route(in)
	conv.State, conv.Tier = ConversationWaiting, c.Tier
	conv.WaitingSince, conv.Reminded, conv.Escalated = in.Now, false, false
	conv.AnsweredAt, conv.AnsweredBy = time.Time{}, ""
	conv.Due, conv.EscalateAt = d.SLA.Clock(c.Tier, in.Now, in.Boutique)
	conv.record(dec)
	return conv, routedEvents(conv, dec)
}

// routedEvents tells the boutique of a queued conversation and the chosen
// associate of an offer. A client's own advisor on duty is told by the
// message notification itself.
func routedEvents(conv *Conversation, dec RoutingDecision) []Event {
	if !dec.Queue && dec.Reason != RouteManagerAssigned {
		return nil
	}
	data := ConversationRouted{Customer: conv.Customer, Reason: dec.Reason, Assignee: dec.Assignee, Due: rfc3339(conv.Due)}
	var events []Event
	if dec.Queue && dec.Boutique != "" {
		events = append(events, Event{Type: EventConversationQueued, Subject: BoutiqueSubject(dec.Boutique), Data: data})
	}
	if dec.Assignee != "" {
		events = append(events, Event{Type: EventConversationAssigned, Subject: AssociateSubject(dec.Assignee), Data: data})
	}
	return events
}

// Answer ends the wait: an associate (or an admin, by "") replied at now.
// It returns the conversation changed and the event, or nil when the
// brand owed nothing. It needs no policy: any reply by staff answers.
func Answer(conv *Conversation, by AssociateID, now time.Time) (*Conversation, []Event) {
	if !conv.Waiting() {
		return conv, nil
	}
	conv.State, conv.AnsweredAt, conv.AnsweredBy = ConversationAnswered, now, by
	if by != "" {
		conv.Assignee = by
	}
	data := ConversationAnswer{Customer: conv.Customer, By: by,
		ResponseSeconds: int64(now.Sub(conv.WaitingSince) / time.Second), Escalated: conv.Escalated}
	return conv, []Event{{Type: EventConversationAnswered, Subject: EventSubject(EventConversationAnswered), Data: data}}
}

// Assign hands a waiting or answered conversation to associate a, chosen
// by manager by (empty for an admin).
func (d *Desk) Assign(conv *Conversation, a *Associate, by AssociateID, now time.Time) (*Conversation, []Event) {
	dec := RoutingDecision{At: now, Assignee: a.UserID, Boutique: a.Boutique, Reason: RouteManagerAssigned, By: by}
	conv.record(dec)
	return conv, routedEvents(conv, dec)
}

// Transfer hands a waiting conversation to a client's new advisor, as a
// transfer of their book does; the transfer itself tells them.
func (d *Desk) Transfer(conv *Conversation, to *Associate, now time.Time) *Conversation {
	conv.record(RoutingDecision{At: now, Assignee: to.UserID, Boutique: to.Boutique, Reason: RouteTransferred})
	return conv
}

// Fire runs the timer of stage on conv at now. A reminder goes to whoever
// must answer; if nobody was on duty when the client wrote, the
// conversation is offered now (in is the routing input as it stands). An
// escalation marks the conversation and tells the boutique's managers.
func (d *Desk) Fire(conv *Conversation, stage string, in RouteInput) (*Conversation, []Event) {
	data := func() ConversationOverdue {
		return ConversationOverdue{Customer: conv.Customer, Assignee: conv.Assignee, Boutique: conv.Boutique,
			WaitingSince: rfc3339(conv.WaitingSince), Due: rfc3339(conv.Due)}
	}
	var events []Event
	switch stage {
	case StageRemind:
		conv.Reminded = true
		if conv.Assignee == "" {
			if dec := Route(in); dec.Assignee != "" {
				dec.Reason = RouteReoffered
				conv.record(dec)
				events = append(events, routedEvents(conv, dec)...)
			}
		}
		subject := AssociateSubject(conv.Assignee)
		if conv.Assignee == "" {
			subject = BoutiqueSubject(conv.Boutique)
		}
		events = append(events, Event{Type: EventReplyDue, Subject: subject, Data: data()},
			Event{Type: EventReplyDue, Subject: EventSubject(EventReplyDue), Data: data()})
	case StageEscalate:
		conv.Escalated = true
		events = append(events, Event{Type: EventConversationEscalated, Subject: EventSubject(EventConversationEscalated), Data: data()})
		if conv.Boutique != "" {
			events = append(events, Event{Type: EventConversationEscalated, Subject: BoutiqueSubject(conv.Boutique), Data: data()})
		}
	}
	return conv, events
}

// ConversationFilter selects conversations to list.
type ConversationFilter struct {
	State     string      // "" for any
	Boutique  BoutiqueID  // "" for every boutique
	Assignee  AssociateID // "" for anyone
	Escalated bool        // only escalated ones
	Limit     int
}

// ConversationStore keeps conversations and their timers.
type ConversationStore interface {
	// Conversation returns the client's conversation, ENOTFOUND if they
	// never wrote.
	Conversation(ctx context.Context, id CustomerID) (*Conversation, error)
	// Conversations lists waiting conversations (the only ones indexed)
	// by filter, oldest wait first.
	Conversations(ctx context.Context, f ConversationFilter) ([]*Conversation, error)
	// AssignConversation records the desk's Assign in one transaction with
	// its events. ENOTFOUND for an unknown client or associate.
	AssignConversation(ctx context.Context, id CustomerID, to AssociateID, by AssociateID) (*Conversation, error)
	// FireTimers runs, in one transaction, up to limit timers due at or
	// before now, and returns how many ran and when the next one is due
	// (zero when none).
	FireTimers(ctx context.Context, now time.Time, limit int) (int, time.Time, error)
	// RemindDates writes the important-date reminders (DateReminders) due
	// since the previous call, up to now, once each, and returns how many.
	RemindDates(ctx context.Context, now time.Time) (int, error)
}
