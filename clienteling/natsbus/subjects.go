package natsbus

import "github.com/salonhq/salon/clienteling"

// Wildcard forms of the contract's subjects, for subscribers and streams.
// Publishers build subjects with the domain's EventSubject,
// AssociateSubject and BoutiqueSubject.
const (
	SubjectAssociateNotify = clienteling.AssociateSubjectRoot + ".*"
	SubjectBoutiqueNotify  = clienteling.BoutiqueSubjectRoot + ".*"
	SubjectNotify          = clienteling.NotifySubjectRoot + ".>"
	SubjectEvents          = clienteling.EventsSubjectRoot + ".>"
)

// EventsStream is the JetStream stream of domain events.
const EventsStream = "SALON_EVENTS"

// NotifyStream captures the notification subjects, so that publishing them
// is acknowledged and deduplicated like events.
const NotifyStream = "SALON_NOTIFY"
