package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// queueReplies posts n replies, five per client (a full window each) to
// clients made for the purpose, through the API; it returns the ids of the
// queued messages.
func queueReplies(t *testing.T, m *Main, prefix string, n int) []clienteling.MessageID {
	t.Helper()
	var customers []string
	for i := 0; i < (n+4)/5; i++ {
		customers = append(customers, openClient(t, m, false, oaID(fmt.Sprintf("o%s%05d", prefix, i))))
	}
	ids := make([]clienteling.MessageID, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var queued clienteling.Message
			body := fmt.Sprintf(`{"type":"text","text":"%s-%d"}`, prefix, i)
			if got := call(t, m, "POST", "/api/v1/customers/"+customers[i%len(customers)]+"/messages", testAdminToken, body, &queued); got != 202 {
				t.Errorf("reply %d: %d, want 202", i, got)
			}
			ids[i] = queued.ID
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return ids
}

// waitAllSent waits until every message is sent; a failed one fails the
// test.
func waitAllSent(t *testing.T, m *Main, ids []clienteling.MessageID, within time.Duration) {
	t.Helper()
	unsent := ids
	clientelingtest.CheckFor(t, within, func() error {
		for len(unsent) > 0 {
			id := unsent[0]
			msg, err := m.DB.FindMessage(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			switch msg.Status {
			case clienteling.StatusFailed:
				t.Fatalf("message %s failed: %d %s", id, msg.ErrorCode, msg.ErrorReason)
			case clienteling.StatusSent:
				unsent = unsent[1:]
			default:
				return fmt.Errorf("message %s still %s", id, msg.Status)
			}
		}
		return nil
	})
}

// sentTexts counts the texts the fake accepted on custom send.
func sentTexts(t *testing.T, fake *wechattest.Server) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, c := range fake.CallsTo(outbound.CustomSendPath) {
		if c.Status != 200 || c.Errcode != 0 {
			continue
		}
		var body struct{ Text struct{ Content string } }
		if err := c.JSON(&body); err != nil {
			t.Fatal(err)
		}
		got[body.Text.Content]++
	}
	return got
}

// 1 000 replies while WeChat takes 200 ms a call: every one is delivered,
// none twice, and the calls never exceed the custom-send ceiling.
//
// It is not parallel: it measures a rate where the calls arrive, and other
// tests' load on the CPU would bunch the arrivals.
func TestReplyBurstRateLimited(t *testing.T) {
	if testing.Short() {
		t.Skip("about ten seconds of sending; -short skips it")
	}
	const n, perSecond, burst = 1000, 100, 10
	fake := wechattest.Start(t, wechattest.Options{})
	fake.Always(outbound.CustomSendPath, wechattest.Fault{Delay: 200 * time.Millisecond})
	m := mustRunPreparedMain(t, &Main{Outbound: outbound.Options{Concurrency: 64, Limits: map[string]outbound.Limit{
		outbound.CustomSendPath: {Rate: perSecond, Burst: burst}}}}, withOA(fake))
	ids := queueReplies(t, m, "BURST", n)
	waitAllSent(t, m, ids, 2*time.Minute)

	texts := sentTexts(t, fake)
	for i := range n {
		if got := texts[fmt.Sprintf("BURST-%d", i)]; got != 1 {
			t.Fatalf("reply %d delivered %d times, want once", i, got)
		}
	}
	if len(texts) != n {
		t.Fatalf("%d distinct texts delivered, want %d", len(texts), n)
	}
	// The token bucket allows burst calls at once and perSecond a second
	// after. Calls are timed where the fake receives them, after the
	// network and the scheduler, which can bunch a few: allow one more
	// burst for that. Without the ceiling, 64 connections at 200 ms make
	// 320 calls a second.
	const ceiling = perSecond + 2*burst
	var arrivals []time.Time
	for _, c := range fake.CallsTo(outbound.CustomSendPath) {
		arrivals = append(arrivals, c.Time)
	}
	sort.Slice(arrivals, func(i, j int) bool { return arrivals[i].Before(arrivals[j]) })
	for i, j := 0, 0; i < len(arrivals); i++ {
		for arrivals[j].Before(arrivals[i].Add(-time.Second)) {
			j++
		}
		if calls := i - j + 1; calls > ceiling {
			t.Fatalf("%d calls within one second ending at call %d, above %d for a ceiling of %d/s (burst %d)", calls, i, ceiling, perSecond, burst)
		}
	}
}

// NATS stops while replies are queued and sent, and starts again: every
// reply reaches WeChat once, and its message.sent event reaches
// SALON_EVENTS once.
func TestReplyNATSOutage(t *testing.T) {
	t.Parallel()
	ext := clientelingtest.RunNATS(t)
	fake := wechattest.Start(t, wechattest.Options{})
	m := MustRunMain(t, withOA(fake), func(c *Config) { c.NATSURL = ext.URL })
	before := queueReplies(t, m, "NATSA", 20)
	ext.Stop()
	during := queueReplies(t, m, "NATSB", 20)
	waitAllSent(t, m, append(before, during...), time.Minute)
	ext.Start()
	after := queueReplies(t, m, "NATSC", 20)
	all := append(append(before, during...), after...)
	waitAllSent(t, m, all, time.Minute)

	texts := sentTexts(t, fake)
	for text, k := range texts {
		if k != 1 {
			t.Fatalf("%q delivered %d times", text, k)
		}
	}
	if len(texts) != len(all) {
		t.Fatalf("%d texts delivered, want %d", len(texts), len(all))
	}

	// Every outcome's event leaves the outbox once NATS is back.
	clientelingtest.CheckFor(t, 30*time.Second, func() error {
		pending, err := m.DB.PendingEvents(context.Background(), 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(pending) != 0 {
			return errors.New("the outbox never emptied after NATS came back")
		}
		return nil
	})
	nc, err := nats.Connect(ext.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := js.OrderedConsumer(t.Context(), "SALON_EVENTS", jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"salon.events.message.sent"}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	total := 0
	for {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for msg := range batch.Messages() {
			got++
			var ev struct{ Data struct{ Message string } }
			if err := json.Unmarshal(msg.Data(), &ev); err != nil {
				t.Fatal(err)
			}
			seen[ev.Data.Message]++
			total++
		}
		if got == 0 {
			break
		}
	}
	for _, id := range all {
		if seen[string(id)] != 1 {
			t.Fatalf("message.sent for %s arrived %d times, want once", id, seen[string(id)])
		}
	}
	if total != len(all) {
		t.Fatalf("%d message.sent events for %d messages", total, len(all))
	}
}
