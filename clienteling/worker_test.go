package clienteling_test

import (
	"context"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
)

func TestWaker(t *testing.T) {
	t.Parallel()
	w := clienteling.NewWaker()
	select {
	case <-w.C():
		t.Fatal("a new waker is already awake")
	default:
	}
	// Many wakes fold into one and never block.
	for range 10 {
		w.Wake()
	}
	select {
	case <-w.C():
	default:
		t.Fatal("no wake after Wake")
	}
	select {
	case <-w.C():
		t.Fatal("wakes did not fold into one")
	default:
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	b := clienteling.NewBackoff(100*time.Millisecond, time.Second)
	steps := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, step := range steps {
		step *= time.Millisecond
		got := b.Next()
		if got < step/2 || got > step {
			t.Errorf("wait %d = %v, want within [%v, %v]", i, got, step/2, step)
		}
	}
	b.Reset()
	if got := b.Next(); got > 100*time.Millisecond {
		t.Errorf("after Reset, wait = %v, want at most 100ms", got)
	}
}

func TestSleep(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if clienteling.Sleep(ctx, time.Hour) {
		t.Error("Sleep on an ended context reported true")
	}
	if !clienteling.Sleep(context.Background(), time.Nanosecond) {
		t.Error("Sleep without cancellation reported false")
	}
}
