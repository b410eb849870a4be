package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// salon load runs against its own sandbox and says what it offered, what
// was achieved and whether the target was reached; with --rate 0 it says
// there was no schedule to measure from.
func TestLoadCommand(t *testing.T) {
	t.Parallel()
	load := func(t *testing.T, args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		if err := run(context.Background(), append([]string{"load"}, args...), func(string) string { return "" }, nil, &out, &errs); err != nil {
			t.Fatalf("load %q: %v\n%s", args, err, errs.String())
		}
		return out.String()
	}
	t.Run("OpenLoop", func(t *testing.T) {
		got := load(t, "--rate", "200", "--duration", "1s", "--clients", "50")
		for _, want := range []string{
			"target    200 msgs/s for 1s: 200 messages due", "offered   ", "achieved  ", "late to start",
			"p50", "p90", "p99", "max", "ack from schedule", "service time (from send)", "post to NATS (from send)",
			" 0 failed", ", 0 not within 10s)", "errors    none",
		} {
			if !strings.Contains(got, want) {
				t.Fatalf("report lacks %q:\n%s", want, got)
			}
		}
	})
	t.Run("ClosedLoop", func(t *testing.T) {
		got := load(t, "--rate", "0", "--duration", "500ms", "--concurrency", "4", "--clients", "50")
		for _, want := range []string{"target    none (--rate 0): closed loop", "offered   ", "achieved  ", "a closed loop has no schedule", ", 0 not within 10s)"} {
			if !strings.Contains(got, want) {
				t.Fatalf("report lacks %q:\n%s", want, got)
			}
		}
		if strings.Contains(got, "target rate") {
			t.Fatalf("a closed loop has no target rate to reach or miss:\n%s", got)
		}
	})
	t.Run("Unreachable", func(t *testing.T) {
		// One connection cannot carry 100 000 fsync'd messages a second.
		got := load(t, "--rate", "100000", "--duration", "300ms", "--concurrency", "1", "--clients", "50")
		for _, want := range []string{"target rate NOT reached", "due messages never started"} {
			if !strings.Contains(got, want) {
				t.Fatalf("report lacks %q:\n%s", want, got)
			}
		}
	})
	t.Run("BadFlags", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--rate", "-1"}, "--rate"},
			{[]string{"--rate", "100000", "--duration", "1h"}, "--rate × --duration"},
			{[]string{"--concurrency", "0"}, "--concurrency"},
		} {
			var out, errs bytes.Buffer
			err := run(context.Background(), append([]string{"load"}, tc.args...), func(string) string { return "" }, nil, &out, &errs)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("load %q: got %v, want an error naming %s", tc.args, err, tc.want)
			}
		}
	})
}

// A server slower than the schedule makes the generator fall behind: it
// neither skips messages nor slows down, counts each from when it was due,
// and says the target was not reached.
func TestLoadCountsFromSchedule(t *testing.T) {
	t.Parallel()
	// Two connections to a 20 ms handler carry at most 100 messages a
	// second, a tenth of the target.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // the service time, not a wait
	}))
	defer srv.Close()
	o := loadOptions{rate: 1000, duration: 500 * time.Millisecond, concurrency: 2, clients: 1}
	run := newLoadRun(o)
	run.offer(context.Background(), loadTarget{client: newLoadClient(o), request: func(i int) (*http.Request, error) {
		return http.NewRequest(http.MethodPost, srv.URL, nil)
	}})
	r := run.report()

	if r.scheduled != 500 || r.began+r.unstarted != r.scheduled {
		t.Errorf("scheduled %d, began %d, never started %d: want 500 scheduled, every one either begun or counted as never started", r.scheduled, r.began, r.unstarted)
	}
	if r.unstarted == 0 || r.waitedForSlot == 0 || r.late == 0 {
		t.Errorf("never started %d, waited for a connection %d, late %d: want all three above 0", r.unstarted, r.waitedForSlot, r.late)
	}
	if r.reached() || !strings.Contains(r.String(), "target rate NOT reached") {
		t.Errorf("report does not say the target was missed:\n%s", r)
	}
	if want := "(the " + strconv.Itoa(r.unstarted) + " never started are not in these)"; !strings.Contains(r.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, r)
	}
	if r.acked == 0 || r.failed != 0 {
		t.Fatalf("%d acknowledged, %d failed: want every sent message acknowledged", r.acked, r.failed)
	}
	for i := range run.msgs {
		m := &run.msgs[i]
		if m.acked && m.ackedAt-run.scheduledAt(i) < m.ackedAt-m.sentAt {
			t.Fatalf("message %d: latency from schedule %s below its service time %s", i, m.ackedAt-run.scheduledAt(i), m.ackedAt-m.sentAt)
		}
	}
	for _, p := range []float64{50, 90, 99, 100} {
		if s, d := percentile(r.fromSchedule, p), percentile(r.service, p); s < d {
			t.Errorf("p%v: latency from schedule %s below service time %s", p, s, d)
		}
	}
	// Messages waited for a connection, so counting from the send would
	// hide most of what a sender on this schedule saw.
	if s, d := percentile(r.fromSchedule, 50), percentile(r.service, 50); s <= d {
		t.Errorf("p50: latency from schedule %s not above service time %s", s, d)
	}
}

// Failures are counted by kind, each with its first error, and only
// acknowledged messages count as achieved.
func TestLoadCountsErrorsByKind(t *testing.T) {
	t.Parallel()
	// Even messages are refused with 503, odd ones acknowledged.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if i, _ := strconv.Atoi(r.URL.Query().Get("i")); i%2 == 0 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	closed := "http://" + refusingAddr(t)

	for _, tc := range []struct {
		name, url, kind string
		acked           bool
	}{
		{"HTTP", srv.URL, "HTTP 503", true},
		{"Refused", closed, "connection refused", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := loadOptions{rate: 20, duration: time.Second, concurrency: 4, clients: 1}
			run := newLoadRun(o)
			run.offer(context.Background(), loadTarget{client: newLoadClient(o), request: func(i int) (*http.Request, error) {
				return http.NewRequest(http.MethodPost, tc.url+"/?i="+strconv.Itoa(i), nil)
			}})
			r := run.report()
			if len(r.errors) != 1 || r.errors[0].kind != tc.kind || r.errors[0].count == 0 {
				t.Fatalf("errors %+v: want only %q", r.errors, tc.kind)
			}
			if r.acked+r.failed != r.sent || (r.acked > 0) != tc.acked {
				t.Errorf("%d sent, %d acknowledged, %d failed", r.sent, r.acked, r.failed)
			}
			if want := "errors    " + tc.kind + ": " + strconv.Itoa(r.failed) + " (first: "; !strings.Contains(r.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, r)
			}
		})
	}
}

// refusingAddr is a loopback address that refuses connections for the
// rest of the test: a socket bound there and never listening holds the
// port, where a listener closed at once would free it for another test
// to take.
func refusingAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
}
