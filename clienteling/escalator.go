package clienteling

import (
	"context"
	"log/slog"
	"time"
)

// Timer is a clock that can also wait: the escalator's view of time, so
// that tests drive reminders and escalations with a fake one.
type Timer interface {
	Clock
	// After delivers once d has passed on this clock.
	After(d time.Duration) <-chan time.Time
}

// SystemTimer is the real clock.
type SystemTimer struct{ SystemClock }

// After waits on the real clock.
func (SystemTimer) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Escalator runs reply-due reminders and escalations when they fall due.
// The timers live in the store, written with the conversations they belong
// to, so a restart loses none: the first pass after it fires every timer
// that fell due while Salon was down.
type Escalator struct {
	store ConversationStore
	clock Timer
	log   *slog.Logger
	// fired is called after timers ran, so that their events are relayed
	// at once.
	fired func()
	wake  *Waker
	// datesAt is when important dates were last swept, in memory: the
	// store keeps the real mark, this only spares needless sweeps.
	datesAt time.Time
}

// dateSweepEvery is how often important dates are swept: reminders go
// out at 9:00, and a sweep reads every client with dates.
const dateSweepEvery = 15 * time.Minute

// escalatorBatch bounds the timers one transaction runs.
const escalatorBatch = 200

// escalatorIdle is the longest the escalator sleeps with nothing due: a
// safety net for a missed wake.
const escalatorIdle = time.Minute

// NewEscalator returns an escalator over store. fired may be nil.
func NewEscalator(store ConversationStore, clock Timer, log *slog.Logger, fired func()) *Escalator {
	if clock == nil {
		clock = SystemTimer{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Escalator{store: store, clock: clock, log: log, fired: fired, wake: NewWaker()}
}

// Wake says a conversation started waiting, so the escalator reconsiders
// how long to sleep. It never blocks.
func (e *Escalator) Wake() { e.wake.Wake() }

// RunOnce fires every timer due now and returns when the next one falls
// due (zero when none).
func (e *Escalator) RunOnce(ctx context.Context) (time.Time, error) {
	if now := e.clock.Now(); now.Sub(e.datesAt) >= dateSweepEvery {
		n, err := e.store.RemindDates(ctx, now)
		if err != nil {
			return time.Time{}, err
		}
		e.datesAt = now
		if n > 0 && e.fired != nil {
			e.fired()
		}
	}
	for {
		n, next, err := e.store.FireTimers(ctx, e.clock.Now(), escalatorBatch)
		if err != nil {
			return time.Time{}, err
		}
		if n > 0 && e.fired != nil {
			e.fired()
		}
		if n < escalatorBatch {
			return next, nil
		}
	}
}

// Run fires timers as they fall due until ctx ends, then returns nil. A
// failing store is retried, never fatal: the timers wait in it.
func (e *Escalator) Run(ctx context.Context) error {
	return runDue(ctx, "escalator", e.log, e.clock, e.wake, escalatorIdle, func(ctx context.Context) (time.Time, error) {
		next, err := e.RunOnce(ctx)
		// The daily sweep of important dates is due too.
		if sweep := e.datesAt.Add(dateSweepEvery); err == nil && (next.IsZero() || sweep.Before(next)) {
			next = sweep
		}
		return next, err
	})
}
