package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/salonhq/salon/clienteling"
)

// workers supervises the background workers of `salon serve`: each runs in
// its own goroutine from its start until the supervisor stops it. They stop
// in the reverse order of their start, so that a worker stops before the
// parts it uses (a sender before its token provider, the relay before the
// consumers it feeds). A worker that stops on its own is logged and named
// by /readyz; the others keep running.
type workers struct {
	log *slog.Logger

	mu      sync.Mutex
	running []*runningWorker
}

// runningWorker is one started worker.
type runningWorker struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
	err    error // why it stopped on its own; read only after done is closed
}

// start runs w until stop. Its context is the supervisor's, not a
// request's: it ends only when stop asks.
func (s *workers) start(name string, w clienteling.Worker) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningWorker{name: name, cancel: cancel, done: make(chan struct{})}
	s.mu.Lock()
	s.running = append(s.running, r)
	s.mu.Unlock()
	go func() {
		defer close(r.done)
		err := w.Run(ctx)
		if ctx.Err() != nil {
			return // asked to stop
		}
		if err == nil {
			err = errors.New("stopped without being asked")
		}
		r.err = err
		s.log.Error("worker failed", "worker", name, "err", err)
	}()
}

// stop stops the workers, last started first, each one before the next,
// and returns once they all returned or ctx ended. A worker still running
// when ctx ends is named in the error; the rest are still told to stop.
func (s *workers) stop(ctx context.Context) error {
	s.mu.Lock()
	running := s.running
	s.running = nil
	s.mu.Unlock()
	var errs []error
	for i := len(running) - 1; i >= 0; i-- {
		r := running[i]
		r.cancel()
		select {
		case <-r.done:
		case <-ctx.Done():
			s.log.Error("worker did not stop within the shutdown timeout", "worker", r.name, "timeout", ShutdownTimeout)
			errs = append(errs, fmt.Errorf("worker %s: did not stop within %v", r.name, ShutdownTimeout))
		}
	}
	return errors.Join(errs...)
}

// check is the readiness check of the workers: it fails naming each worker
// that stopped on its own, and why.
func (s *workers) check(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var failed []string
	for _, r := range s.running {
		select {
		case <-r.done:
			failed = append(failed, r.name+": "+r.err.Error())
		default:
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("workers stopped: %s", strings.Join(failed, "; "))
	}
	return nil
}
