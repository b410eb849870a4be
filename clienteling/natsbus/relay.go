package natsbus

import (
	"context"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/salonhq/salon/clienteling"
)

// Relay publishes the store's outbox to JetStream and removes what JetStream
// acknowledged. Each event carries its id as Nats-Msg-Id, so a republish
// after a crash between publish and removal is dropped by the stream's
// duplicate window rather than delivered twice.
type Relay struct {
	outbox clienteling.OutboxStore
	js     jetstream.JetStream
	log    *slog.Logger
	wake   *clienteling.Waker
	// Batch is how many events go out per round.
	Batch int
	// MaxBackoff caps the wait between retries while NATS is unreachable.
	MaxBackoff time.Duration
}

// NewRelay returns a relay from outbox to js.
func NewRelay(outbox clienteling.OutboxStore, js jetstream.JetStream, log *slog.Logger) *Relay {
	return &Relay{outbox: outbox, js: js, log: log, wake: clienteling.NewWaker(), Batch: 256, MaxBackoff: 2 * time.Second}
}

// Wake tells the relay that events were committed. It never blocks: the
// relay is woken on commit instead of polling, which keeps notification
// latency to a publish round trip.
func (r *Relay) Wake() { r.wake.Wake() }

// Run relays until ctx ends, then returns nil. Events already committed
// when Run starts (left by a crash or an outage) go first.
func (r *Relay) Run(ctx context.Context) error {
	backoff := clienteling.NewBackoff(50*time.Millisecond, r.MaxBackoff)
	for {
		n, err := r.round(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			wait := backoff.Next()
			r.log.Warn("outbox relay: will retry", "err", err, "in", wait)
			if !clienteling.Sleep(ctx, wait) {
				return nil
			}
			continue
		case n == r.Batch:
			continue // more waiting
		}
		backoff.Reset()
		timer := time.NewTimer(5 * time.Second)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-r.wake.C():
		case <-timer.C:
			// A safety net: a wake lost between round and select costs
			// at most this much delay, never a lost event.
		}
		timer.Stop()
	}
}

// round publishes one batch and acknowledges what JetStream stored.
func (r *Relay) round(ctx context.Context) (int, error) {
	pending, err := r.outbox.PendingEvents(ctx, r.Batch)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	futures := make([]jetstream.PubAckFuture, len(pending))
	for i, e := range pending {
		f, err := r.js.PublishAsync(e.Subject, e.Payload, jetstream.WithMsgID(e.ID))
		if err != nil {
			return 0, r.ackDone(ctx, pending[:i], futures[:i], err)
		}
		futures[i] = f
	}
	return len(pending), r.ackDone(ctx, pending, futures, nil)
}

// ackDone waits for the futures and removes the events JetStream stored.
func (r *Relay) ackDone(ctx context.Context, pending []clienteling.OutboxEntry, futures []jetstream.PubAckFuture, failure error) error {
	timeout := time.After(5 * time.Second)
	var done []uint64
	for i, f := range futures {
		select {
		case <-f.Ok():
			done = append(done, pending[i].Key)
		case err := <-f.Err():
			if failure == nil {
				failure = err
			}
		case <-timeout:
			if failure == nil {
				failure = context.DeadlineExceeded
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if len(done) > 0 {
		// Not cancelled with the run, so that Run returns only after the
		// commit: the database may close right after.
		if err := r.outbox.AckEvents(context.WithoutCancel(ctx), done); err != nil {
			return err
		}
	}
	return failure
}
