package clienteling

import (
	"context"
	"slices"
	"time"
)

// WeChat's customer-service window, the same on the Official Account and
// on 微信客服: after a client's last message the brand may send free-form
// messages for 48 hours, and at most five of them. Outside it WeChat
// answers 45015 or 45047 (95xxx on 微信客服); refusing before the call tells
// the associate at once and keeps the message out of a queue that could
// only fail it.
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
	// queued, sending and sent ones all use a slot of the window. Template
	// messages have their own quota and do not count.
	Sent int
	// Account is the Account of the client's last inbound message: on
	// 微信客服, the open_kfid a reply must leave through.
	Account string
}

// WindowCheck decides whether one more free-form message fits w at now. It
// runs inside the store's transaction, so it must not do I/O.
type WindowCheck func(w Window, now time.Time) error

// CheckServiceWindow is the WindowCheck of the Official Account and of
// 微信客服: ECONFLICT, with the reason, when the client last wrote more than 48 hours ago or five
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
	// Content is what to send; for messages queued as plain text (a
	// transfer's courtesy message) it is built from Message.Text.
	Content *Outgoing
}

// Delivery says where and how a queued message goes.
type Delivery struct {
	// To is the client's identity on the channel to send on.
	To Identity
	// Content is what to send; nil sends Message.Text as a text.
	Content *Outgoing
	// Check, if set, must accept the client's service window on
	// To.Channel; nil for what the window does not govern (templates,
	// welcomes).
	Check WindowCheck
	// Card, if set, is the product card the message carries: it is
	// recorded, and card.sent announced, in the enqueueing transaction.
	Card *Card
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
	// EnqueueDelivery is Enqueue with the content to send. On channel
	// wecom, a message without an Account takes that of the client's last
	// message; ECONFLICT if they never wrote through 微信客服.
	EnqueueDelivery(ctx context.Context, m *Message, d Delivery) error
	// ClaimOutbound marks the oldest queued entry sending, durably, and
	// returns it; nil when the queue is empty. Entries whose message is gone
	// (the client was erased) are dropped.
	ClaimOutbound(ctx context.Context) (*OutboundTask, error)
	// ClaimOutboundBatch claims up to limit entries as ClaimOutbound does,
	// in one transaction, at most one per client and only a client's
	// oldest unfinished entry: a client's next message waits until the
	// previous one is sent or failed, so messages arrive in the order
	// written. An empty slice when nothing is ready.
	ClaimOutboundBatch(ctx context.Context, limit int) ([]*OutboundTask, error)
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

// Reply queues a free-form text from the acting associate to a client;
// see Send.
func (s *Service) Reply(ctx context.Context, id CustomerID, text string) (*Message, error) {
	return s.Send(ctx, id, &Outgoing{Type: TypeText, Text: text})
}

// Send queues o from the acting associate to a client and returns the
// stored message (status queued). The client's advisor, their boutique's
// managers and admins may send; others get ENOTFOUND (or EFORBIDDEN for the
// CRM team, who may see but not write). EINVALID naming the field for bad
// content; ECONFLICT, with the reason, outside the service window (except
// for a template) or when the client cannot be reached on the channel.
func (s *Service) Send(ctx context.Context, id CustomerID, o *Outgoing) (*Message, error) {
	c, err := s.FindCustomerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	p := PrincipalFrom(ctx)
	if err := require(ctx, RoleAssociate, RoleManager, RoleAdmin); err != nil {
		return nil, err
	}
	o.Normalize()
	o.WelcomeCode = ""
	if err := o.Check(); err != nil {
		return nil, err
	}
	channel, err := s.replyChannel(ctx, c, o)
	if err != nil {
		return nil, err
	}
	to := identityOn(c, channel)
	if to == nil {
		return nil, Errorf(ECONFLICT, "the client cannot be reached on channel %s", channel)
	}
	m := &Message{ID: MessageID(NewID()), Customer: c.ID, Direction: DirectionOut, Channel: channel,
		Author: AuthorAssociate, Status: StatusQueued, At: s.clock.Now().UTC()}
	o.Summarize(m)
	if p.Role != RoleAdmin {
		m.Associate = AssociateID(p.Subject)
	}
	d := Delivery{To: *to, Content: o}
	if o.UsesWindow() {
		d.Check = CheckServiceWindow
	}
	return m, s.enqueue(ctx, m, d)
}

// Welcome queues the bot's welcome text for a client who opened a 微信客服
// session through account openKfID; code is the event's welcome_code. The
// window does not govern it: WeCom grants one message per code.
func (s *Service) Welcome(ctx context.Context, id CustomerID, openKfID, code, text string) (*Message, error) {
	c, err := s.FindCustomerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	o := &Outgoing{Type: TypeText, Channel: ChannelWeCom, Text: text, WelcomeCode: code}
	o.Normalize()
	if err := o.Check(); err != nil {
		return nil, err
	}
	switch {
	case code == "" || len(code) > 256:
		return nil, FieldError("welcome_code", "must be 1 to 256 bytes")
	case openKfID == "" || len(openKfID) > 128:
		return nil, FieldError("open_kfid", "must be 1 to 128 bytes")
	}
	to := identityOn(c, ChannelWeCom)
	if to == nil {
		return nil, Errorf(ECONFLICT, "the client cannot be reached on channel %s", ChannelWeCom)
	}
	m := &Message{ID: MessageID(NewID()), Customer: c.ID, Direction: DirectionOut, Channel: ChannelWeCom,
		Author: AuthorBot, Status: StatusQueued, At: s.clock.Now().UTC(), Account: openKfID}
	o.Summarize(m)
	return m, s.enqueue(ctx, m, Delivery{To: *to, Content: o})
}

func (s *Service) enqueue(ctx context.Context, m *Message, d Delivery) error {
	if err := s.store.EnqueueDelivery(ctx, m, d); err != nil {
		return err
	}
	if s.afterReply != nil {
		s.afterReply()
	}
	return nil
}

// replyChannel is o's channel, or else the one the client last wrote on
// among those that carry o's type, or else the Official Account.
func (s *Service) replyChannel(ctx context.Context, c *Customer, o *Outgoing) (string, error) {
	if o.Channel != "" {
		return o.Channel, nil
	}
	if o.Type == TypeTemplate {
		return ChannelOA, nil
	}
	recent, _, err := s.store.Messages(ctx, c.ID, MessagePage{Limit: MaxPageSize})
	if err != nil {
		return "", err
	}
	for _, m := range recent {
		if m.Direction == DirectionIn && slices.Contains(channelTypes[m.Channel], o.Type) && identityOn(c, m.Channel) != nil {
			return m.Channel, nil
		}
	}
	if identityOn(c, ChannelOA) == nil && identityOn(c, ChannelWeCom) != nil && slices.Contains(channelTypes[ChannelWeCom], o.Type) {
		return ChannelWeCom, nil
	}
	if !slices.Contains(channelTypes[ChannelOA], o.Type) {
		return "", FieldError("type", "%s cannot be sent to this client", o.Type)
	}
	return ChannelOA, nil
}

func identityOn(c *Customer, channel string) *Identity {
	for i := range c.Identities {
		if c.Identities[i].Channel == channel {
			return &c.Identities[i]
		}
	}
	return nil
}

// AnnounceDelivery is what the store writes when an outbound message's fate
// is known: message.sent or message.failed for integrations (ids and codes,
// no content), and, for a failure, a notice to the associate who wrote it,
// who must decide what to do.
func AnnounceDelivery(m *Message) []Event {
	if m.Status != StatusFailed {
		data := MessageSent{Customer: m.Customer, Message: m.ID, Channel: m.Channel, Type: m.Type, Status: m.Status, WeChatID: m.WeChatID}
		return []Event{{Type: EventMessageSent, Subject: EventSubject(EventMessageSent), Data: data}}
	}
	data := MessageFailed{Customer: m.Customer, Message: m.ID, Channel: m.Channel, Type: m.Type, Status: m.Status,
		ErrorCode: m.ErrorCode, ErrorReason: m.ErrorReason, Suggestion: Suggestion(m)}
	events := []Event{{Type: EventMessageFailed, Subject: EventSubject(EventMessageFailed), Data: data}}
	if m.Associate != "" {
		events = append(events, Event{Type: EventMessageFailed, Subject: AssociateSubject(m.Associate), Data: data})
	}
	return events
}
