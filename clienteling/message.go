package clienteling

import (
	"context"
	"time"
)

// Message directions.
const (
	DirectionIn  = "in"  // from the client
	DirectionOut = "out" // to the client
)

// Message types.
const (
	TypeText        = "text"
	TypeImage       = "image"
	TypeVoice       = "voice"
	TypeVideo       = "video"
	TypeLocation    = "location"
	TypeLink        = "link"
	TypeCard        = "card"
	TypeMiniProgram = "miniprogram"
	TypeEvent       = "event"
	// TypeNews is an Official Account article card: title, description,
	// link and picture.
	TypeNews = "news"
	// TypeTemplate is an Official Account template message, the one kind
	// that reaches a client outside the service window.
	TypeTemplate = "template"
)

// Delivery statuses of outbound messages. Inbound messages are "received".
const (
	StatusReceived = "received"
	StatusQueued   = "queued"
	StatusSending  = "sending"
	StatusSent     = "sent"
	StatusFailed   = "failed"
)

// Authors of a message.
const (
	AuthorClient    = "client"
	AuthorAssociate = "associate"
	AuthorBot       = "bot"
)

// Message is one entry of a client's conversation with the brand.
type Message struct {
	ID          MessageID   `json:"id"`
	Customer    CustomerID  `json:"customer"`
	Direction   string      `json:"direction" validate:"required,oneof=in out"`
	Channel     string      `json:"channel" validate:"required,oneof=oa wecom"`
	Type        string      `json:"type" validate:"required,oneof=text image voice video location link card miniprogram event news template"`
	Text        string      `json:"text,omitempty" validate:"max=65536"` // MaxMessageText
	Media       string      `json:"media,omitempty" validate:"max=1000"`
	WeChatID    string      `json:"wechat_id,omitempty" validate:"max=128"`
	Author      string      `json:"author" validate:"required,oneof=client associate bot"`
	Associate   AssociateID `json:"associate,omitempty"`
	Card        CardID      `json:"card,omitempty"`
	Status      string      `json:"status" validate:"required,oneof=received queued sending sent failed"`
	ErrorCode   int         `json:"error_code,omitempty"`
	ErrorReason string      `json:"error_reason,omitempty"`
	At          time.Time   `json:"at"`
	// Account is the brand's account the message went through where a
	// channel has several: the open_kfid of a 微信客服 conversation. A reply
	// must leave through the account the client wrote to.
	Account string `json:"account,omitempty" validate:"max=128"`
	// SentAt is the send time a channel gave for a received message, in
	// Unix seconds as it gave it, kept only when it was not believed (see
	// OrderReceived): At is then the receipt time. Nil otherwise.
	SentAt *int64 `json:"sent_at,omitempty"`

	// DedupeKey identifies the delivery that brought the message, so that a
	// redelivery is recognised. Not shown to API callers.
	DedupeKey string `json:"-"`
}

// MaxMessageText is the longest text a message keeps, in bytes: a callback
// body is at most 64 KiB, so a client's text always fits whole.
const MaxMessageText = 64 << 10

// Plausible send times. A channel's send time is the sender side's claim:
// a clock far off, or a forged plaintext callback, must not move a message
// out of its place in the history.
var earliestSendTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxSendTimeAhead is how far past its receipt a message's send time may
// be and still order the history: clocks drift, not by days.
const MaxSendTimeAhead = 24 * time.Hour

// OrderReceived sets At, which orders the history, for a message received
// at now. SentAt, if set, is the channel's send time in Unix seconds: At
// becomes that time when it lies between 2000-01-01 and a day past now,
// and SentAt is cleared; otherwise At is now and SentAt stays as the
// channel said. Without SentAt, a zero At becomes now.
func (m *Message) OrderReceived(now time.Time) {
	switch {
	case m.SentAt != nil && *m.SentAt >= earliestSendTime.Unix() && *m.SentAt <= now.Add(MaxSendTimeAhead).Unix():
		m.At, m.SentAt = time.Unix(*m.SentAt, 0), nil
	case m.SentAt != nil || m.At.IsZero():
		m.At = now
	}
	m.At = m.At.UTC()
}

// MessagePage asks for one page of a history, newest first.
type MessagePage struct {
	Limit  int    // 1..MaxPageSize; 0 means DefaultPageSize
	Before string // opaque cursor from a previous page; empty for the newest
}

// Page sizes for history reads.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// MessageStore keeps conversations.
type MessageStore interface {
	// AppendMessage stores m, setting its ID if empty. If m.DedupeKey was seen
	// before, nothing is stored and duplicate is true, with m.ID set to the
	// first delivery's message. ENOTFOUND if the customer does not exist.
	AppendMessage(ctx context.Context, m *Message) (duplicate bool, err error)
	// Messages returns one page of the customer's history, newest first, and
	// the cursor of the next (older) page, empty at the end. EINVALID for a
	// malformed cursor.
	Messages(ctx context.Context, customer CustomerID, p MessagePage) ([]*Message, string, error)
	// FindMessage returns one message or ENOTFOUND.
	FindMessage(ctx context.Context, id MessageID) (*Message, error)
}

// Note is an associate's note on a client.
type Note struct {
	ID        NoteID      `json:"id"`
	Customer  CustomerID  `json:"customer"`
	Author    AssociateID `json:"author"`
	Text      string      `json:"text" validate:"required,max=4000"`
	CreatedAt time.Time   `json:"created_at"`
}
