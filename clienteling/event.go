package clienteling

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Event is a change announced to associates and integrations. It is written
// to the outbox in the transaction of the change it announces, and relayed
// to NATS afterwards, so that it is never lost and never announces a change
// that did not happen. Data is one of the payload structs of EventTable.
type Event struct {
	ID      string
	Type    string
	Subject string // NATS subject it goes to
	At      time.Time
	Data    any
}

// EventSchemaVersion is the "v" of every event payload. Adding a field
// keeps it: consumers ignore fields they do not know.
const EventSchemaVersion = 1

// Event types of the contract.
const (
	EventMessageReceived       = "message.received"         // a client wrote, or followed, scanned, clicked
	EventMessageSent           = "message.sent"             // WeChat took an outbound message
	EventMessageFailed         = "message.failed"           // WeChat refused an outbound message for good
	EventCustomerCreated       = "customer.created"         // a person's first message on a channel
	EventCustomerMerged        = "customer.merged"          // two records turned out to be one person
	EventCustomerErased        = "customer.erased"          // a person's data was erased
	EventCustomerLinked        = "customer.linked"          // a client got an advisor
	EventCustomerUnlinked      = "customer.unlinked"        // the advisor dropped the client
	EventLinkScanned           = "customer.scanned"         // a scan that did not change the advisor
	EventLinkUnknown           = "link.unknown_associate"   // a link named nobody Salon knows
	EventCustomerTransferred   = "customer.transferred"     // a client has a new advisor
	EventTransferFailed        = "customer.transfer_failed" // WeCom did not follow a transfer
	EventConversationQueued    = "conversation.queued"      // waits in the boutique's queue
	EventConversationAssigned  = "conversation.assigned"    // offered to or assigned to an associate
	EventConversationAnswered  = "conversation.answered"    // the brand answered
	EventReplyDue              = "reply.due"                // the reply is due
	EventConversationEscalated = "conversation.escalated"   // overdue twice over
	EventDateUpcoming          = "date.upcoming"            // a client's important date is a week away
	EventCardSent              = "card.sent"                // an associate offered a client a product
	EventOrderCreated          = "order.created"            // a client pressed Pay: stock is held
	EventOrderPaid             = "order.paid"               // WeChat Pay confirmed the payment
	EventOrderCancelled        = "order.cancelled"          // unpaid at its expiry: closed, stock back
	EventOrderRefund           = "order.refund"             // a refund was asked or settled
	EventPayRejected           = "pay.rejected"             // a payment notification did not match its order
	EventCardOpened            = "card.opened"              // the client first opened a card's page
)

// SubjectKind says who an event is for, and so which subject carries it.
type SubjectKind string

// Subject kinds of the contract.
const (
	ToIntegrations SubjectKind = "events"    // salon.events.<type>, on the stream SALON_EVENTS
	ToAssociate    SubjectKind = "associate" // salon.notify.associate.<userid>
	ToBoutique     SubjectKind = "boutique"  // salon.notify.boutique.<boutique>: its managers
)

// Subject roots of the contract; each subject is a root and one more part
// (an event type's dots make it several tokens).
const (
	EventsSubjectRoot    = "salon.events"
	NotifySubjectRoot    = "salon.notify"
	AssociateSubjectRoot = NotifySubjectRoot + ".associate"
	BoutiqueSubjectRoot  = NotifySubjectRoot + ".boutique"
)

// EventSubject is the subject of a domain event for integrations.
func EventSubject(eventType string) string { return EventsSubjectRoot + "." + eventType }

// AssociateSubject is the subject of notifications for one associate. Ids
// are validated as userids, so they are single subject tokens.
func AssociateSubject(id AssociateID) string { return AssociateSubjectRoot + "." + string(id) }

// BoutiqueSubject is the subject of notifications for a boutique's managers.
func BoutiqueSubject(id BoutiqueID) string { return BoutiqueSubjectRoot + "." + string(id) }

// SubjectOf returns the kind of subject s and the token after its root
// (the event type, the userid or the boutique); ok is false for a subject
// outside the contract.
func SubjectOf(s string) (kind SubjectKind, rest string, ok bool) {
	for _, r := range []struct {
		root string
		kind SubjectKind
	}{{EventsSubjectRoot, ToIntegrations}, {AssociateSubjectRoot, ToAssociate}, {BoutiqueSubjectRoot, ToBoutique}} {
		if rest, ok := strings.CutPrefix(s, r.root+"."); ok && rest != "" {
			return r.kind, rest, true
		}
	}
	return "", "", false
}

// CheckSubjectToken reports whether s can stand as one subject token: no
// separators or wildcards, no spaces, not empty.
func CheckSubjectToken(s string) error {
	if s == "" || strings.ContainsAny(s, ".*> \t\r\n") {
		return fmt.Errorf("%q cannot be a subject token", s)
	}
	return nil
}

// Payloads: the "data" of each event. Times are RFC 3339 strings, to the
// second, as a phone shows them.

// MessageReceived tells integrations that a client's message was stored:
// ids only, no content.
type MessageReceived struct {
	Customer CustomerID `json:"customer"`
	Message  MessageID  `json:"message"`
	Channel  string     `json:"channel"`
	Type     string     `json:"type"`
}

// MessageNotice tells whoever must answer that a client wrote.
type MessageNotice struct {
	Customer CustomerID `json:"customer"`
	Message  MessageID  `json:"message"`
	Type     string     `json:"type"`
	Preview  string     `json:"preview"`       // the first words, for triage from a phone
	Due      string     `json:"due,omitempty"` // when the reply is due, if a conversation waits
}

// CustomerCreated tells integrations of a new client.
type CustomerCreated struct {
	Customer CustomerID `json:"customer"`
	Channel  string     `json:"channel"`
}

// MessageSent tells integrations that WeChat took an outbound message.
type MessageSent struct {
	Customer CustomerID `json:"customer"`
	Message  MessageID  `json:"message"`
	Channel  string     `json:"channel"`
	Type     string     `json:"type"`
	Status   string     `json:"status"`
	WeChatID string     `json:"wechat_id,omitempty"`
}

// MessageFailed tells integrations, and the associate who wrote it, that an
// outbound message will not be delivered.
type MessageFailed struct {
	Customer    CustomerID `json:"customer"`
	Message     MessageID  `json:"message"`
	Channel     string     `json:"channel"`
	Type        string     `json:"type"`
	Status      string     `json:"status"`
	ErrorCode   int        `json:"error_code"`
	ErrorReason string     `json:"error_reason"`
	Suggestion  string     `json:"suggestion,omitempty"`
}

// CustomerMerged tells integrations that Merged is now Customer.
type CustomerMerged struct {
	Customer CustomerID `json:"customer"`
	Merged   CustomerID `json:"merged"`
}

// CustomerErased tells integrations to erase what they hold of Customer.
type CustomerErased struct {
	Customer CustomerID `json:"customer"`
}

// LinkChanged is a link decision: linked, unlinked, or naming an unknown
// associate.
type LinkChanged struct {
	Customer  CustomerID  `json:"customer"`
	Associate AssociateID `json:"associate"`
	Source    string      `json:"source"`
	State     string      `json:"state"`
}

// LinkScanned is a client with an advisor scanning another's code.
type LinkScanned struct {
	Customer CustomerID  `json:"customer"`
	Advisor  AssociateID `json:"advisor"`
	Scanned  AssociateID `json:"scanned"`
	Source   string      `json:"source"`
}

// CustomerTransferred is one client's move to a new advisor, and whether
// the client was told.
type CustomerTransferred struct {
	Customer      CustomerID  `json:"customer"`
	From          AssociateID `json:"from"`
	To            AssociateID `json:"to"`
	Boutique      BoutiqueID  `json:"boutique"`
	Reason        string      `json:"reason"`
	Told          bool        `json:"told"`
	NotToldReason string      `json:"not_told_reason,omitempty"`
	Message       MessageID   `json:"message,omitempty"` // the courtesy message, when told
}

// TransferNotice sums up one transfer for the new and previous advisors.
type TransferNotice struct {
	From      AssociateID  `json:"from"`
	To        AssociateID  `json:"to"`
	Count     int          `json:"count"`
	Customers []CustomerID `json:"customers"` // the first ones only
	Reason    string       `json:"reason"`
}

// TransferFailed is a transfer WeCom did not follow. Source says who saw
// it: "wecom" (WeCom's transfer_fail callback: Customer, Reason, Message)
// or "transfer_customer" (WeCom's answer to the call: From, Boutique,
// Errcode, Count, Customers, and Customer when there is one).
type TransferFailed struct {
	Customer  CustomerID   `json:"customer,omitempty"`
	From      AssociateID  `json:"from,omitempty"`
	To        AssociateID  `json:"to"`
	Boutique  BoutiqueID   `json:"boutique,omitempty"`
	Reason    string       `json:"reason,omitempty"`
	Errcode   int          `json:"errcode,omitempty"`
	Count     int          `json:"count,omitempty"`
	Customers []CustomerID `json:"customers,omitempty"`
	Message   MessageID    `json:"message,omitempty"`
	Source    string       `json:"source"`
}

// ConversationRouted is a conversation queued at a boutique or offered to
// an associate.
type ConversationRouted struct {
	Customer CustomerID  `json:"customer"`
	Reason   string      `json:"reason"`
	Assignee AssociateID `json:"assignee"`
	Due      string      `json:"due"`
}

// ConversationAnswer is the end of a wait.
type ConversationAnswer struct {
	Customer        CustomerID  `json:"customer"`
	By              AssociateID `json:"by"`
	ResponseSeconds int64       `json:"response_seconds"`
	Escalated       bool        `json:"escalated"`
}

// ConversationOverdue is a reply due, or overdue twice over.
type ConversationOverdue struct {
	Customer     CustomerID  `json:"customer"`
	Assignee     AssociateID `json:"assignee"`
	Boutique     BoutiqueID  `json:"boutique"`
	WaitingSince string      `json:"waiting_since"`
	Due          string      `json:"due"`
}

// DateUpcoming reminds an advisor of a client's important date.
type DateUpcoming struct {
	Customer CustomerID `json:"customer"`
	Kind     string     `json:"kind"`
	Date     string     `json:"date"` // YYYY-MM-DD
}

// CardSent tells integrations that a product card was queued for a
// client: who offered what, at which price, until when.
type CardSent struct {
	Card      CardID      `json:"card"`
	Customer  CustomerID  `json:"customer"`
	Associate AssociateID `json:"associate"`
	Boutique  BoutiqueID  `json:"boutique"`
	SKU       SKU         `json:"sku"`
	Message   MessageID   `json:"message"`
	Channel   string      `json:"channel"`
	Amount    int64       `json:"amount"`
	Currency  string      `json:"currency"`
	ExpiresAt string      `json:"expires_at"`
}

// OrderChanged is an order's step: created, paid, cancelled, or a
// refund's. Refund and RefundStatus are set for order.refund.
type OrderChanged struct {
	Order        OrderID     `json:"order"`
	Customer     CustomerID  `json:"customer"`
	Associate    AssociateID `json:"associate"`
	Boutique     BoutiqueID  `json:"boutique"`
	Status       string      `json:"status"`
	Amount       int64       `json:"amount"`
	Currency     string      `json:"currency"`
	Refund       string      `json:"refund,omitempty"`
	RefundStatus string      `json:"refund_status,omitempty"`
	RefundAmount int64       `json:"refund_amount,omitempty"`
}

// PayRejected tells a boutique's managers that a payment notification for
// one of its orders was refused: money may have moved that the order does
// not show.
type PayRejected struct {
	Order  OrderID `json:"order"`
	Reason string  `json:"reason"`
}

// CardOpened tells integrations and the advisor that a client opened a
// card's page for the first time.
type CardOpened struct {
	Card      CardID      `json:"card"`
	Customer  CustomerID  `json:"customer"`
	Associate AssociateID `json:"associate"`
	Boutique  BoutiqueID  `json:"boutique"`
	SKU       SKU         `json:"sku"`
	OpenedAt  string      `json:"opened_at"`
}

// EventSpec is one row of the event contract: an event type, the subjects
// it goes to, the payload it carries there, and which of the payload's
// fields are personal data (identify or describe a client).
type EventSpec struct {
	Type     string
	Subjects []SubjectKind
	Payload  any // a zero payload struct
	Personal []string
}

// EventTable is the event contract: every event Salon publishes. One type
// may carry a different payload to associates than to integrations. The
// events documentation is checked against it.
var EventTable = []EventSpec{
	{EventMessageReceived, []SubjectKind{ToIntegrations}, MessageReceived{}, []string{"customer"}},
	{EventMessageReceived, []SubjectKind{ToAssociate, ToBoutique}, MessageNotice{}, []string{"customer", "preview"}},
	{EventMessageSent, []SubjectKind{ToIntegrations}, MessageSent{}, []string{"customer"}},
	{EventMessageFailed, []SubjectKind{ToIntegrations, ToAssociate}, MessageFailed{}, []string{"customer"}},
	{EventCustomerCreated, []SubjectKind{ToIntegrations}, CustomerCreated{}, []string{"customer"}},
	{EventCustomerMerged, []SubjectKind{ToIntegrations}, CustomerMerged{}, []string{"customer", "merged"}},
	{EventCustomerErased, []SubjectKind{ToIntegrations}, CustomerErased{}, []string{"customer"}},
	{EventCustomerLinked, []SubjectKind{ToIntegrations, ToAssociate}, LinkChanged{}, []string{"customer"}},
	{EventCustomerUnlinked, []SubjectKind{ToIntegrations, ToBoutique}, LinkChanged{}, []string{"customer"}},
	{EventLinkScanned, []SubjectKind{ToIntegrations, ToAssociate}, LinkScanned{}, []string{"customer"}},
	{EventLinkUnknown, []SubjectKind{ToIntegrations, ToBoutique}, LinkChanged{}, []string{"customer"}},
	{EventCustomerTransferred, []SubjectKind{ToIntegrations}, CustomerTransferred{}, []string{"customer"}},
	{EventCustomerTransferred, []SubjectKind{ToAssociate}, TransferNotice{}, []string{"customers"}},
	{EventTransferFailed, []SubjectKind{ToIntegrations, ToAssociate, ToBoutique}, TransferFailed{}, []string{"customer", "customers"}},
	{EventConversationQueued, []SubjectKind{ToBoutique}, ConversationRouted{}, []string{"customer"}},
	{EventConversationAssigned, []SubjectKind{ToAssociate}, ConversationRouted{}, []string{"customer"}},
	{EventConversationAnswered, []SubjectKind{ToIntegrations}, ConversationAnswer{}, []string{"customer"}},
	{EventReplyDue, []SubjectKind{ToIntegrations, ToAssociate, ToBoutique}, ConversationOverdue{}, []string{"customer"}},
	{EventConversationEscalated, []SubjectKind{ToIntegrations, ToBoutique}, ConversationOverdue{}, []string{"customer"}},
	{EventDateUpcoming, []SubjectKind{ToAssociate, ToBoutique}, DateUpcoming{}, []string{"customer", "kind", "date"}},
	{EventCardSent, []SubjectKind{ToIntegrations}, CardSent{}, []string{"customer"}},
	{EventOrderCreated, []SubjectKind{ToIntegrations}, OrderChanged{}, []string{"customer"}},
	{EventOrderPaid, []SubjectKind{ToIntegrations, ToAssociate}, OrderChanged{}, []string{"customer"}},
	{EventOrderCancelled, []SubjectKind{ToIntegrations}, OrderChanged{}, []string{"customer"}},
	{EventOrderRefund, []SubjectKind{ToIntegrations, ToAssociate}, OrderChanged{}, []string{"customer"}},
	{EventPayRejected, []SubjectKind{ToBoutique}, PayRejected{}, nil},
	{EventCardOpened, []SubjectKind{ToIntegrations, ToAssociate}, CardOpened{}, []string{"customer"}},
}

// EventSpecFor returns the row of the contract for an event of eventType on
// a subject of kind; ok is false for an event this version does not know.
func EventSpecFor(eventType string, kind SubjectKind) (EventSpec, bool) {
	for _, s := range EventTable {
		if s.Type == eventType {
			for _, k := range s.Subjects {
				if k == kind {
					return s, true
				}
			}
		}
	}
	return EventSpec{}, false
}

// envelope is an event as JSON on NATS: the contract asks for v, id, type
// and at; data is the payload.
type envelope struct {
	V    int             `json:"v"`
	ID   string          `json:"id"`
	Type string          `json:"type"`
	At   time.Time       `json:"at"` // RFC 3339 with nanoseconds
	Data json.RawMessage `json:"data,omitempty"`
}

// EncodeEvent returns e as published: the envelope with e.Data as "data".
func EncodeEvent(e Event) ([]byte, error) {
	var data json.RawMessage
	if e.Data != nil {
		var err error
		if data, err = json.Marshal(e.Data); err != nil {
			return nil, fmt.Errorf("encode %s event: %w", e.Type, err)
		}
	}
	return json.Marshal(envelope{V: EventSchemaVersion, ID: e.ID, Type: e.Type, At: e.At.UTC(), Data: data})
}

// DecodeEvent reads an event published on subject. Data is the payload
// struct the contract names for its type and subject, as a value; it is nil
// for an event type this version does not know, which a consumer may skip.
// Fields the payload does not know are ignored: a newer producer may add
// them. A payload that is not an event object is an error.
func DecodeEvent(subject string, payload []byte) (Event, error) {
	var env envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		return Event{}, fmt.Errorf("decode event: %w", err)
	}
	e := Event{ID: env.ID, Type: env.Type, Subject: subject, At: env.At}
	kind, _, ok := SubjectOf(subject)
	if !ok {
		return e, fmt.Errorf("decode event: %q is not a subject of the contract", subject)
	}
	spec, ok := EventSpecFor(env.Type, kind)
	if !ok || len(env.Data) == 0 {
		return e, nil
	}
	data := reflect.New(reflect.TypeOf(spec.Payload))
	if err := json.Unmarshal(env.Data, data.Interface()); err != nil {
		return e, fmt.Errorf("decode %s event: %w", env.Type, err)
	}
	e.Data = data.Elem().Interface()
	return e, nil
}

// rfc3339 is a time as payloads carry it: UTC, to the second.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
