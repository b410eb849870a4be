package clienteling

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Worker is a background part of Salon: the outbox relay, the escalator,
// the senders and pullers that talk to WeChat. Every worker is made by its
// package's constructor and then run once; Run blocks until ctx ends or the
// worker cannot go on. It returns nil on a clean stop (ctx ended) and an
// error only when the worker stopped on its own, so a supervisor can tell
// an orderly shutdown from a failure. When Run returns, no goroutine the
// worker started is left.
type Worker interface {
	Run(ctx context.Context) error
}

// Waker is a wake-up signal that never blocks its sender: wakes that come
// while the worker is busy fold into one, which is all a worker that
// rereads its queue needs. Make one with NewWaker.
type Waker struct{ c chan struct{} }

// NewWaker returns a Waker with no wake pending.
func NewWaker() *Waker { return &Waker{c: make(chan struct{}, 1)} }

// Wake signals the worker. It never blocks.
func (w *Waker) Wake() {
	select {
	case w.c <- struct{}{}:
	default:
	}
}

// C delivers once after one or more Wake calls.
func (w *Waker) C() <-chan struct{} { return w.c }

// Backoff is the wait between retries of something failing: it starts at
// Min, doubles on each failure up to Max, and each wait is jittered to
// between half and all of the step, so that parts that failed together do
// not retry in lockstep. The zero value is not usable; make one with
// NewBackoff. A Backoff belongs to one goroutine.
type Backoff struct {
	min, max, step time.Duration
}

// NewBackoff returns a backoff from min up to max; a max below min is
// raised to min.
func NewBackoff(min, max time.Duration) *Backoff {
	if min <= 0 {
		min = time.Millisecond
	}
	if max < min {
		max = min
	}
	return &Backoff{min: min, max: max, step: min}
}

// Next returns how long to wait before the next try, and doubles the step.
func (b *Backoff) Next() time.Duration {
	d := b.step/2 + rand.N(b.step/2+1)
	b.step = min(b.step*2, b.max)
	return d
}

// Reset starts the backoff over, after a success.
func (b *Backoff) Reset() { b.step = b.min }

// Sleep waits d, and reports false if ctx ended first.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// runDue is the loop of a worker that settles what falls due: it calls
// runOnce until ctx ends, then returns nil. runOnce answers when the next
// item falls due (zero: nothing waits); the loop sleeps until then, at
// most idle, and wakes early on wake. A failing store is retried with a
// backoff, never fatal: the items wait in it. runOnce gets a context that
// ctx's end does not cancel, so a round in progress finishes its writes.
func runDue(ctx context.Context, what string, log *slog.Logger, clock Timer, wake *Waker, idle time.Duration,
	runOnce func(context.Context) (time.Time, error)) error {
	backoff := NewBackoff(time.Second, time.Minute)
	for {
		next, err := runOnce(context.WithoutCancel(ctx))
		if ctx.Err() != nil {
			return nil
		}
		wait := idle
		if err != nil {
			wait = backoff.Next()
			log.Warn(what+": storage failed; will retry", "err", err, "in", wait)
		} else {
			backoff.Reset()
			if !next.IsZero() {
				wait = min(max(next.Sub(clock.Now()), 0), idle)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake.C():
		case <-clock.After(wait):
		}
	}
}
