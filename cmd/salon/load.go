package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/salonhq/salon/bot/wechatsim"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/natsbus"
)

// loadOptions shape one load run.
type loadOptions struct {
	rate        int           // messages scheduled per second; 0: closed loop, as fast as answered
	duration    time.Duration // how long messages are offered
	concurrency int           // connections, as WeChat opens several; also the bound on requests in flight
	clients     int           // distinct senders
}

const (
	// maxLoadMessages bounds the memory a run keeps (a few dozen bytes a
	// message): --rate × --duration may not schedule more, and a closed loop
	// stops there.
	maxLoadMessages = 2_000_000
	// loadRequestTimeout bounds each exchange, so a run ends at most this
	// long after its offering window.
	loadRequestTimeout = 10 * time.Second
	// loadNotifyWait bounds the wait for notifications after the last answer.
	loadNotifyWait = 10 * time.Second
	// lateToStart is how far past its due time a message may go out and
	// still count as on time: about a timer's wake-up on a busy machine.
	lateToStart = time.Millisecond
	// reachedShare is the share of the target rate that counts as reaching
	// it: the last answers arrive after the window, which costs a little.
	reachedShare = 0.95
)

// scheduled is how many messages an open-loop run schedules: one every
// 1/rate s from the start, while inside the duration. 0 for a closed loop.
func (o loadOptions) scheduled() int64 {
	if o.rate <= 0 {
		return 0
	}
	// The smallest n with n/rate >= duration, in integers: duration×rate
	// is at most 3.6e12 ns × 1e5, far from overflowing.
	ns := int64(o.duration) * int64(o.rate)
	return (ns + int64(time.Second) - 1) / int64(time.Second)
}

// cmdLoad drives the real HTTP path of a Salon of its own: a sandbox
// instance on a loopback port, with a fresh data dir, fsync on and the
// embedded NATS. It posts signed, AES-encrypted Official Account messages
// as WeChat does, on an open-loop schedule (or a closed loop with --rate 0),
// and reports the rates offered and achieved, latencies from each message's
// scheduled time and from its actual send, errors by kind, and the time until
// each message's notification is on NATS.
func cmdLoad(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", "salon load [--rate N] [--duration D] [--concurrency C] [--clients K]\n\n"+
		"Starts a sandbox Salon on a temporary data dir and loads its WeChat callback over HTTP.\n"+
		"With --rate N, message i is due at start + i/N whatever the answers do, and its latency\n"+
		"counts from then; with --rate 0, C connections each send as soon as answered.", stderr)
	var o loadOptions
	fs.IntVar(&o.rate, "rate", 500, "messages scheduled per second (0: closed loop, as fast as Salon answers)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to offer messages")
	fs.IntVar(&o.concurrency, "concurrency", 32, "concurrent connections, and the most requests in flight")
	fs.IntVar(&o.clients, "clients", 1000, "distinct clients writing")
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return &exitError{2, fmt.Errorf("load takes no arguments, got %q", fs.Args())}
	case o.rate < 0 || o.rate > 100000:
		return &exitError{2, fmt.Errorf("--rate: must be between 0 and 100000")}
	case o.duration <= 0 || o.duration > time.Hour:
		return &exitError{2, fmt.Errorf("--duration: must be between 0 and 1h")}
	case o.concurrency < 1 || o.concurrency > 1000:
		return &exitError{2, fmt.Errorf("--concurrency: must be between 1 and 1000")}
	case o.clients < 1 || o.clients > 1000000:
		return &exitError{2, fmt.Errorf("--clients: must be between 1 and 1000000")}
	case o.scheduled() > maxLoadMessages:
		return &exitError{2, fmt.Errorf("--rate × --duration: schedules %d messages, at most %d", o.scheduled(), maxLoadMessages)}
	}
	dir, err := os.MkdirTemp("", "salon-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var cfg Config
	cfg.bindFlags(newFlagSet("serve", "", io.Discard), func(string) string { return "" })
	cfg.DataDir, cfg.HTTPAddr, cfg.Sandbox = dir, "127.0.0.1:0", "on"
	m := &Main{Config: cfg}
	if err := m.Run(ctx); err != nil {
		return err
	}
	defer m.Close()
	r, err := runLoad(ctx, m, o)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, r)
	return nil
}

// runLoad offers messages to m's Official Account callback and waits for
// their notifications.
func runLoad(ctx context.Context, m *Main, o loadOptions) (*loadReport, error) {
	c := m.sandbox.creds
	oa := &wechatsim.OA{AppID: c.OAAppID, Token: c.OAToken, EncodingAESKey: c.OAAESKey}
	target := loadTarget{
		client: newLoadClient(o),
		request: func(i int) (*http.Request, error) {
			msg := wechatsim.TextMsg("gh_load", fmt.Sprintf("oLOAD%07d", i%o.clients), strconv.Itoa(i), int64(i+1), time.Now())
			return oa.Safe(msg.XML()).Request(m.URL() + "/wechat/oa"), nil
		},
	}
	run := newLoadRun(o)
	var notified atomic.Int64
	sub, err := m.Bus.Conn.Subscribe(natsbus.SubjectNotify, func(msg *nats.Msg) {
		at := run.since()
		e, err := clienteling.DecodeEvent(msg.Subject, msg.Data)
		n, ok := e.Data.(clienteling.MessageNotice)
		if err != nil || !ok {
			return
		}
		if i, err := strconv.Atoi(n.Preview); err == nil && i >= 0 && i < len(run.msgs) {
			// +1 keeps "not yet" (zero) apart from an instant at the epoch.
			if run.msgs[i].notifiedAt.CompareAndSwap(0, int64(at)+1) {
				notified.Add(1)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	_ = sub.SetPendingLimits(-1, -1)

	run.offer(ctx, target)
	acked := int64(run.count(func(m *loadMessage) bool { return m.acked }))
	deadline := time.Now().Add(loadNotifyWait)
	for notified.Load() < acked && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	r := run.report()
	r.notifyMeasured = true
	return r, nil
}

// newLoadClient is an HTTP client with a connection for every request that
// may be in flight.
func newLoadClient(o loadOptions) *http.Client {
	return &http.Client{Timeout: loadRequestTimeout, Transport: &http.Transport{
		Proxy: nil, MaxIdleConnsPerHost: o.concurrency, MaxConnsPerHost: o.concurrency,
	}}
}

// loadTarget is what a run sends to: request prepares message i, outside
// the timed exchange.
type loadTarget struct {
	client  *http.Client
	request func(i int) (*http.Request, error)
}

// loadMessage is one message's timings, as offsets from the run's epoch.
type loadMessage struct {
	began      bool          // a connection took it
	sent       bool          // its request was prepared and went out
	acked      bool          // answered 200
	sentAt     time.Duration // when its request went out
	ackedAt    time.Duration // when its answer had been read
	notifiedAt atomic.Int64  // when its notification was on NATS, ns + 1; 0: not (yet)
}

// loadRun is one run in progress. Offsets are taken from epoch on the
// monotonic clock; a message's fields are written by the one connection that
// sends it, and read once every connection has stopped.
type loadRun struct {
	opts  loadOptions
	epoch time.Time
	start time.Duration // when the offering window opened
	msgs  []loadMessage // fixed once made: notifications index it concurrently

	// handedOut is how many of msgs the run may have used: a closed loop
	// reads no further, leaving the rest of its allotment untouched.
	handedOut int

	waitedForSlot int          // open loop: messages due while --concurrency requests were in flight
	capped        bool         // closed loop: stopped at maxLoadMessages
	errs          loadErrorLog // failures by kind
}

func newLoadRun(o loadOptions) *loadRun {
	n := o.scheduled()
	if o.rate == 0 {
		n = maxLoadMessages
	}
	return &loadRun{opts: o, epoch: time.Now(), msgs: make([]loadMessage, n)}
}

func (run *loadRun) since() time.Duration { return time.Since(run.epoch) }

// scheduledAt is when message i is due on an open-loop schedule.
func (run *loadRun) scheduledAt(i int) time.Duration {
	return run.start + time.Duration(int64(i)*int64(time.Second)/int64(run.opts.rate))
}

// offer sends messages for the run's duration, then waits for the answers
// still in flight (each bounded by the client's timeout). No message starts
// after the window closes; those scheduled but not started by then are
// reported, not dropped silently.
func (run *loadRun) offer(ctx context.Context, t loadTarget) {
	run.start = run.since()
	window, cancel := context.WithDeadline(ctx, run.epoch.Add(run.start+run.opts.duration))
	defer cancel()
	var next atomic.Int64
	// A slot is a request in flight: the dispatcher takes one before it
	// hands a message over and the connection gives it back once answered,
	// so jobs never holds more than there are connections to take them.
	slots := make(chan struct{}, run.opts.concurrency)
	jobs := make(chan int, run.opts.concurrency)
	var wg sync.WaitGroup
	for range run.opts.concurrency {
		wg.Go(func() {
			if run.opts.rate > 0 {
				for i := range jobs {
					run.exchange(ctx, t, i)
					<-slots
				}
				return
			}
			for window.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(len(run.msgs)) {
					return
				}
				run.exchange(ctx, t, int(i))
			}
		})
	}
	if run.opts.rate > 0 {
		run.dispatch(window, slots, jobs)
	}
	wg.Wait()
	run.capped = next.Load() > int64(len(run.msgs))
	run.handedOut = len(run.msgs)
	if run.opts.rate == 0 {
		run.handedOut = int(min(next.Load(), int64(len(run.msgs))))
	}
}

// dispatch hands each message to a connection at its scheduled time. It
// never slows the schedule down: a message due while every connection is
// busy waits for the next free one, and its latency still counts from when
// it was due; the messages after it are then already due and go at once.
func (run *loadRun) dispatch(window context.Context, slots chan<- struct{}, jobs chan<- int) {
	defer close(jobs)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for i := range run.msgs {
		if window.Err() != nil {
			return
		}
		if wait := run.scheduledAt(i) - run.since(); wait > 0 {
			timer.Reset(wait)
			select {
			case <-window.Done():
				return
			case <-timer.C:
			}
		}
		select {
		case slots <- struct{}{}:
		default:
			run.waitedForSlot++
			select {
			case <-window.Done():
				return
			case slots <- struct{}{}:
			}
		}
		jobs <- i
	}
}

// exchange sends message i and records when it went out and when its
// acknowledgement had been read.
func (run *loadRun) exchange(ctx context.Context, t loadTarget, i int) {
	m := &run.msgs[i]
	m.began = true
	req, err := t.request(i)
	if err != nil {
		run.errs.add("preparing the message", err)
		return
	}
	m.sent, m.sentAt = true, run.since()
	resp, err := t.client.Do(req.WithContext(ctx))
	if err != nil {
		run.errs.add(transportErrorKind(err), err)
		return
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		run.errs.add("reading the answer", err)
	case resp.StatusCode != http.StatusOK:
		run.errs.add("HTTP "+strconv.Itoa(resp.StatusCode), errors.New(resp.Status))
	default:
		m.acked, m.ackedAt = true, run.since()
	}
}

// transportErrorKind names why a request got no answer, in a few kinds an
// operator can act on.
func transportErrorKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection reset"
	default:
		return "transport"
	}
}

func (run *loadRun) count(f func(*loadMessage) bool) int {
	n := 0
	for i := range run.handedOut {
		if f(&run.msgs[i]) {
			n++
		}
	}
	return n
}
