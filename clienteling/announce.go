package clienteling

import (
	"time"
	"unicode/utf8"
)

// Subjects the domain announces on, as the contract names them. Ids are
// validated to be single subject tokens (no dots, wildcards or spaces).
func associateSubject(id AssociateID) string { return "salon.notify.associate." + string(id) }
func boutiqueSubject(id BoutiqueID) string   { return "salon.notify.boutique." + string(id) }
func eventSubject(eventType string) string   { return "salon.events." + eventType }

// previewRunes bounds the text a notification carries: enough to triage
// from a phone, not a copy of the conversation.
const previewRunes = 80

// AnnounceReceived is the Announcer of an inbound message: a domain event
// for integrations (ids only, no content), and a notification to whoever
// must answer: the associate the conversation is routed to, or, while
// nobody in the boutique is on duty, the boutique's managers. Events
// (follows, scans, clicks) notify no one: nobody need answer them.
func AnnounceReceived(r *Receipt) []Event {
	m, c := r.Message, r.Customer
	data := map[string]any{"customer": c.ID, "message": m.ID, "channel": m.Channel, "type": m.Type}
	events := []Event{{Type: EventMessageReceived, Subject: eventSubject(EventMessageReceived), Data: data}}
	if r.NewCustomer {
		events = append(events, Event{Type: EventCustomerCreated, Subject: eventSubject(EventCustomerCreated),
			Data: map[string]any{"customer": c.ID, "channel": m.Channel}})
	}
	if m.Type == TypeEvent {
		// A follow, a scan, a menu click: recorded, but nobody need answer.
		return events
	}
	notice := map[string]any{"customer": c.ID, "message": m.ID, "type": m.Type, "preview": preview(m.Text)}
	assignee, boutique := c.Advisor, c.Boutique
	if conv := r.Conversation; conv != nil {
		assignee, boutique = conv.Assignee, conv.Boutique
		notice["due"] = conv.Due.UTC().Format(time.RFC3339)
	}
	switch {
	case assignee != "":
		events = append(events, Event{Type: EventMessageReceived, Subject: associateSubject(assignee), Data: notice})
	case boutique != "":
		events = append(events, Event{Type: EventMessageReceived, Subject: boutiqueSubject(boutique), Data: notice})
	}
	return events
}

func preview(s string) string {
	if utf8.RuneCountInString(s) <= previewRunes {
		return s
	}
	r := []rune(s)
	return string(r[:previewRunes]) + "…"
}
