// Package outbound delivers the messages queued for clients. The store
// commits each message with its queue entry in the transaction of the
// action that caused it; this sender claims entries (marking them sending,
// durably, before the call), sends them through the WeChat API that fits
// (Official Account customer-service and template messages, 微信客服
// send_msg and send_msg_on_event) and records the outcome, so that a crash
// never sends a message twice and a WeChat outage delays messages but never
// loses them.
//
// Concurrency: a fixed pool of Options.Concurrency sends, shared by all
// clients, with at most one message per client in flight. The store hands
// out only a client's oldest unfinished message, so a client reads their
// messages in the order they were written, while a slow answer to one
// client holds up nobody else. A bounded pool rather than a goroutine per
// client keeps a WeChat outage from piling up connections; per-API token
// buckets (Options.Limits) keep bursts under WeChat's ceilings by making
// them wait, never by dropping them.
package outbound

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/salonhq/salon/clienteling"
)

// Store is what the sender needs of storage.
type Store = clienteling.OutboundStore

// Poster calls WeChat's API with an access token, refreshing it once when
// WeChat says it expired: a *wxclient.AccessTokenProvider.
type Poster interface {
	PostJSON(ctx context.Context, path string, query url.Values, in, out any) error
}

// APIs are the accounts the sender posts through; a nil one fails the
// messages of its channel with a reason that says so.
type APIs struct {
	// OA posts with the Official Account's access token.
	OA Poster
	// Kf posts with the 微信客服 secret's access token.
	Kf Poster
	// Thumbs gives the thumb_media_id of a 微信客服 link or mini-program
	// card queued with a picture URL instead (a product card); nil fails
	// such messages.
	Thumbs Thumbnailer
	// OAThumbs does the same for an Official Account mini-program card,
	// uploading with the Official Account's token.
	OAThumbs Thumbnailer
}

// Thumbnailer turns a picture URL into a WeCom media id: a *thumbs.Cache.
type Thumbnailer interface {
	Thumb(ctx context.Context, pictureURL string) (string, error)
}

// Defaults of Options.
const (
	DefaultConcurrency = 16
	DefaultAttempts    = 5
	DefaultBackoff     = 500 * time.Millisecond
	DefaultMaxBackoff  = 10 * time.Second
	// DefaultCallTimeout bounds one call to WeChat, token refresh included:
	// WeChat answers in well under a second when well, and a message held
	// longer only delays the ones behind it.
	DefaultCallTimeout = 5 * time.Second
)

// Limit is a token bucket: Rate calls a second on average, Burst at once.
type Limit struct {
	Rate  float64
	Burst int
}

// DefaultLimits returns the per-API ceilings, a fresh map each call.
// WeChat publishes daily quotas, not rates, and answers 45009 or -1 when a
// burst is too much for it; these stay well under what an account is seen
// to sustain, and a burst above them waits its turn.
func DefaultLimits() map[string]Limit {
	return map[string]Limit{
		CustomSendPath:    {Rate: 100, Burst: 20},
		TemplateSendPath:  {Rate: 50, Burst: 10},
		KfSendPath:        {Rate: 50, Burst: 10},
		KfSendOnEventPath: {Rate: 50, Burst: 10},
	}
}

// Options tune a Sender; the zero value is right for production.
type Options struct {
	// Concurrency is how many messages may be in flight at once, each to
	// a different client. Default 16.
	Concurrency int
	// Attempts bounds the calls for one message while WeChat answers with
	// retryable errors (network, timeouts, HTTP 5xx, errcode -1).
	// Default 5.
	Attempts int
	// Backoff is the first wait between attempts, doubled each time up to
	// MaxBackoff, with jitter. Defaults 500 ms and 10 s.
	Backoff, MaxBackoff time.Duration
	// CallTimeout bounds one call. Default 5 s.
	CallTimeout time.Duration
	// Limits override DefaultLimits() per API path.
	Limits map[string]Limit
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
	store    Store
	apis     APIs
	opts     Options
	limiters map[string]*rate.Limiter
	wake     *clienteling.Waker
	metrics  metrics
}

// New returns a sender over s that posts through apis.
func New(s Store, apis APIs, opts Options) *Sender {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxBackoff < opts.Backoff {
		opts.MaxBackoff = max(DefaultMaxBackoff, opts.Backoff)
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	snd := &Sender{store: s, apis: apis, opts: opts, wake: clienteling.NewWaker(),
		limiters: map[string]*rate.Limiter{}, metrics: newMetrics(opts.Registerer)}
	for path, l := range DefaultLimits() {
		if o, ok := opts.Limits[path]; ok {
			l = o
		}
		snd.limiters[path] = rate.NewLimiter(rate.Limit(l.Rate), max(l.Burst, 1))
	}
	return snd
}

// Options returns the options in effect, defaults filled in.
func (s *Sender) Options() Options { return s.opts }

// Wake says a message was queued. It never blocks.
func (s *Sender) Wake() { s.wake.Wake() }

// Reconcile settles what a previous run left half done; call it once,
// before Run. See clienteling.ReasonInterrupted for why those messages are
// failed rather than sent again.
func (s *Sender) Reconcile(ctx context.Context) error {
	n, err := s.store.ReconcileOutbound(ctx)
	if n > 0 {
		s.opts.Log.Warn("outbound: messages interrupted during send marked failed", "count", n)
		s.metrics.messages.WithLabelValues(clienteling.StatusFailed, "unknown").Add(float64(n))
	}
	return err
}

// pollInterval is a safety net for a lost wake.
const pollInterval = 30 * time.Second

// Run delivers queued messages until ctx ends, then waits for the sends
// under way to stop and returns nil. A failing store is retried, never
// fatal.
func (s *Sender) Run(ctx context.Context) error {
	// Store calls outlive a cancelled run: the group committer would finish
	// a commit after the caller gave up on it, and the database must not be
	// closed under it.
	store := context.WithoutCancel(ctx)
	finished := make(chan struct{}, s.opts.Concurrency)
	inFlight := 0
	defer func() {
		for ; inFlight > 0; inFlight-- {
			<-finished
		}
	}()
	backoff := clienteling.NewBackoff(time.Second, time.Minute)
	for {
		wait := pollInterval
		if free := s.opts.Concurrency - inFlight; free > 0 && ctx.Err() == nil {
			tasks, err := s.store.ClaimOutboundBatch(store, free)
			if err != nil {
				wait = backoff.Next()
				s.opts.Log.Warn("outbound: storage failed; will retry", "err", err, "in", wait)
			} else {
				backoff.Reset()
			}
			for _, t := range tasks {
				inFlight++
				s.metrics.messages.WithLabelValues(clienteling.StatusSending, t.To.Channel).Inc()
				s.metrics.inFlight.Inc()
				go func() {
					defer func() { s.metrics.inFlight.Dec(); finished <- struct{}{} }()
					s.deliver(ctx, store, t)
				}()
			}
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-finished:
			// A slot is free, and that client's next message may be ready.
			inFlight--
		case <-s.wake.C():
		case <-timer.C:
		}
		timer.Stop()
	}
}

// deliver sends one claimed message and records the outcome.
func (s *Sender) deliver(ctx, store context.Context, t *clienteling.OutboundTask) {
	msgid, attempts, sendErr := s.send(ctx, t)
	if ctx.Err() != nil {
		// Stopping: the entry stays sending and the next start
		// reconciles it, as after a crash.
		return
	}
	rctx, cancel := context.WithTimeout(store, 10*time.Second)
	defer cancel()
	var err error
	if sendErr == nil {
		err = s.store.MarkSent(rctx, t.Key, msgid)
		s.metrics.messages.WithLabelValues(clienteling.StatusSent, t.To.Channel).Inc()
	} else {
		code, reason := classify(sendErr, attempts)
		s.opts.Log.Info("outbound: message failed", "message", t.Message.ID, "channel", t.To.Channel,
			"errcode", code, "reason", reason)
		err = s.store.MarkFailed(rctx, t.Key, code, reason)
		s.metrics.messages.WithLabelValues(clienteling.StatusFailed, t.To.Channel).Inc()
	}
	if err != nil {
		// The entry stays sending: the next start fails it as interrupted
		// rather than risk sending it twice.
		s.opts.Log.Error("outbound: recording an outcome failed", "message", t.Message.ID, "err", err)
		return
	}
	if s.opts.Recorded != nil {
		s.opts.Recorded()
	}
}

// metrics are the sender's Prometheus series.
type metrics struct {
	messages *prometheus.CounterVec
	attempts *prometheus.CounterVec
	inFlight prometheus.Gauge
}

func newMetrics(r prometheus.Registerer) metrics {
	m := metrics{
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salon_outbound_messages_total",
			Help: "Outbound messages by status reached (sending, sent, failed) and channel.",
		}, []string{"status", "channel"}),
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salon_outbound_attempts_total",
			Help: "Calls to WeChat's send APIs by API path and result (ok, retry, final).",
		}, []string{"api", "result"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "salon_outbound_in_flight",
			Help: "Outbound messages being sent now.",
		}),
	}
	if r != nil {
		r.MustRegister(m.messages, m.attempts, m.inFlight)
	}
	return m
}
