package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// TestReadyzReportsOutboxAge: while NATS is down, /readyz and /metrics say
// how long the oldest event has waited to be published; once NATS is back
// the outbox drains and both say nothing waits.
func TestReadyzReportsOutboxAge(t *testing.T) {
	t.Parallel()
	nats := clientelingtest.RunNATS(t)
	clock := clientelingtest.NewClock(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC))
	m := mustRunMainAt(t, clock, func(c *Config) { c.NATSURL = nats.URL })
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(m.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}
	answers := func(path string, status int, want string) func() error {
		return func() error {
			got, body := get(path)
			if got != status || !strings.Contains(body, want) {
				return fmt.Errorf("%s answered %d %q, want %d with %q", path, got, body, status, want)
			}
			return nil
		}
	}
	clientelingtest.CheckFor(t, 10*time.Second, answers("/readyz", 200, "outbox: nothing waiting\n"))

	nats.Stop()
	in := &clienteling.Inbound{Identity: clienteling.Identity{Channel: "oa", ExternalID: "oOUTBOX"},
		Message: clienteling.Message{Type: "text", Text: "hello"}, DedupeKey: "oa:outbox-age"}
	announce := func(r *clienteling.Receipt) []clienteling.Event {
		return []clienteling.Event{{Type: clienteling.EventMessageReceived, Subject: clienteling.EventSubject(clienteling.EventMessageReceived),
			Data: clienteling.MessageReceived{Customer: r.Customer.ID, Message: r.Message.ID, Channel: r.Message.Channel, Type: r.Message.Type}}}
	}
	if _, err := m.DB.Receive(context.Background(), in, announce); err != nil {
		t.Fatal(err)
	}
	clock.Advance(42 * time.Second)
	clientelingtest.CheckFor(t, 10*time.Second, answers("/readyz", 503, "outbox: oldest unrelayed event 42s old\n"))
	clientelingtest.CheckFor(t, 10*time.Second, answers("/metrics", 200, "\nsalon_outbox_oldest_seconds 42\n"))

	nats.Start()
	clientelingtest.CheckFor(t, 20*time.Second, answers("/readyz", 200, "outbox: nothing waiting\n"))
	clientelingtest.CheckFor(t, 10*time.Second, answers("/metrics", 200, "\nsalon_outbox_oldest_seconds 0\n"))
}
