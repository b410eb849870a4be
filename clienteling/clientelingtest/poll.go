package clientelingtest

import (
	"testing"
	"time"
)

// pollInterval is short enough that a passing check costs little, long
// enough not to starve the goroutines it waits for on two cores.
const pollInterval = 5 * time.Millisecond

// CheckFor polls cond until it returns nil, failing the test with cond's
// last error when timeout passes first. Tests wait with it, never with a
// sleep: it ends as soon as the condition holds.
func CheckFor(tb testing.TB, timeout time.Duration, cond func() error) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("not met after %v: %v", timeout, err)
		}
		time.Sleep(pollInterval)
	}
}
