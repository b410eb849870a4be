package clienteling

// EventTransferFailed announces that WeCom did not move a client to their
// new advisor's contacts, although Salon did: the client refused, the new
// advisor has too many contacts, or WeCom refused the call.
const EventTransferFailed = "customer.transfer_failed"

// Reasons a WeCom transfer fails, as WeCom's transfer_fail event gives them.
const (
	TransferRefused       = "customer_refused"      // the client declined the new advisor
	TransferLimitExceeded = "customer_limit_exceed" // the new advisor's contact list is full
)

// AnnounceTransferFailed is what a WeCom transfer_fail event announces,
// besides what announce says of the event as a message: the domain event,
// and notices to takeover (the associate WeCom could not hand the client
// to) and to the managers of the client's boutique, who must decide what
// happens next. reason is WeCom's FailReason.
func AnnounceTransferFailed(announce Announcer, takeover AssociateID, reason string) Announcer {
	return func(r *Receipt) []Event {
		var events []Event
		if announce != nil {
			events = announce(r)
		}
		if r.Customer == nil {
			return events
		}
		data := map[string]any{"customer": r.Customer.ID, "to": takeover, "reason": reason, "source": "wecom"}
		if r.Message != nil {
			data["message"] = r.Message.ID
		}
		events = append(events, Event{Type: EventTransferFailed, Subject: eventSubject(EventTransferFailed), Data: data})
		if validUserID(takeover) {
			events = append(events, Event{Type: EventTransferFailed, Subject: associateSubject(takeover), Data: data})
		}
		if r.Customer.Boutique != "" {
			events = append(events, Event{Type: EventTransferFailed, Subject: boutiqueSubject(r.Customer.Boutique), Data: data})
		}
		return events
	}
}

// validUserID reports whether id can name an associate (and a subject).
func validUserID(id AssociateID) bool {
	return id != "" && Validate(&struct {
		ID AssociateID `validate:"userid"`
	}{id}) == nil
}
