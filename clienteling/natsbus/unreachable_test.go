package natsbus_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// TestRelayWhileNATSUnreachable starts with NATS down: the log and Ready
// name the server that cannot be reached, the outbox's oldest event ages
// in the gauge and the status line, and once NATS is up the streams are
// created and the outbox drains.
func TestRelayWhileNATSUnreachable(t *testing.T) {
	srv := clientelingtest.RunNATS(t)
	srv.Stop()
	clock := clientelingtest.NewClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	rig := startRelay(t, srv.URL, store.Options{Now: clock.Now}, nil)
	rig.relay.Clock = clock
	reg := prometheus.NewRegistry()
	if err := rig.relay.Register(reg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	if got, want := rig.relay.Status(ctx), "nothing waiting"; got != want {
		t.Errorf("status with an empty outbox = %q, want %q", got, want)
	}
	rig.send(0, 3)
	want := "NATS unreachable at " + srv.URL + ": "
	clientelingtest.CheckFor(t, 10*time.Second, rig.log.saying(want))
	if strings.Contains(rig.log.String(), "headers not supported") {
		t.Errorf("log blames headers for an unreachable server:\n%s", rig.log)
	}
	if err := rig.bus.Ready(ctx); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Ready = %v, want it to say %q", err, want)
	}

	clock.Advance(42 * time.Second)
	if got, want := oldestSeconds(t, reg), 42.0; got != want {
		t.Errorf("salon_outbox_oldest_seconds = %v, want %v", got, want)
	}
	if got, want := rig.relay.Status(ctx), "oldest unrelayed event 42s old"; got != want {
		t.Errorf("status = %q, want %q", got, want)
	}

	srv.Start()
	clientelingtest.CheckFor(t, 20*time.Second, rig.outboxEmpty)
	clientelingtest.CheckFor(t, 10*time.Second, streamHolds(t, srv.URL, 3))
	if got := oldestSeconds(t, reg); got != 0 {
		t.Errorf("salon_outbox_oldest_seconds after the outage = %v, want 0", got)
	}
}

// oldestSeconds reads the gauge as a scrape would.
func oldestSeconds(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "salon_outbox_oldest_seconds" {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatal(fmt.Errorf("salon_outbox_oldest_seconds not registered"))
	return 0
}
