package natsbus

import (
	"fmt"
	"strings"
)

// Subjects of the contract, each as a wildcard (for subscribers) and a
// template (for publishers).
const (
	SubjectAssociateNotify  = "salon.notify.associate.*"
	SubjectAssociateNotifyT = "salon.notify.associate.%s"
	SubjectBoutiqueNotify   = "salon.notify.boutique.*"
	SubjectBoutiqueNotifyT  = "salon.notify.boutique.%s"
	SubjectEvents           = "salon.events.>"
	SubjectEventsT          = "salon.events.%s"
)

// EventsStream is the JetStream stream of domain events.
const EventsStream = "SALON_EVENTS"

// NotifyStream captures the notification subjects, so that publishing them
// is acknowledged and deduplicated like events.
const NotifyStream = "SALON_NOTIFY"

// Token checks that s can stand as one subject token: no separators or
// wildcards, no spaces, not empty.
func Token(s string) error {
	if s == "" || strings.ContainsAny(s, ".*> \t\r\n") {
		return fmt.Errorf("%q cannot be a subject token", s)
	}
	return nil
}

// AssociateSubject is the subject of notifications for one associate.
func AssociateSubject(userid string) (string, error) {
	if err := Token(userid); err != nil {
		return "", err
	}
	return fmt.Sprintf(SubjectAssociateNotifyT, userid), nil
}

// BoutiqueSubject is the subject of notifications for a boutique's managers.
func BoutiqueSubject(boutique string) (string, error) {
	if err := Token(boutique); err != nil {
		return "", err
	}
	return fmt.Sprintf(SubjectBoutiqueNotifyT, boutique), nil
}

// EventSubject is the subject of a domain event type such as
// "message.received" (the type's dots become subject separators).
func EventSubject(eventType string) (string, error) {
	for _, part := range strings.Split(eventType, ".") {
		if err := Token(part); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf(SubjectEventsT, eventType), nil
}
