package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A call whose context ends while it waits for its round is withdrawn and
// never runs; one whose round has begun is waited for, so that no write
// function runs after its caller has returned (callers read what it set).
func TestGroupCommitWithdrawsWaitingCallsOnly(t *testing.T) {
	t.Parallel()
	b, err := bolt.Open(filepath.Join(t.TempDir(), "g.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	g := &groupCommitter{db: b, maxSize: 1} // one call a round: the second waits
	started, release := make(chan struct{}), make(chan struct{})
	var firstDone bool
	firstErr := make(chan error, 1)
	go func() {
		firstErr <- g.do(context.Background(), func(*bolt.Tx) error {
			close(started)
			<-release
			firstDone = true
			return nil
		})
	}()
	<-started

	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	secondErr := make(chan error, 1)
	go func() { secondErr <- g.do(ctx, func(*bolt.Tx) error { ran = true; return nil }) }()
	for g.queued() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-secondErr; err == nil {
		t.Fatal("a call withdrawn before its round reported success")
	}
	close(release)
	if err := <-firstErr; err != nil {
		t.Fatal(err)
	}
	if !firstDone {
		t.Fatal("the call whose round had begun returned before it finished")
	}
	for g.busy() {
		time.Sleep(time.Millisecond) // let the loop finish every round it has
	}
	if ran {
		t.Fatal("a withdrawn call ran")
	}
}

func (g *groupCommitter) busy() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.running
}

func (g *groupCommitter) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.pending)
}
