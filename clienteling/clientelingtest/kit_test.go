package clientelingtest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// The kit's clock is the domain's Timer.
var _ clienteling.Timer = (*clientelingtest.Clock)(nil)

func TestClockWakesWaitsThatEnd(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	c := clientelingtest.NewClock(start)
	soon, later := c.After(time.Minute), c.After(time.Hour)
	c.Advance(time.Minute)
	select {
	case got := <-soon:
		if want := start.Add(time.Minute); !got.Equal(want) {
			t.Errorf("woken at %v, want %v", got, want)
		}
	default:
		t.Fatal("a wait that ended was not woken")
	}
	select {
	case <-later:
		t.Fatal("a wait that has not ended was woken")
	default:
	}
	c.Set(start.Add(2 * time.Hour))
	if _, ok := <-later; !ok {
		t.Fatal("later wait closed")
	}
	if got := <-c.After(0); !got.Equal(c.Now()) {
		t.Errorf("After(0) = %v, want now", got)
	}
}

// fatalRecorder stands in for a test to see CheckFor give up.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	panic(r)
}

func TestCheckFor(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		n := 0
		clientelingtest.CheckFor(t, time.Second, func() error {
			if n++; n < 3 {
				return errors.New("not yet")
			}
			return nil
		})
		if n != 3 {
			t.Errorf("polled %d times, want 3", n)
		}
	})
	t.Run("GivesUpWithTheLastError", func(t *testing.T) {
		r := &fatalRecorder{TB: t}
		func() {
			defer func() { recover() }()
			clientelingtest.CheckFor(r, 20*time.Millisecond, func() error { return errors.New("still waiting") })
		}()
		if want := "still waiting"; r.msg == "" || !strings.Contains(r.msg, want) {
			t.Errorf("failure %q does not carry %q", r.msg, want)
		}
	})
}

func TestReopenKeepsWhatWasWritten(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	db := clientelingtest.Reopen(t, m.DB)
	got, err := db.FindCustomerByIdentity(t.Context(), m.Own.Identities[0])
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != m.Own.ID {
		t.Errorf("after reopen: client %s, want %s", got.ID, m.Own.ID)
	}
}

func TestNATSRestartsWhereClientsExpectIt(t *testing.T) {
	t.Parallel()
	n := clientelingtest.RunNATS(t)
	nc, err := nats.Connect(n.URL, nats.MaxReconnects(-1), nats.ReconnectWait(10*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	n.Stop()
	clientelingtest.CheckFor(t, 5*time.Second, func() error {
		if nc.IsConnected() {
			return errors.New("still connected")
		}
		return nil
	})
	n.Start()
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if !nc.IsConnected() {
			return errors.New("not reconnected")
		}
		return nil
	})
}
