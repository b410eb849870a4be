package clienteling

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
		data := TransferFailed{Customer: r.Customer.ID, To: takeover, Reason: reason, Source: "wecom"}
		if r.Message != nil {
			data.Message = r.Message.ID
		}
		events = append(events, Event{Type: EventTransferFailed, Subject: EventSubject(EventTransferFailed), Data: data})
		if validUserID(takeover) {
			events = append(events, Event{Type: EventTransferFailed, Subject: AssociateSubject(takeover), Data: data})
		}
		if r.Customer.Boutique != "" {
			events = append(events, Event{Type: EventTransferFailed, Subject: BoutiqueSubject(r.Customer.Boutique), Data: data})
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
