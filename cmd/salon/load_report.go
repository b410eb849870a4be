package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// loadErrorLog counts failures by kind, keeping the first of each as an
// example.
type loadErrorLog struct {
	mu    sync.Mutex
	kinds map[string]*loadErrorCount
}

// loadErrorCount is how often one kind of failure happened.
type loadErrorCount struct {
	kind    string
	count   int
	example string
}

func (l *loadErrorLog) add(kind string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.kinds == nil {
		l.kinds = map[string]*loadErrorCount{}
	}
	e := l.kinds[kind]
	if e == nil {
		e = &loadErrorCount{kind: kind, example: err.Error()}
		l.kinds[kind] = e
	}
	e.count++
}

// loadReport is what a run measured.
type loadReport struct {
	opts loadOptions

	scheduled     int // open loop: messages due in the window
	began         int // messages a connection took
	sent          int // requests that went out
	acked         int // answered 200
	unstarted     int // open loop: due but never taken before the window closed
	late          int // open loop: went out more than lateToStart after due
	waitedForSlot int // open loop: due while --concurrency requests were in flight
	capped        bool

	offered, achieved float64 // messages per second
	lastAck           time.Duration

	fromSchedule, service, notify []time.Duration // sorted

	notifyMeasured       bool
	notified, unnotified int
	errors               []loadErrorCount // by kind
	failed               int
}

// report sums the run up; call it once every connection has stopped.
func (run *loadRun) report() *loadReport {
	o := run.opts
	r := &loadReport{opts: o, scheduled: int(o.scheduled()), waitedForSlot: run.waitedForSlot, capped: run.capped}
	for i := range run.handedOut {
		m := &run.msgs[i]
		if m.began {
			r.began++
		}
		if !m.sent {
			continue
		}
		r.sent++
		if o.rate > 0 && m.sentAt-run.scheduledAt(i) > lateToStart {
			r.late++
		}
		if !m.acked {
			continue
		}
		r.acked++
		r.lastAck = max(r.lastAck, m.ackedAt-run.start)
		r.service = append(r.service, m.ackedAt-m.sentAt)
		if o.rate > 0 {
			r.fromSchedule = append(r.fromSchedule, m.ackedAt-run.scheduledAt(i))
		}
		if at := m.notifiedAt.Load(); at != 0 {
			r.notify = append(r.notify, time.Duration(at-1)-m.sentAt)
		} else {
			r.unnotified++
		}
	}
	r.notified = len(r.notify)
	if o.rate > 0 {
		r.unstarted = r.scheduled - r.began
	}
	r.offered = float64(r.sent) / o.duration.Seconds()
	// Answers still in flight when the window closes stretch the time the
	// acknowledgements took; a run never takes less than its window.
	r.achieved = float64(r.acked) / max(o.duration, r.lastAck).Seconds()
	for _, d := range [][]time.Duration{r.fromSchedule, r.service, r.notify} {
		slices.Sort(d)
	}
	run.errs.mu.Lock()
	for _, e := range run.errs.kinds {
		r.errors = append(r.errors, *e)
		r.failed += e.count
	}
	run.errs.mu.Unlock()
	sort.Slice(r.errors, func(i, j int) bool { return r.errors[i].kind < r.errors[j].kind })
	return r
}

// reached says whether an open-loop run got its target: every due message
// went out, and acknowledgements kept up with the schedule.
func (r *loadReport) reached() bool {
	return r.opts.rate > 0 && r.unstarted == 0 && r.achieved >= reachedShare*float64(r.opts.rate)
}

// percentile is the nearest-rank p-th percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	k := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(k, 0), len(sorted)-1)]
}

func (r *loadReport) String() string {
	var b strings.Builder
	o := r.opts
	if o.rate > 0 {
		fmt.Fprintf(&b, "target    %d msgs/s for %s: %d messages due, open loop, at most %d in flight, %d clients\n",
			o.rate, o.duration, r.scheduled, o.concurrency, o.clients)
		fmt.Fprintf(&b, "offered   %.0f msgs/s: %d sent, %d never started, %d late to start (over %s after due), %d due while %d requests were in flight\n",
			r.offered, r.sent, r.unstarted, r.late, lateToStart, r.waitedForSlot, o.concurrency)
	} else {
		fmt.Fprintf(&b, "target    none (--rate 0): closed loop, %d connections each sending when answered, for %s, %d clients\n",
			o.concurrency, o.duration, o.clients)
		fmt.Fprintf(&b, "offered   %.0f msgs/s: %d sent\n", r.offered, r.sent)
	}
	fmt.Fprintf(&b, "achieved  %.0f msgs/s: %d acknowledged, %d failed, the last %s after the start\n",
		r.achieved, r.acked, r.failed, r.lastAck.Round(time.Millisecond))
	switch {
	case o.rate == 0 && r.capped:
		fmt.Fprintf(&b, "stopped at %d messages, the most a run keeps\n", maxLoadMessages)
	case o.rate == 0:
	case r.reached():
		fmt.Fprintf(&b, "target rate reached: %.0f of %d msgs/s acknowledged\n", r.achieved, o.rate)
	default:
		fmt.Fprintf(&b, "target rate NOT reached: %.0f of %d msgs/s acknowledged", r.achieved, o.rate)
		if r.unstarted > 0 {
			fmt.Fprintf(&b, "; %d due messages never started", r.unstarted)
		}
		b.WriteString("\n")
	}
	line := func(name string, ds []time.Duration, tail string) {
		if len(ds) == 0 {
			fmt.Fprintf(&b, "%-26s none measured%s\n", name, tail)
			return
		}
		fmt.Fprintf(&b, "%-26s", name)
		for _, p := range []float64{50, 90, 99, 100} {
			fmt.Fprintf(&b, " %10s", percentile(ds, p).Round(time.Microsecond))
		}
		b.WriteString(tail + "\n")
	}
	fmt.Fprintf(&b, "%-26s %10s %10s %10s %10s\n", "latency", "p50", "p90", "p99", "max")
	if o.rate > 0 {
		tail := ""
		if r.unstarted > 0 {
			// They would be the slowest of all; leaving them out silently
			// would flatter the tail.
			tail = fmt.Sprintf("  (the %d never started are not in these)", r.unstarted)
		}
		line("ack from schedule", r.fromSchedule, tail)
	} else {
		fmt.Fprintf(&b, "%-26s none: a closed loop has no schedule, so only service time is measured\n", "ack from schedule")
	}
	line("service time (from send)", r.service, "")
	if r.notifyMeasured {
		line("post to NATS (from send)", r.notify, fmt.Sprintf("  (%d notified, %d not within %s)", r.notified, r.unnotified, loadNotifyWait))
	}
	if len(r.errors) == 0 {
		b.WriteString("errors    none\n")
	}
	for _, e := range r.errors {
		fmt.Fprintf(&b, "errors    %s: %d (first: %s)\n", e.kind, e.count, e.example)
	}
	return b.String()
}
