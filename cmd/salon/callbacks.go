package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/salonhq/salon/bot/callback"
	"github.com/salonhq/salon/bot/ingress"
	"github.com/salonhq/salon/clienteling"
)

// registerCallbacks mounts the WeChat callbacks that are configured; in
// sandbox mode, the Official Account one with the simulator's credentials.
func (m *Main) registerCallbacks(mux *http.ServeMux) error {
	m.rejections = summariseRejections(m.Log.Handler(), rejectionLogInterval)
	in := ingress.New(m.DB, clienteling.AnnounceReceived, m.afterReceive, slog.New(m.rejections), m.Registry)
	oa := callback.OAConfig{AppID: m.Config.OAAppID, Token: m.Config.OAToken, EncodingAESKey: m.Config.OAAESKey}
	if m.sandbox != nil {
		c := m.sandbox.creds
		oa = callback.OAConfig{AppID: c.OAAppID, Token: c.OAToken, EncodingAESKey: c.OAAESKey}
	}
	if oa.Token != "" {
		v, err := callback.NewOA(oa)
		if err != nil {
			return fmt.Errorf("official account callback: %w", err)
		}
		mux.Handle("/wechat/oa", callbackDeadline(in.Handler(v)))
	}
	c := m.Config
	if c.WeComCorpID != "" && c.WeComToken != "" && c.WeComAESKey != "" {
		// Customer-contact events are stored as the client's; associates'
		// own messages are acknowledged and, for now, ignored.
		v, err := callback.NewWeComApp(callback.WeComConfig{CorpID: c.WeComCorpID, Token: c.WeComToken, EncodingAESKey: c.WeComAESKey})
		if err != nil {
			return fmt.Errorf("wecom app callback: %w", err)
		}
		mux.Handle("/wecom/app", callbackDeadline(in.Handler(v)))
	}
	if m.kfPuller != nil {
		v, err := callback.NewKF(callback.WeComConfig{CorpID: c.WeComCorpID, Token: c.WeComKFToken, EncodingAESKey: c.WeComKFAESKey})
		if err != nil {
			return fmt.Errorf("wecom kf callback: %w", err)
		}
		mux.Handle("/wecom/kf", callbackDeadline(in.KfHandler(v, m.kfPuller)))
	}
	return nil
}

// callbackReadTimeout bounds the reading of a callback's body. WeChat sends
// a callback in one go and gives up after 5 s, so a body still arriving
// after that is a slow client holding a connection, not WeChat.
const callbackReadTimeout = 5 * time.Second

// callbackDeadline shortens the read deadline of a callback below the
// server's, which is long enough for uploads.
func callbackDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An error means the writer cannot set deadlines; the server's
		// own ReadTimeout still applies then.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(callbackReadTimeout))
		next.ServeHTTP(w, r)
	})
}

// rejectionLogInterval is how often a flood of refused callbacks is
// summarised in the log: one line per endpoint and reason, however many.
const rejectionLogInterval = 10 * time.Second

// summariseRejections passes every record to next, except refused
// callbacks: the first of an endpoint and reason is logged as it comes,
// the rest are counted and logged as one "callbacks rejected" line per
// interval, so that forged traffic cannot flood the log. The metric
// salon_callback_rejected_total still counts each.
func summariseRejections(next slog.Handler, interval time.Duration) *rejectionSummary {
	return &rejectionSummary{next: next, state: &rejectionState{interval: interval, open: map[rejectionKey]*rejectionWindow{}}}
}

type rejectionSummary struct {
	next  slog.Handler
	state *rejectionState
}

type rejectionState struct {
	interval time.Duration
	mu       sync.Mutex
	open     map[rejectionKey]*rejectionWindow
	closed   bool
}

type rejectionKey struct{ endpoint, reason string }

// rejectionWindow counts the refusals of one key not yet logged.
type rejectionWindow struct {
	count int
	level slog.Level
	next  slog.Handler
	timer *time.Timer
}

func (h *rejectionSummary) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *rejectionSummary) WithAttrs(as []slog.Attr) slog.Handler {
	return &rejectionSummary{next: h.next.WithAttrs(as), state: h.state}
}

func (h *rejectionSummary) WithGroup(name string) slog.Handler {
	return &rejectionSummary{next: h.next.WithGroup(name), state: h.state}
}

func (h *rejectionSummary) Handle(ctx context.Context, r slog.Record) error {
	if r.Message != ingress.RefusedMessage {
		return h.next.Handle(ctx, r)
	}
	var k rejectionKey
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "endpoint":
			k.endpoint = a.Value.String()
		case "reason":
			k.reason = a.Value.String()
		}
		return true
	})
	s := h.state
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.open[k]; w != nil {
		w.count++
		return nil
	}
	if !s.closed {
		s.open[k] = &rejectionWindow{level: r.Level, next: h.next, timer: time.AfterFunc(s.interval, func() { s.flush(k) })}
	}
	return h.next.Handle(ctx, r)
}

// flush logs the refusals of k counted in the interval just ended and
// keeps counting for another; an interval without any closes the window,
// so the next refusal is logged as it comes.
func (s *rejectionState) flush(k rejectionKey) {
	s.mu.Lock()
	w := s.open[k]
	if w == nil {
		s.mu.Unlock()
		return
	}
	n := w.count
	if n == 0 {
		delete(s.open, k)
		s.mu.Unlock()
		return
	}
	w.count = 0
	w.timer = time.AfterFunc(s.interval, func() { s.flush(k) })
	s.mu.Unlock()
	s.logSummary(k, w, n)
}

// Close logs what was counted and not yet logged, and stops the timers:
// at shutdown, before the log's destination goes.
func (h *rejectionSummary) Close() {
	s := h.state
	s.mu.Lock()
	s.closed = true
	pending := s.open
	s.open = map[rejectionKey]*rejectionWindow{}
	for _, w := range pending {
		w.timer.Stop()
	}
	s.mu.Unlock()
	for k, w := range pending {
		if w.count > 0 {
			s.logSummary(k, w, w.count)
		}
	}
}

func (s *rejectionState) logSummary(k rejectionKey, w *rejectionWindow, n int) {
	r := slog.NewRecord(time.Now(), w.level, "callbacks rejected", 0)
	r.AddAttrs(slog.String("reason", k.reason), slog.Int("count", n), slog.String("endpoint", k.endpoint), slog.Duration("interval", s.interval))
	_ = w.next.Handle(context.Background(), r)
}
