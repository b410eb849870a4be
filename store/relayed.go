package store

import (
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultRelayedFlushDelay is how long the removal of relayed events may
// wait for a commit to carry it before it gets one of its own. Until it
// commits, a crash makes the relay publish those events again, with the
// same Nats-Msg-Id, which JetStream's duplicate window (ten minutes)
// drops; a fraction of a second keeps that rare and far inside the window.
const DefaultRelayedFlushDelay = 200 * time.Millisecond

// relayedEvents holds the outbox keys of events JetStream has stored whose
// removal from the outbox is not committed yet. The removal rides in the
// next round of the group committer, whoever starts it, so that relaying
// costs no commit of its own while clients write; when nobody writes, a
// timer commits it. Reads of the outbox skip these keys at once.
type relayedEvents struct {
	delay time.Duration
	// flush commits the waiting removals in a round of their own.
	flush func() error

	mu     sync.Mutex
	keys   map[uint64]struct{}
	timer  *time.Timer
	gen    uint64 // which timer is r.timer, so that a stale one does nothing
	closed bool
}

func newRelayedEvents(delay time.Duration, flush func() error) *relayedEvents {
	return &relayedEvents{delay: delay, flush: flush, keys: map[uint64]struct{}{}}
}

// add notes keys as relayed and makes sure their removal commits within
// the delay.
func (r *relayedEvents) add(keys []uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		r.keys[k] = struct{}{}
	}
	r.schedule()
}

// schedule starts the flush timer unless one runs; r.mu is held.
func (r *relayedEvents) schedule() {
	if r.timer == nil && !r.closed && len(r.keys) > 0 {
		r.gen++
		gen := r.gen
		r.timer = time.AfterFunc(r.delay, func() { r.fire(gen) })
	}
}

// fire flushes what no round has carried since timer gen started, unless
// that timer was stopped or replaced meanwhile, and starts another timer
// for what is still waiting after (added meanwhile, or a failed commit).
func (r *relayedEvents) fire(gen uint64) {
	r.mu.Lock()
	if gen != r.gen || r.timer == nil || r.closed {
		r.mu.Unlock()
		return
	}
	r.mu.Unlock()
	_ = r.flush() // on failure the keys stay, and the next timer retries
	r.mu.Lock()
	defer r.mu.Unlock()
	if gen == r.gen {
		r.timer = nil
		r.schedule()
	}
}

// skip returns a copy of the keys to leave out of a read of the outbox. A
// read must start after taking it: a key that left the set before was
// removed by a commit the read then sees.
func (r *relayedEvents) skip() map[uint64]struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.keys) == 0 {
		return nil
	}
	out := make(map[uint64]struct{}, len(r.keys))
	for k := range r.keys {
		out[k] = struct{}{}
	}
	return out
}

// carry deletes the waiting keys in tx and returns what forgets them once
// tx is durable; nil when none wait.
func (r *relayedEvents) carry(tx *bolt.Tx) (committed func(), err error) {
	r.mu.Lock()
	keys := make([]uint64, 0, len(r.keys))
	for k := range r.keys {
		keys = append(keys, k)
	}
	r.mu.Unlock()
	if len(keys) == 0 {
		return nil, nil
	}
	slices.Sort(keys) // neighbouring keys share pages
	if err := deleteOutbox(tx, keys); err != nil {
		return nil, err
	}
	return func() {
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, k := range keys {
			delete(r.keys, k)
		}
		if len(r.keys) == 0 && r.timer != nil {
			// Nothing left to flush: while clients write, rounds carry
			// every removal and the timer never commits on its own.
			r.timer.Stop()
			r.timer = nil
		}
	}, nil
}

// close stops the timer and returns the keys still waiting, for a last
// commit before the database closes.
func (r *relayedEvents) close() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	keys := make([]uint64, 0, len(r.keys))
	for k := range r.keys {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// deleteOutbox removes keys from the outbox in tx; keys already gone are
// no error, so a removal may be committed twice.
func deleteOutbox(tx *bolt.Tx, keys []uint64) error {
	b := tx.Bucket(bucketOutbox)
	for _, k := range keys {
		if err := b.Delete(u64(k)); err != nil {
			return err
		}
	}
	return nil
}
