package clienteling

import "context"

// Inbound is what a channel delivered from a client: who (by channel
// identity), what, and the key that recognises a redelivery of it.
type Inbound struct {
	Identity  Identity
	UnionID   UnionID
	Message   Message // Customer, ID and Status are set on receipt
	DedupeKey string  // required: WeChat retries, and a retry must store nothing
	// LegacyDedupeKey, if set, is the key an earlier release stored the
	// same delivery under (WeChat's MsgId without its sender). A delivery
	// known under it is a duplicate only if it was this client's, so that
	// a redelivery straddling an upgrade is still recognised and another
	// client's message with the same MsgId is not.
	LegacyDedupeKey string
	// Link, if set, links or unlinks the client and an associate in the
	// same transaction (a QR scan, a WeCom contact event).
	Link *Link
}

// Receipt says what receiving an Inbound did.
type Receipt struct {
	Customer    *Customer
	Message     *Message
	Duplicate   bool // the delivery was seen before: nothing was written
	NewCustomer bool // the first message of this person on this channel
	// Conversation is the client's conversation after the message: who
	// must answer and by when. Nil for events, which nobody need answer.
	Conversation *Conversation
}

// Announcer decides which events announce a receipt; the store writes them
// with it. It must not do I/O: it runs inside the transaction.
type Announcer func(r *Receipt) []Event

// InboxStore takes in what clients send.
type InboxStore interface {
	// Receive stores an inbound message in one durable transaction: the
	// customer (found by identity, created if new), the message, its dedupe
	// key, and the events announce returns. A known DedupeKey writes nothing
	// and returns the first receipt's customer and message with Duplicate
	// set. EUNAVAILABLE when storage cannot commit.
	Receive(ctx context.Context, in *Inbound, announce Announcer) (*Receipt, error)
}

// OutboxEntry is an event waiting to be relayed, with its encoded payload.
type OutboxEntry struct {
	Key     uint64
	ID      string
	Subject string
	Payload []byte
}

// OutboxStore hands events to the relay.
type OutboxStore interface {
	// PendingEvents returns up to limit events in the order they were
	// committed.
	PendingEvents(ctx context.Context, limit int) ([]OutboxEntry, error)
	// AckEvents removes relayed events.
	AckEvents(ctx context.Context, keys []uint64) error
}

// ProfileTask is a new client whose channel profile (language, unionid) is
// still to be fetched.
type ProfileTask struct {
	Customer CustomerID
	Identity Identity
}

// Profile is what a channel says of a client. Empty fields are unknown.
type Profile struct {
	Language string // a catalog language such as "zh-CN"
	UnionID  UnionID
}

// ProfileStore keeps the profile tasks that Receive creates for new clients.
type ProfileStore interface {
	// PendingProfiles returns up to limit clients waiting for their profile.
	PendingProfiles(ctx context.Context, limit int) ([]ProfileTask, error)
	// ApplyProfile records p and clears the client's task in one
	// transaction. A unionid that belongs to another client means one
	// person: this client's identities and history move to the other, who
	// is returned, with a customer.merged event.
	ApplyProfile(ctx context.Context, id CustomerID, p Profile) (*Customer, error)
	// ApplyProfiles applies each profile, in order, as ApplyProfile does,
	// all in one transaction: a burst of new clients costs one commit.
	ApplyProfiles(ctx context.Context, ps []FetchedProfile) error
}

// FetchedProfile is what the channel said of one client.
type FetchedProfile struct {
	Customer CustomerID
	Profile  Profile
}
