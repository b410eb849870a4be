package clienteling

import "unicode/utf8"

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
	data := MessageReceived{Customer: c.ID, Message: m.ID, Channel: m.Channel, Type: m.Type}
	events := []Event{{Type: EventMessageReceived, Subject: EventSubject(EventMessageReceived), Data: data}}
	if r.NewCustomer {
		events = append(events, Event{Type: EventCustomerCreated, Subject: EventSubject(EventCustomerCreated),
			Data: CustomerCreated{Customer: c.ID, Channel: m.Channel}})
	}
	if m.Type == TypeEvent {
		// A follow, a scan, a menu click: recorded, but nobody need answer.
		return events
	}
	notice := MessageNotice{Customer: c.ID, Message: m.ID, Type: m.Type, Preview: preview(m.Text)}
	assignee, boutique := c.Advisor, c.Boutique
	if conv := r.Conversation; conv != nil {
		assignee, boutique = conv.Assignee, conv.Boutique
		notice.Due = rfc3339(conv.Due)
	}
	switch {
	case assignee != "":
		events = append(events, Event{Type: EventMessageReceived, Subject: AssociateSubject(assignee), Data: notice})
	case boutique != "":
		events = append(events, Event{Type: EventMessageReceived, Subject: BoutiqueSubject(boutique), Data: notice})
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
