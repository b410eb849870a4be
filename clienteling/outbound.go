package clienteling

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// WeChat's customer-service window for an Official Account: after a
// client's last interaction the brand may send free-form messages for 48
// hours, and at most five of them. Outside it WeChat answers 45015 or 45047;
// refusing before the call tells the associate at once and keeps the
// message out of a queue that could only fail it.
const (
	ServiceWindow         = 48 * time.Hour
	ServiceWindowMessages = 5
)

// MaxReplyRunes bounds a text reply: WeChat's custom-send text limit is
// about 2 048 bytes of UTF-8 in practice, and a clienteling reply is short.
const MaxReplyRunes = 600

// Window is what the store knows, inside the enqueueing transaction, of a
// client's service window on one channel.
type Window struct {
	// LastInbound is the time of the client's last message or event on the
	// channel; zero if they never wrote.
	LastInbound time.Time
	// Sent counts outbound messages since LastInbound that were not failed:
	// queued, sending and sent ones all use a slot of the window.
	Sent int
}

// WindowCheck decides whether one more free-form message fits w at now. It
// runs inside the store's transaction, so it must not do I/O.
type WindowCheck func(w Window, now time.Time) error

// CheckServiceWindow is the WindowCheck of the Official Account: ECONFLICT,
// with the reason, when the client last wrote more than 48 hours ago or five
// messages were already sent since.
func CheckServiceWindow(w Window, now time.Time) error {
	switch {
	case w.LastInbound.IsZero():
		return Errorf(ECONFLICT, "outside the service window: the client has not written on this channel")
	case now.Sub(w.LastInbound) > ServiceWindow:
		return Errorf(ECONFLICT, "outside the service window: the client last wrote more than 48 hours ago")
	case w.Sent >= ServiceWindowMessages:
		return Errorf(ECONFLICT, "outside the service window: %d messages were already sent since the client last wrote", ServiceWindowMessages)
	}
	return nil
}

// OutboundTask is one queued message claimed for delivery.
type OutboundTask struct {
	// Key identifies the queue entry for MarkSent and MarkFailed.
	Key uint64
	// Message is the message as stored, with status sending.
	Message *Message
	// To is the channel identity to deliver to, fixed when it was queued.
	To Identity
}

// OutboundStore keeps the outbound queue. Every step is durable before the
// next begins, so that a crash never sends a message twice.
type OutboundStore interface {
	// Enqueue appends m (outbound, status queued) to its customer's history
	// and adds it to the outbound queue addressed to to, in one transaction
	// in which check sees the client's service window on to.Channel. The
	// check's error aborts the transaction and is returned. ENOTFOUND if the
	// customer does not exist.
	Enqueue(ctx context.Context, m *Message, to Identity, check WindowCheck) error
	// ClaimOutbound marks the oldest queued entry sending, durably, and
	// returns it; nil when the queue is empty. Entries whose message is gone
	// (the client was erased) are dropped.
	ClaimOutbound(ctx context.Context) (*OutboundTask, error)
	// MarkSent records a delivery: the message's status becomes sent with
	// WeChat's msgid (if any), a message.sent event is written, and the
	// entry leaves the queue, in one transaction.
	MarkSent(ctx context.Context, key uint64, wechatID string) error
	// MarkFailed records a final failure with WeChat's errcode (0 when there
	// is none) and the reason, in the message and the client's history,
	// announces it, and removes the entry, in one transaction.
	MarkFailed(ctx context.Context, key uint64, errcode int, reason string) error
	// ReconcileOutbound runs at start, before any claim: entries a previous
	// run left sending are marked failed with ReasonInterrupted. It returns
	// how many.
	ReconcileOutbound(ctx context.Context) (int, error)
}

// ReasonInterrupted is the failure reason of a message whose send was under
// way when the process stopped. WeChat's customer-service send has no
// idempotency key, so Salon cannot ask whether it arrived, and sending it
// again could show it twice: the associate sees it failed and decides.
const ReasonInterrupted = "unknown: interrupted during send"

// SetReplyNotifier sets fn to be called after each reply is queued, so the
// sender starts at once rather than at its next poll. fn must not block.
// Call it before serving.
func (s *Service) SetReplyNotifier(fn func()) { s.afterReply = fn }

// Reply queues a free-form text from the acting associate to a client on
// their Official Account, and returns the stored message (status queued).
// The client's advisor, their boutique's managers and admins may reply;
// others get ENOTFOUND (or EFORBIDDEN for the CRM team, who may see but not
// write). EINVALID for an empty or overlong text; ECONFLICT outside the
// service window, or for a client with no Official Account identity.
func (s *Service) Reply(ctx context.Context, id CustomerID, text string) (*Message, error) {
	c, err := s.FindCustomerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	p := PrincipalFrom(ctx)
	if err := require(ctx, RoleAssociate, RoleManager, RoleAdmin); err != nil {
		return nil, err
	}
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case !utf8.ValidString(text):
		return nil, FieldError("text", "must be UTF-8")
	case n == 0:
		return nil, FieldError("text", "is required")
	case n > MaxReplyRunes:
		return nil, FieldError("text", "must be at most %d characters", MaxReplyRunes)
	}
	var to *Identity
	for i := range c.Identities {
		if c.Identities[i].Channel == ChannelOA {
			to = &c.Identities[i]
			break
		}
	}
	if to == nil {
		return nil, Errorf(ECONFLICT, "the client cannot be reached on the Official Account")
	}
	ob, ok := s.store.(OutboundStore)
	if !ok {
		return nil, Internal("reply", fmt.Errorf("the store keeps no outbound queue"))
	}
	m := &Message{ID: MessageID(NewID()), Customer: c.ID, Direction: DirectionOut, Channel: ChannelOA, Type: TypeText,
		Text: text, Author: AuthorAssociate, Status: StatusQueued, At: s.clock.Now().UTC()}
	if p.Role != RoleAdmin {
		m.Associate = AssociateID(p.Subject)
	}
	if err := ob.Enqueue(ctx, m, *to, CheckServiceWindow); err != nil {
		return nil, err
	}
	if s.afterReply != nil {
		s.afterReply()
	}
	return m, nil
}

// Delivery event types besides EventMessageSent.
const EventMessageFailed = "message.failed"

// AnnounceDelivery is what the store writes when an outbound message's fate
// is known: message.sent or message.failed for integrations (ids and codes,
// no content), and, for a failure, a notice to the associate who wrote it,
// who must decide what to do.
func AnnounceDelivery(m *Message) []Event {
	data := map[string]any{"customer": m.Customer, "message": m.ID, "channel": m.Channel, "type": m.Type, "status": m.Status}
	if m.Status != StatusFailed {
		if m.WeChatID != "" {
			data["wechat_id"] = m.WeChatID
		}
		return []Event{{Type: EventMessageSent, Subject: eventSubject(EventMessageSent), Data: data}}
	}
	data["error_code"], data["error_reason"] = m.ErrorCode, m.ErrorReason
	events := []Event{{Type: EventMessageFailed, Subject: eventSubject(EventMessageFailed), Data: data}}
	if m.Associate != "" {
		events = append(events, Event{Type: EventMessageFailed, Subject: associateSubject(m.Associate), Data: data})
	}
	return events
}
