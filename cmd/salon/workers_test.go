package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// TestMainShutdownLeaksNoGoroutine starts and stops the whole service many
// times in one process, in sandbox mode, and finds every goroutine it
// started gone: workers, token fetches, the fake WeChat, NATS, bbolt.
//
// It is not parallel: it counts every goroutine of the process, so it
// must run alone. Go runs the package's sequential tests one by one, each
// to its end, before it lets any parallel test past t.Parallel().
func TestMainShutdownLeaksNoGoroutine(t *testing.T) {
	const starts = 50
	dir := t.TempDir()
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	startStop := func() {
		t.Helper()
		m := &Main{Config: testConfig(t, func(c *Config) { c.DataDir = dir })}
		if err := m.Run(context.Background()); err != nil {
			t.Fatalf("run main: %v", err)
		}
		resp, err := client.Get(m.URL() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("/readyz answered %d, want 200", resp.StatusCode)
		}
		if err := m.Close(); err != nil {
			t.Fatalf("close main: %v", err)
		}
	}
	// The first start seeds the sandbox and starts what a process keeps
	// for good (the runtime's and libraries' own goroutines).
	startStop()
	before := settledGoroutines(t)

	began := time.Now()
	for range starts {
		startStop()
	}
	elapsed := time.Since(began)
	// On failure, the stacks say whose goroutines stayed.
	t.Cleanup(func() {
		if t.Failed() {
			var stacks bytes.Buffer
			_ = pprof.Lookup("goroutine").WriteTo(&stacks, 2)
			t.Logf("goroutines:\n%s", stacks.String())
		}
	})
	// Goroutines on their way out are not counted: wait for them to go.
	var after int
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if after = runtime.NumGoroutine(); after > before {
			return fmt.Errorf("%d goroutines after %d starts and stops, %d before", after, starts, before)
		}
		return nil
	})
	t.Logf("%d starts and stops in %v; goroutines after the first: %d, after the last: %d", starts, elapsed, before, after)
}

// settledGoroutines waits until runtime.NumGoroutine has not changed for
// a while, so that goroutines on their way out are not counted, and
// returns it.
func settledGoroutines(t *testing.T) int {
	t.Helper()
	const steadyFor = 200 * time.Millisecond
	last, since := runtime.NumGoroutine(), time.Now()
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if n := runtime.NumGoroutine(); n != last {
			last, since = n, time.Now()
		}
		if time.Since(since) < steadyFor {
			return fmt.Errorf("goroutines still changing: %d", last)
		}
		return nil
	})
	return last
}

// recordingWorker records its start and stop in a shared log, and fails
// on its own if told to.
type recordingWorker struct {
	name string
	log  *orderLog
	fail error
}

type orderLog struct {
	mu    sync.Mutex
	steps []string
}

func (l *orderLog) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.steps = append(l.steps, s)
}

func (l *orderLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.steps)
}

func (w *recordingWorker) Run(ctx context.Context) error {
	w.log.add("start " + w.name)
	if w.fail != nil {
		return w.fail
	}
	<-ctx.Done()
	w.log.add("stop " + w.name)
	return nil
}

func TestWorkersShutdownInReverseOrder(t *testing.T) {
	t.Parallel()
	order := &orderLog{}
	s := &workers{log: slog.New(slog.DiscardHandler)}
	for _, name := range []string{"tokens", "relay", "sender"} {
		s.start(name, &recordingWorker{name: name, log: order})
		// Wait for each to run, so that the start order is known.
		for !slices.Contains(order.get(), "start "+name) {
			runtime.Gosched()
		}
	}
	if err := s.check(t.Context()); err != nil {
		t.Fatalf("check with every worker running: %v", err)
	}
	if err := s.stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	got := order.get()
	want := []string{"start tokens", "start relay", "start sender", "stop sender", "stop relay", "stop tokens"}
	if !slices.Equal(got, want) {
		t.Errorf("steps %q, want %q", got, want)
	}
}

func TestWorkersFailedWorkerFailsReadiness(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	s := &workers{log: slog.New(slog.NewTextHandler(&logged, nil))}
	s.start("steady", &recordingWorker{name: "steady", log: &orderLog{}})
	s.start("broken", &recordingWorker{name: "broken", log: &orderLog{}, fail: errors.New("store gone")})
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if s.check(t.Context()) == nil {
			return errors.New("readiness never reported the failed worker")
		}
		return nil
	})
	err := s.check(t.Context())
	if !strings.Contains(err.Error(), "broken: store gone") || strings.Contains(err.Error(), "steady") {
		t.Errorf("check = %v, want it to name only the broken worker and why", err)
	}
	if !strings.Contains(logged.String(), "worker failed") || !strings.Contains(logged.String(), "worker=broken") {
		t.Errorf("log %q does not name the failed worker", logged.String())
	}
	if err := s.stop(t.Context()); err != nil {
		t.Fatal(err)
	}
}
