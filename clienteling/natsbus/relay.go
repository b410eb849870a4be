package natsbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/salonhq/salon/clienteling"
)

// PublishTimeout is how long the relay waits for JetStream to acknowledge
// one event before it gives up on that publish and retries it from the
// outbox. A healthy server answers in well under a millisecond; five
// seconds rides out a busy disk without leaving events stranded for long.
const PublishTimeout = 5 * time.Second

// Relay publishes the store's outbox to JetStream and removes what JetStream
// acknowledged. Each event carries its id as Nats-Msg-Id, so a republish
// after a crash, a timeout or an outage is dropped by the stream's
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
	// PublishTimeout bounds the wait for each event's acknowledgement.
	PublishTimeout time.Duration
	// Clock dates the outbox's oldest event; it must be the store's clock,
	// which stamped the events.
	Clock clienteling.Clock
}

// NewRelay returns a relay from outbox to js.
func NewRelay(outbox clienteling.OutboxStore, js jetstream.JetStream, log *slog.Logger) *Relay {
	return &Relay{outbox: outbox, js: js, log: log, wake: clienteling.NewWaker(), Batch: 256,
		MaxBackoff: 2 * time.Second, PublishTimeout: PublishTimeout, Clock: clienteling.SystemClock{}}
}

// Wake tells the relay that events were committed. It never blocks: the
// relay is woken on commit instead of polling, which keeps notification
// latency to a publish round trip.
func (r *Relay) Wake() { r.wake.Wake() }

// Run relays until ctx ends, then returns nil. Events already committed
// when Run starts (left by a crash or an outage) go first.
func (r *Relay) Run(ctx context.Context) error {
	backoff := clienteling.NewBackoff(50*time.Millisecond, r.MaxBackoff)
	// An outage fails every round the same way: say so when it starts or
	// changes, and when it ends, not every few seconds in between.
	var failing string
	for {
		n, err := r.round(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			wait := backoff.Next()
			if err.Error() != failing {
				failing = err.Error()
				r.log.Warn("outbox relay: will retry", "err", err, "in", wait)
			}
			if !clienteling.Sleep(ctx, wait) {
				return nil
			}
			continue
		case failing != "":
			failing = ""
			r.log.Info("outbox relay: publishing again")
		}
		if n == r.Batch {
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
	// Publishing while disconnected would only fill the client's reconnect
	// buffer with copies that time out; the events wait in the outbox.
	if nc := r.js.Conn(); !nc.IsConnected() {
		return 0, unreachable(nc)
	}
	futures := make([]jetstream.PubAckFuture, len(pending))
	deadlines := make([]time.Time, len(pending))
	for i, e := range pending {
		f, err := r.js.PublishAsync(e.Subject, e.Payload, jetstream.WithMsgID(e.ID))
		if err != nil {
			return 0, r.ackDone(ctx, pending[:i], futures[:i], deadlines[:i], err)
		}
		futures[i], deadlines[i] = f, time.Now().Add(r.PublishTimeout)
	}
	return len(pending), r.ackDone(ctx, pending, futures, deadlines, nil)
}

// ackDone waits for each future until its own deadline and removes the
// events JetStream stored. An event whose acknowledgement did not come in
// time stays in the outbox for the next round.
func (r *Relay) ackDone(ctx context.Context, pending []clienteling.OutboxEntry, futures []jetstream.PubAckFuture, deadlines []time.Time, failure error) error {
	var done []uint64
	timeouts := 0
	// One timer, reset to each future's own deadline: since Go 1.23 a
	// Reset timer never delivers a stale expiry.
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for i, f := range futures {
		timer.Reset(time.Until(deadlines[i]))
		select {
		case <-f.Ok():
			done = append(done, pending[i].Key)
		case err := <-f.Err():
			if errors.Is(err, jetstream.ErrAsyncPublishTimeout) {
				timeouts++
			} else if failure == nil {
				failure = err
			}
		case <-timer.C:
			timeouts++
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if timeouts > 0 && failure == nil {
		failure = fmt.Errorf("%d of %d events not acknowledged within %s", timeouts, len(futures), r.PublishTimeout)
	}
	if len(done) > 0 {
		// Not cancelled with the run, so that what JetStream stored is
		// recorded even as Run ends. The store may commit the removal
		// later, with other writes; until then it no longer offers these
		// events, and a crash meanwhile republishes them under the same
		// Nats-Msg-Id, which the duplicate window drops.
		if err := r.outbox.AckEvents(context.WithoutCancel(ctx), done); err != nil {
			return err
		}
	}
	return failure
}

// OldestUnrelayed returns how long the oldest event in the outbox has been
// waiting, or zero when nothing waits. It reads the outbox, not the relay's
// progress, so a stalled relay shows as a growing age.
func (r *Relay) OldestUnrelayed(ctx context.Context) (time.Duration, error) {
	head, err := r.outbox.PendingEvents(ctx, 1)
	if err != nil || len(head) == 0 {
		return 0, err
	}
	// The contract's "at" is when the store committed the event.
	var stamp struct {
		At time.Time `json:"at"`
	}
	if err := json.Unmarshal(head[0].Payload, &stamp); err != nil {
		return 0, fmt.Errorf("outbox event %s: %w", head[0].ID, err)
	}
	return max(r.Clock.Now().Sub(stamp.At), 0), nil
}

// Status says in a few words how far behind the relay is, for /readyz.
func (r *Relay) Status(ctx context.Context) string {
	age, err := r.OldestUnrelayed(ctx)
	switch {
	case err != nil:
		return "unknown: " + err.Error()
	case age == 0:
		return "nothing waiting"
	}
	return fmt.Sprintf("oldest unrelayed event %s old", age.Round(time.Second))
}

// Register adds the gauge salon_outbox_oldest_seconds to reg.
func (r *Relay) Register(reg prometheus.Registerer) error {
	return reg.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "salon_outbox_oldest_seconds",
		Help: "Age of the oldest event waiting in the outbox to be published to NATS; 0 when none waits.",
	}, func() float64 {
		age, err := r.OldestUnrelayed(context.Background())
		if err != nil {
			return math.NaN()
		}
		return age.Seconds()
	}))
}
