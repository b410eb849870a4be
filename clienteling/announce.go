package clienteling

import "unicode/utf8"

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
// must answer: the client's advisor, or else their boutique's managers.
// Events (follows, scans, clicks) notify no one: nobody need answer them.
// Clients with neither are announced by the event alone until routing
// assigns them.
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
	switch {
	case c.Advisor != "":
		events = append(events, Event{Type: EventMessageReceived, Subject: associateSubject(c.Advisor), Data: notice})
	case c.Boutique != "":
		events = append(events, Event{Type: EventMessageReceived, Subject: boutiqueSubject(c.Boutique), Data: notice})
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
