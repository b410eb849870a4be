package wecom

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
)

// Poster calls WeCom's API with an access token: a
// *wxclient.AccessTokenProvider for the app or customer-contact secret.
type Poster interface {
	PostJSON(ctx context.Context, path string, query url.Values, in, out any) error
}

// Durable names a durable pull consumer and what it reads.
type Durable struct {
	// Stream is the JetStream stream, e.g. SALON_NOTIFY.
	Stream string
	// Name is the durable consumer's name; it keeps its place across
	// restarts.
	Name string
	// Subject filters the stream, e.g. "salon.notify.associate.*".
	Subject string
	// AckWait is how long a delivered message may stay unacknowledged
	// before JetStream delivers it again; messages held longer are kept
	// alive with progress acknowledgements.
	AckWait time.Duration
}

// defaultAckWait leaves room for a digest that waits out WeCom's minute.
const defaultAckWait = 2 * time.Minute

// open returns the durable consumer, creating it on first use. A new one
// starts with the messages published after it: turning WeCom on must not
// replay a day of old notifications to phones.
func (d Durable) open(ctx context.Context, js jetstream.JetStream, description string) (jetstream.Consumer, error) {
	if d.Stream == "" || d.Name == "" || d.Subject == "" {
		return nil, errors.New("wecom: a durable consumer needs a stream, a name and a subject")
	}
	c, err := js.Consumer(ctx, d.Stream, d.Name)
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("wecom: consumer %s: %w", d.Name, err)
	}
	c, err = js.CreateConsumer(ctx, d.Stream, jetstream.ConsumerConfig{
		Durable:       d.Name,
		Description:   description,
		FilterSubject: d.Subject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       d.ackWait(),
		DeliverPolicy: jetstream.DeliverNewPolicy,
		MaxDeliver:    -1,
		MaxAckPending: 20000,
	})
	if err != nil {
		return nil, fmt.Errorf("wecom: create consumer %s: %w", d.Name, err)
	}
	return c, nil
}

func (d Durable) ackWait() time.Duration {
	if d.AckWait <= 0 {
		return defaultAckWait
	}
	return d.AckWait
}

// busyErrcodes are WeCom's answers that mean "not now" rather than "no":
// -1 system busy, 45009 call frequency, 45033 too many concurrent calls.
var busyErrcodes = map[int]bool{-1: true, 45009: true, 45033: true}

// final reports whether err is WeCom refusing what op asked for, so that
// asking again unchanged would be refused again. Everything else (network,
// HTTP 5xx, busy answers, a token WeCom would not issue) is an outage to
// wait out: the message stays unacknowledged and is tried again.
func final(op string, err error) bool {
	var apiErr *wxclient.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.Op == op && !busyErrcodes[apiErr.Code]
}

// Errcode returns WeCom's errcode in err, or 0 if it carries none.
func Errcode(err error) int {
	var apiErr *wxclient.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return 0
}

// backoff is the shared jittered backoff, from 200 ms up to its cap,
// waited on a stop channel.
type backoff struct{ steps *clienteling.Backoff }

func newBackoff(max time.Duration) *backoff {
	if max <= 0 {
		max = 30 * time.Second
	}
	return &backoff{steps: clienteling.NewBackoff(200*time.Millisecond, max)}
}

// wait sleeps for the next step on the real clock (WeCom's outage is
// real time even when tests move the notification clock) and reports
// false if stop closed first.
func (b *backoff) wait(stop <-chan struct{}) bool {
	t := time.NewTimer(b.steps.Next())
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	}
}

// recentIDs remembers the last ids it was given, so that a redelivery of a
// message already handled is acknowledged without being handled again.
type recentIDs struct {
	seen  map[string]bool
	order []string
	next  int
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{seen: make(map[string]bool, n), order: make([]string, n)}
}

func (r *recentIDs) has(id string) bool { return r.seen[id] }

func (r *recentIDs) add(id string) {
	if r.seen[id] {
		return
	}
	if old := r.order[r.next]; old != "" {
		delete(r.seen, old)
	}
	r.order[r.next] = id
	r.seen[id] = true
	r.next = (r.next + 1) % len(r.order)
}

// ackTimeout bounds the wait for JetStream to confirm an acknowledgement.
const ackTimeout = 5 * time.Second

// ack acknowledges msg and waits for JetStream to confirm, so that a
// message reported handled is not delivered again after a clean stop.
func ack(msg jetstream.Msg) error {
	ctx, cancel := context.WithTimeout(context.Background(), ackTimeout)
	defer cancel()
	return msg.DoubleAck(ctx)
}
