package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// groupCommitter runs write functions from many goroutines in shared
// transactions: while one commit (and its fsync) is in flight, the next
// callers queue, and the next commit takes them all. A lone writer commits at
// once instead of waiting out bbolt Batch's timer, and a crowd shares one
// fsync per round instead of one per caller.
type groupCommitter struct {
	db      *bolt.DB
	maxSize int
	// carry, if set, adds deferred writes to every round: it writes them
	// in tx and returns what to do once tx is durable (nil: nothing).
	carry func(tx *bolt.Tx) (committed func(), err error)
	// commits counts the rounds committed, and the database's other
	// commits too (DB.update), so that it counts every fsync round.
	commits atomic.Uint64

	mu      sync.Mutex
	pending []*groupCall
	running bool
}

type groupCall struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// errSkipped marks a call left out of a round because another call failed.
var errSkipped = errors.New("skipped")

// errNotCarried marks a round rolled back because its deferred writes
// failed: it runs again without them, which stay deferred.
var errNotCarried = errors.New("deferred writes failed")

// do runs fn in a shared transaction and returns after it is durable. Like
// bbolt's Batch, fn may run more than once (when another call in its round
// fails) and must be idempotent.
//
// If ctx ends while fn still waits for its round, fn is withdrawn and never
// runs: do returns ctx's error and nothing was written. Once its round has
// begun, do waits for the outcome, so that fn never runs after do returns
// and callers may read what fn wrote into their variables.
func (g *groupCommitter) do(ctx context.Context, fn func(*bolt.Tx) error) error {
	call := &groupCall{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, call)
	if !g.running {
		g.running = true
		go g.loop()
	}
	g.mu.Unlock()
	select {
	case err := <-call.done:
		return err
	case <-ctx.Done():
	}
	if g.withdraw(call) {
		return &clienteling.Error{Code: clienteling.EUNAVAILABLE, Message: "storage did not commit in time", Err: ctx.Err()}
	}
	return <-call.done
}

// withdraw removes call from the queue if no round has taken it yet.
func (g *groupCommitter) withdraw(call *groupCall) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, c := range g.pending {
		if c == call {
			g.pending = append(g.pending[:i], g.pending[i+1:]...)
			return true
		}
	}
	return false
}

// loop commits rounds until nothing is pending.
func (g *groupCommitter) loop() {
	for {
		g.mu.Lock()
		round := g.pending
		if len(round) > g.maxSize {
			round, g.pending = round[:g.maxSize], round[g.maxSize:]
		} else {
			g.pending = nil
		}
		if len(round) == 0 {
			g.running = false
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		g.commit(round)
	}
}

// commit runs a round in one transaction, with the deferred writes carried.
// If a call fails, the transaction is rolled back, that call gets its
// error, and the rest run again without it. If the deferred writes fail,
// the round runs again without them: they must not fail anyone's call.
func (g *groupCommitter) commit(round []*groupCall) {
	carry := g.carry
	for len(round) > 0 {
		failed := -1
		var failure error
		var committed func()
		err := g.db.Update(func(tx *bolt.Tx) error {
			committed = nil
			if carry != nil {
				var err error
				if committed, err = carry(tx); err != nil {
					return errNotCarried
				}
			}
			for i, c := range round {
				if err := safeCall(c.fn, tx); err != nil {
					failed, failure = i, err
					return errSkipped
				}
			}
			return nil
		})
		if errors.Is(err, errNotCarried) {
			carry = nil
			continue
		}
		if failed >= 0 {
			round[failed].done <- failure
			round = append(round[:failed:failed], round[failed+1:]...)
			continue
		}
		if err == nil {
			g.commits.Add(1)
			if committed != nil {
				committed()
			}
		}
		for _, c := range round {
			c.done <- err
		}
		return
	}
}

// safeCall turns a panic in fn into an error for its caller alone, so one bad
// request cannot take down the writers it shares a commit with.
func safeCall(fn func(*bolt.Tx) error, tx *bolt.Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = panicError{r}
		}
	}()
	return fn(tx)
}

type panicError struct{ v any }

func (p panicError) Error() string { return "panic in transaction" }
