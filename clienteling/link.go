package clienteling

import "strings"

// AdvisorScenePrefix starts the scene string of an associate's personal
// Official Account QR code: "adv:<userid>".
const AdvisorScenePrefix = "adv:"

// AdvisorFromScene returns the associate a QR scene names, if it is one.
func AdvisorFromScene(scene string) (AssociateID, bool) {
	id, ok := strings.CutPrefix(scene, AdvisorScenePrefix)
	if !ok || id == "" {
		return "", false
	}
	return AssociateID(id), true
}

// Link asks that a client be linked to (or unlinked from) an associate, as
// a QR scan or a WeCom contact event does.
type Link struct {
	Associate AssociateID
	Unlink    bool   // the associate dropped the client (del_follow_user)
	Source    string // "oa_qr", "wecom_contact"
	State     string // WeCom contact-way state: a campaign or boutique tag
}

// LinkOutcome is what DecideLink chose.
type LinkOutcome struct {
	SetAdvisor *Associate // the new advisor, or nil for no change
	Unlinked   bool       // the advisor was removed
	Events     []Event
}

// DecideLink applies the linking rules of the contract to client c:
//   - a link to a known, not departed associate makes them the advisor of a
//     client who has none;
//   - a client who has an advisor keeps them: the scan is recorded and both
//     associates are told, never silently replaced;
//   - an unknown or departed associate changes nothing and is reported;
//   - an unlink by the current advisor removes them.
//
// a is the associate the link names, nil if unknown. It does no I/O: the
// store runs it inside the receiving transaction.
func DecideLink(c *Customer, l *Link, a *Associate) LinkOutcome {
	data := LinkChanged{Customer: c.ID, Associate: l.Associate, Source: l.Source, State: l.State}
	switch {
	case a == nil || a.Status == StatusDeparted:
		ev := Event{Type: EventLinkUnknown, Subject: EventSubject(EventLinkUnknown), Data: data}
		out := LinkOutcome{Events: []Event{ev}}
		if c.Boutique != "" {
			out.Events = append(out.Events, Event{Type: EventLinkUnknown, Subject: BoutiqueSubject(c.Boutique), Data: data})
		}
		return out
	case l.Unlink:
		if c.Advisor != a.UserID {
			return LinkOutcome{}
		}
		return LinkOutcome{Unlinked: true, Events: []Event{
			{Type: EventCustomerUnlinked, Subject: EventSubject(EventCustomerUnlinked), Data: data},
			{Type: EventCustomerUnlinked, Subject: BoutiqueSubject(a.Boutique), Data: data},
		}}
	case c.Advisor == "":
		return LinkOutcome{SetAdvisor: a, Events: []Event{
			{Type: EventCustomerLinked, Subject: EventSubject(EventCustomerLinked), Data: data},
			{Type: EventCustomerLinked, Subject: AssociateSubject(a.UserID), Data: data},
		}}
	case c.Advisor == a.UserID:
		return LinkOutcome{} // a second scan of one's own advisor's code
	}
	scanned := LinkScanned{Customer: c.ID, Advisor: c.Advisor, Scanned: a.UserID, Source: l.Source}
	return LinkOutcome{Events: []Event{
		{Type: EventLinkScanned, Subject: EventSubject(EventLinkScanned), Data: scanned},
		{Type: EventLinkScanned, Subject: AssociateSubject(c.Advisor), Data: scanned},
		{Type: EventLinkScanned, Subject: AssociateSubject(a.UserID), Data: scanned},
	}}
}
