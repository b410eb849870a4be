// Package outbound delivers the messages associates queue for clients. The
// store commits each message with its queue entry in the transaction of the
// reply; this sender claims entries one at a time (marking them sending,
// durably, before the call), sends them through WeChat's customer-service
// API and records the outcome, so that a crash never sends a message twice
// and a WeChat outage delays messages but never loses them.
package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
)

// Store is what the sender needs of storage.
type Store = clienteling.OutboundStore

// Poster calls WeChat's API with an access token, refreshing it once when
// WeChat says it expired: a *wxclient.AccessTokenProvider.
type Poster interface {
	PostJSON(ctx context.Context, path string, query url.Values, in, out any) error
}

// CustomSendPath is the Official Account's customer-service send API.
const CustomSendPath = "/cgi-bin/message/custom/send"

// Options tune a Sender; the zero value is right for production.
type Options struct {
	// Attempts bounds the calls for one message while WeChat answers with
	// retryable errors (network, HTTP 5xx, errcode -1). Default 5.
	Attempts int
	// Backoff is the first wait between attempts, doubled each time, with
	// jitter. Default 500 ms.
	Backoff time.Duration
	// CallTimeout bounds one call. Default 5 s.
	CallTimeout time.Duration
	// Log receives the sender's warnings. Default: discarded.
	Log *slog.Logger
	// Registerer receives the sender's metrics, if set.
	Registerer prometheus.Registerer
	// Recorded, if set, is called after each outcome is committed: its
	// event waits in the outbox for the relay to be woken.
	Recorded func()
}

// Sender works through the outbound queue.
type Sender struct {
	store Store
	oa    Poster // nil without an Official Account
	opts  Options
	wake  chan struct{}
	sent  *prometheus.CounterVec
}

// New returns a sender; oa may be nil, in which case Official Account
// messages fail with a reason that says so.
func New(s Store, oa Poster, opts Options) *Sender {
	if opts.Attempts <= 0 {
		opts.Attempts = 5
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 5 * time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	snd := &Sender{store: s, oa: oa, opts: opts, wake: make(chan struct{}, 1),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salon_outbound_messages_total",
			Help: "Outbound messages by final status (sent, failed) and channel.",
		}, []string{"status", "channel"})}
	if opts.Registerer != nil {
		opts.Registerer.MustRegister(snd.sent)
	}
	return snd
}

// Wake says a message was queued. It never blocks.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Reconcile settles what a previous run left half done; call it once,
// before Run. See clienteling.ReasonInterrupted for why those messages are
// failed rather than sent again.
func (s *Sender) Reconcile(ctx context.Context) error {
	n, err := s.store.ReconcileOutbound(ctx)
	if n > 0 {
		s.opts.Log.Warn("outbound: messages interrupted during send marked failed", "count", n)
		s.sent.WithLabelValues(clienteling.StatusFailed, clienteling.ChannelOA).Add(float64(n))
	}
	return err
}

// Run delivers queued messages until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	backoff := time.Second
	for {
		err := s.drain(ctx)
		if ctx.Err() != nil {
			return
		}
		wait := 30 * time.Second // a safety net for a lost wake
		if err != nil {
			s.opts.Log.Warn("outbound: storage failed; will retry", "err", err, "in", backoff)
			wait, backoff = backoff, min(backoff*2, time.Minute)
		} else {
			backoff = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(wait):
		}
	}
}

// drain sends until the queue is empty. Messages go one at a time, in the
// order they were queued, so a client reads them in the order written.
func (s *Sender) drain(ctx context.Context) error {
	// Store calls outlive a cancelled run: the group committer would finish
	// a commit after the caller gave up on it, and the database must not be
	// closed under it.
	store := context.WithoutCancel(ctx)
	for ctx.Err() == nil {
		task, err := s.store.ClaimOutbound(store)
		if err != nil || task == nil {
			return err
		}
		msgid, sendErr := s.send(ctx, task)
		if ctx.Err() != nil {
			// Stopping: the entry stays sending and the next start
			// reconciles it, as after a crash.
			return nil
		}
		rctx, cancel := context.WithTimeout(store, 10*time.Second)
		if sendErr == nil {
			err = s.store.MarkSent(rctx, task.Key, msgid)
			s.sent.WithLabelValues(clienteling.StatusSent, task.To.Channel).Inc()
		} else {
			code, reason := classify(sendErr)
			s.opts.Log.Info("outbound: message failed", "message", task.Message.ID, "errcode", code, "reason", reason)
			err = s.store.MarkFailed(rctx, task.Key, code, reason)
			s.sent.WithLabelValues(clienteling.StatusFailed, task.To.Channel).Inc()
		}
		cancel()
		if err != nil {
			return err
		}
		if s.opts.Recorded != nil {
			s.opts.Recorded()
		}
	}
	return nil
}

// customSend is the body of a customer-service text message.
type customSend struct {
	ToUser  string     `json:"touser"`
	MsgType string     `json:"msgtype"`
	Text    customText `json:"text"`
}

type customText struct {
	Content string `json:"content"`
}

// sendAnswer is what WeChat answers; msgid is given by some accounts only,
// as a number or a string.
type sendAnswer struct {
	MsgID json.RawMessage `json:"msgid"`
}

func (a sendAnswer) id() string {
	if string(a.MsgID) == "null" {
		return ""
	}
	return strings.Trim(string(a.MsgID), `"`)
}

// send delivers one message, retrying what may succeed later, and returns
// WeChat's msgid (possibly empty) or the last error.
func (s *Sender) send(ctx context.Context, t *clienteling.OutboundTask) (string, error) {
	if t.To.Channel != clienteling.ChannelOA || t.Message.Type != clienteling.TypeText {
		return "", errUnsupported
	}
	if s.oa == nil {
		return "", errNoAccount
	}
	body := customSend{ToUser: t.To.ExternalID, MsgType: "text", Text: customText{Content: t.Message.Text}}
	wait := s.opts.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		var answer sendAnswer
		cctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
		// PostJSON refreshes the access token and resends once on 40001,
		// 42001 and 40014.
		err = s.oa.PostJSON(cctx, CustomSendPath, nil, &body, &answer)
		cancel()
		if err == nil {
			return answer.id(), nil
		}
		if !wxclient.Retryable(err) || attempt >= s.opts.Attempts || ctx.Err() != nil {
			return "", err
		}
		// Full jitter keeps many senders from hammering WeChat in step
		// after an outage.
		d := wait/2 + rand.N(wait/2+1)
		wait *= 2
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(d):
		}
	}
}

var (
	errUnsupported = errors.New("this kind of message cannot be sent on this channel yet")
	errNoAccount   = errors.New("no Official Account is configured")
)

// reasons are what an associate reads in the conversation for WeChat's
// final errcodes; the errcode is kept alongside.
var reasons = map[int]string{
	45015: "outside the 48-hour service window",
	45047: "more than 5 messages since the client last wrote",
	43004: "the client no longer follows the Official Account",
	43101: "the client has not agreed to receive messages",
	45008: "the message is too long",
	40003: "WeChat does not know this client",
	40001: "WeChat refused the access token",
	42001: "WeChat refused the access token",
	40014: "WeChat refused the access token",
}

// classify returns WeChat's errcode (0 when the failure carried none) and a
// reason for the client's conversation.
func classify(err error) (int, string) {
	var api *wxclient.APIError
	if errors.As(err, &api) {
		if r, ok := reasons[api.Code]; ok {
			return api.Code, r
		}
		return api.Code, "WeChat refused the message (errcode " + strconv.Itoa(api.Code) + ")"
	}
	var httpErr *wxclient.HTTPError
	switch {
	case errors.As(err, &httpErr):
		return 0, "WeChat was unavailable (HTTP " + strconv.Itoa(httpErr.Status) + ")"
	case errors.Is(err, errUnsupported), errors.Is(err, errNoAccount):
		return 0, err.Error()
	case wxclient.Retryable(err):
		return 0, "WeChat could not be reached"
	}
	return 0, "the message could not be sent"
}
