package wecom

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/salonhq/salon/clienteling"
)

// MemberLimit is how many app messages WeCom delivers to one member a
// minute; it accepts more with errcode 0 and silently drops them.
const MemberLimit = 30

// sendPath is WeCom's app message API.
const sendPath = "/cgi-bin/message/send"

// sendOp is sendPath as wxclient names the operation in its errors.
const sendOp = "cgi-bin/message/send"

// NotifierOptions configure a Notifier.
type NotifierOptions struct {
	// Durable is the consumer of the associates' notifications: stream
	// SALON_NOTIFY, subject "salon.notify.associate.*". The last token of
	// a message's subject is the associate's WeCom userid.
	Durable Durable
	// AgentID is the self-built app's agent id, a number.
	AgentID string
	// Console returns the base URL of the web console the cards link to;
	// asked at each send, since the listener may bind after the start.
	Console func() string
	// Clock paces the per-member limit; nil is the real clock.
	Clock clienteling.Timer
	// PerMinute is the per-member limit; zero means MemberLimit.
	PerMinute int
	// MaxBackoff caps the wait between tries while WeCom is unreachable;
	// zero means 30 s.
	MaxBackoff time.Duration
	Log        *slog.Logger
	Registerer prometheus.Registerer
}

// Notifier delivers associates' notifications as WeCom app textcards. Up
// to PerMinute a minute go to a member one by one; beyond that they wait,
// and when the member's minute frees a slot they go as one digest. A
// notification is acknowledged to JetStream only once WeCom accepted its
// card or the digest that covers it.
type Notifier struct {
	js    jetstream.JetStream
	app   Poster
	agent int64
	opts  NotifierOptions
	clock clienteling.Timer
	log   *slog.Logger

	cards   *prometheus.CounterVec
	notices *prometheus.CounterVec

	cons    jetstream.Consumer
	stop    <-chan struct{} // Run's ctx.Done()
	in      chan jetstream.Msg
	intake  jetstream.MessagesContext
	members map[string]*member
	handled *recentIDs // ids sent or given up, for redeliveries

	pulled chan struct{} // closed when pull returns

	mu      sync.Mutex
	unacked map[string]jetstream.Msg // by notice id: kept alive until acknowledged
	waiting map[string]int           // by userid: notices held for a slot
}

// member is one associate's minute: when their last cards went, and what
// waits for a slot.
type member struct {
	userid string
	sent   []time.Time // accepted cards, oldest first, within the last minute
	held   []*heldNotice
}

type heldNotice struct {
	notice
	msg jetstream.Msg
}

// NewNotifier returns a Notifier reading js and sending through app (the
// app secret's token provider). It opens the durable consumer (creating
// it on first use), so that every notification published after it returns
// is delivered once Run runs.
func NewNotifier(ctx context.Context, js jetstream.JetStream, app Poster, opts NotifierOptions) (*Notifier, error) {
	agent, err := strconv.ParseInt(strings.TrimSpace(opts.AgentID), 10, 64)
	if err != nil || agent <= 0 {
		return nil, fmt.Errorf("wecom: agent id must be the app's number, got %q", opts.AgentID)
	}
	if opts.PerMinute <= 0 {
		opts.PerMinute = MemberLimit
	}
	if opts.Clock == nil {
		opts.Clock = clienteling.SystemTimer{}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Console == nil {
		opts.Console = func() string { return "" }
	}
	n := &Notifier{js: js, app: app, agent: agent, opts: opts, clock: opts.Clock, log: opts.Log,
		cards: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salon_wecom_app_cards_total", Help: "WeCom app cards sent to associates, by kind (notice, digest) and outcome (sent, refused).",
		}, []string{"kind", "outcome"}),
		notices: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salon_wecom_notices_total", Help: "Associate notifications handled for WeCom, by outcome (sent, digested, refused, duplicate).",
		}, []string{"outcome"}),
		members: map[string]*member{},
		handled: newRecentIDs(8192),
		unacked: map[string]jetstream.Msg{},
		waiting: map[string]int{},
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(n.cards); err != nil {
			return nil, err
		}
		if err := opts.Registerer.Register(n.notices); err != nil {
			return nil, err
		}
	}
	n.cons, err = opts.Durable.open(ctx, js, "Salon: associates' notifications as WeCom app messages")
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Run delivers until ctx ends, then returns nil once the card under way,
// if any, is answered. Notifications not yet delivered are handed back to
// JetStream at once, for the next run. Run is called once.
func (n *Notifier) Run(ctx context.Context) error {
	// A small pull buffer: what it holds when the run ends is given back.
	it, err := n.cons.Messages(jetstream.PullMaxMessages(64))
	if err != nil {
		return fmt.Errorf("wecom: consume notifications: %w", err)
	}
	n.intake, n.in, n.stop, n.pulled = it, make(chan jetstream.Msg), ctx.Done(), make(chan struct{})
	kept := make(chan struct{})
	go func() { defer close(n.pulled); n.pull() }()
	go func() { defer close(kept); n.keepAlive() }()
	n.run()
	// pull gives back what the buffer still holds, then ends.
	n.intake.Drain()
	select {
	case <-n.pulled:
	case <-time.After(ackTimeout):
		n.intake.Stop()
		<-n.pulled
	}
	<-kept
	n.mu.Lock()
	for id, msg := range n.unacked {
		_ = msg.Nak()
		delete(n.unacked, id)
	}
	n.mu.Unlock()
	return nil
}

// Pending returns how many of userid's notifications wait for a slot in
// their minute, for tests and the console.
func (n *Notifier) Pending(userid string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.waiting[userid]
}

// pull hands delivered messages to run.
func (n *Notifier) pull() {
	for {
		msg, err := n.intake.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return
		}
		if err != nil {
			n.log.Warn("wecom notifications: pull", "err", err)
			select {
			case <-n.stop:
				return
			case <-time.After(time.Second):
			}
			continue
		}
		select {
		case n.in <- msg:
		case <-n.stop:
			_ = msg.Nak()
			return
		}
	}
}

// keepAlive tells JetStream that held notifications are still being
// worked on, so that a digest waiting out the minute (or WeCom) is not
// delivered a second time.
func (n *Notifier) keepAlive() {
	t := time.NewTicker(n.opts.Durable.ackWait() / 4)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		n.mu.Lock()
		msgs := make([]jetstream.Msg, 0, len(n.unacked))
		for _, m := range n.unacked {
			msgs = append(msgs, m)
		}
		n.mu.Unlock()
		for _, m := range msgs {
			_ = m.InProgress()
		}
	}
}

// run takes notifications in and sends what the members' minutes allow.
func (n *Notifier) run() {
	for {
		if !n.dispatch() {
			return
		}
		var slot <-chan time.Time
		if wait, ok := n.nextSlot(); ok {
			slot = n.clock.After(wait)
		}
		select {
		case <-n.stop:
			return
		case msg := <-n.in:
			n.take(msg)
		case <-slot:
		}
	}
}

// take reads one delivered message and holds it for its member.
func (n *Notifier) take(msg jetstream.Msg) {
	userid := msg.Subject()[strings.LastIndexByte(msg.Subject(), '.')+1:]
	ev, err := clienteling.DecodeEvent(msg.Subject(), msg.Data())
	nt := notice{ev}
	if err != nil || userid == "" {
		n.log.Error("wecom notifications: unreadable notification dropped", "subject", clienteling.Mask(msg.Subject()), "err", err)
		_ = msg.Term()
		return
	}
	if nt.ID == "" {
		if meta, err := msg.Metadata(); err == nil {
			nt.ID = "seq-" + strconv.FormatUint(meta.Sequence.Stream, 10)
		}
	}
	if n.handled.has(nt.ID) {
		// Delivered again after it was sent: the acknowledgement was lost.
		n.notices.WithLabelValues("duplicate").Inc()
		_ = ack(msg)
		return
	}
	m := n.members[userid]
	if m == nil {
		m = &member{userid: userid}
		n.members[userid] = m
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, h := range m.held {
		if h.ID == nt.ID {
			// Delivered again while held: answer the newest delivery.
			h.msg = msg
			n.unacked[nt.ID] = msg
			return
		}
	}
	m.held = append(m.held, &heldNotice{notice: nt, msg: msg})
	n.unacked[nt.ID] = msg
	n.waiting[userid]++
}

// free returns how many cards m may still get now.
func (n *Notifier) free(m *member) int {
	now := n.clock.Now()
	i := 0
	for i < len(m.sent) && now.Sub(m.sent[i]) >= time.Minute {
		i++
	}
	m.sent = m.sent[i:]
	return n.opts.PerMinute - len(m.sent)
}

// nextSlot returns how long until a member who has notifications waiting
// gets a free slot.
func (n *Notifier) nextSlot() (time.Duration, bool) {
	var earliest time.Time
	for _, m := range n.members {
		if len(m.held) == 0 || len(m.sent) == 0 {
			continue
		}
		at := m.sent[0].Add(time.Minute)
		if earliest.IsZero() || at.Before(earliest) {
			earliest = at
		}
	}
	if earliest.IsZero() {
		return 0, false
	}
	return max(earliest.Sub(n.clock.Now()), 0), true
}

// dispatch sends what the members' minutes allow: a lone waiting
// notification as its own card, several as one digest. It reports false
// when told to stop.
func (n *Notifier) dispatch() bool {
	for userid, m := range n.members {
		for len(m.held) > 0 && n.free(m) > 0 {
			// Notifications pile up only while the member's minute is
			// full: when a slot frees, all of them go in one digest.
			if !n.send(m, m.held) {
				return false
			}
		}
		if len(m.held) == 0 && len(m.sent) == 0 {
			delete(n.members, userid)
		}
	}
	return true
}

// appMessage is the body of message/send for a textcard.
type appMessage struct {
	ToUser                 string   `json:"touser"`
	MsgType                string   `json:"msgtype"`
	AgentID                int64    `json:"agentid"`
	TextCard               textCard `json:"textcard"`
	EnableDuplicateCheck   int      `json:"enable_duplicate_check"`
	DuplicateCheckInterval int      `json:"duplicate_check_interval"`
}

type sendAnswer struct {
	InvalidUser string `json:"invaliduser"`
	MsgID       string `json:"msgid"`
}

// duplicateWindow is how long WeCom refuses a card identical to one it
// took: each card links its notice id, so only a resend of the same
// notification after a crash between WeCom's answer and the
// acknowledgement is caught.
const duplicateWindow = 4 * time.Hour

// send delivers batch (the first notifications held for m) as one card,
// retrying while WeCom is unreachable, and acknowledges them once WeCom
// accepted it or refused it for good. It reports false when told to stop;
// the batch then stays held and unacknowledged.
func (n *Notifier) send(m *member, batch []*heldNotice) bool {
	kind := "notice"
	card := batch[0].card(n.opts.Console())
	if len(batch) > 1 {
		kind = "digest"
		ns := make([]*notice, len(batch))
		for i, h := range batch {
			ns[i] = &h.notice
		}
		card = digestCard(ns, n.opts.Console())
	}
	body := appMessage{ToUser: m.userid, MsgType: "textcard", AgentID: n.agent, TextCard: card,
		EnableDuplicateCheck: 1, DuplicateCheckInterval: int(duplicateWindow / time.Second)}
	retry := newBackoff(n.opts.MaxBackoff)
	var err error
	for {
		var answer sendAnswer
		// Not cancelled when Run ends: a card WeCom has taken must be
		// acknowledged, or it would go again after the restart.
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = n.app.PostJSON(ctx, sendPath, nil, &body, &answer)
		cancel()
		if err == nil && answer.InvalidUser != "" {
			err = fmt.Errorf("wecom: %s is not a member the app can reach", clienteling.Mask(m.userid))
			break
		}
		if err == nil || final(sendOp, err) {
			break
		}
		n.log.Warn("wecom notifications: will retry", "associate", clienteling.Mask(m.userid), "kind", kind,
			"errcode", Errcode(err), "err", err)
		if !retry.wait(n.stop) {
			return false
		}
	}
	outcome := "sent"
	if err != nil {
		outcome = "refused"
		n.log.Error("wecom notifications: WeCom refused a card; its notifications are dropped",
			"associate", clienteling.Mask(m.userid), "kind", kind, "notifications", len(batch), "errcode", Errcode(err), "err", err)
	} else {
		m.sent = append(m.sent, n.clock.Now())
	}
	n.cards.WithLabelValues(kind, outcome).Inc()
	if outcome == "sent" && kind == "digest" {
		outcome = "digested"
	}
	n.notices.WithLabelValues(outcome).Add(float64(len(batch)))
	m.held = m.held[len(batch):]
	n.mu.Lock()
	if n.waiting[m.userid] -= len(batch); n.waiting[m.userid] <= 0 {
		delete(n.waiting, m.userid)
	}
	for _, h := range batch {
		delete(n.unacked, h.ID)
	}
	n.mu.Unlock()
	for _, h := range batch {
		n.handled.add(h.ID)
		if err := ack(h.msg); err != nil {
			// Delivered again later, it is recognised and not sent.
			n.log.Warn("wecom notifications: acknowledgement not confirmed", "err", err)
		}
	}
	return true
}
