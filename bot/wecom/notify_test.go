package wecom_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/bot/wecom"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/natsbus"
)

const (
	notifyDurable = "test-wecom-app"
	console       = "https://salon.example.com"
	sendPath      = "/cgi-bin/message/send"
)

// notifierFor starts a Notifier on bus against fake, with the clock the
// per-member limit is paced by, and stops it at cleanup.
func notifierFor(t *testing.T, bus *natsbus.Bus, fake *wechattest.Server, clock clienteling.Timer) *runningNotifier {
	t.Helper()
	n, err := wecom.NewNotifier(t.Context(), bus.JS, provider(t, fake, "app", wechattest.DefaultAppSecret), wecom.NotifierOptions{
		Durable: wecom.Durable{Stream: natsbus.NotifyStream, Name: notifyDurable, Subject: natsbus.SubjectAssociateNotify,
			AckWait: 2 * time.Second},
		AgentID: fake.Options().AgentID, Console: func() string { return console }, Clock: clock,
		MaxBackoff: 50 * time.Millisecond, Log: discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- n.Run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-ran; err != nil {
				t.Errorf("notifier stopped with %v, want nil", err)
			}
		})
	}
	t.Cleanup(stop)
	return &runningNotifier{Notifier: n, Stop: stop}
}

// runningNotifier is a notifier whose Run goes on until Stop.
type runningNotifier struct {
	*wecom.Notifier
	Stop func()
}

// noticeID returns the notice id a card links to ("" for a digest).
func noticeID(t *testing.T, m wechattest.AppMessage) (id string, card wechattest.TextCard) {
	t.Helper()
	card, err := m.TextCard()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(card.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("notice"), card
}

// received publishes the i-th "a client wrote" notification for amy.
func received(t *testing.T, bus *natsbus.Bus, i int) string {
	t.Helper()
	id := fmt.Sprintf("N%03d", i)
	publish(t, bus.JS, "salon.notify.associate.amy", id, clienteling.EventMessageReceived,
		clienteling.MessageNotice{Customer: clienteling.CustomerID(fmt.Sprintf("C%03d", i)), Type: "text", Preview: fmt.Sprintf("message %d", i)})
	return id
}

// TestNotifierFoldsExcessIntoDigest: 40 notifications to one associate
// within a minute make exactly 30 cards, then, when the minute frees a
// slot, one digest of the other 10; WeCom drops nothing, and each
// notification is counted once.
func TestNotifierFoldsExcessIntoDigest(t *testing.T) {
	t.Parallel()
	clock := clientelingtest.NewClock(time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC))
	fake := wechattest.Start(t, wechattest.Options{Clock: clock.Now})
	bus := startBus(t)
	n := notifierFor(t, bus, fake, clock)

	want := map[string]bool{}
	for i := range 40 {
		want[received(t, bus, i)] = true
	}
	if _, err := fake.WaitCalls(waitCtx(t), sendPath, wecom.MemberLimit); err != nil {
		t.Fatal(err)
	}
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if got := n.Pending("amy"); got != 10 {
			return fmt.Errorf("%d notifications wait for a slot, want 10", got)
		}
		return nil
	})
	if got := len(fake.AppMessages("amy")); got != wecom.MemberLimit {
		t.Fatalf("%d cards within the minute, want %d", got, wecom.MemberLimit)
	}

	clock.Advance(time.Minute)
	if _, err := fake.WaitCalls(waitCtx(t), sendPath, wecom.MemberLimit+1); err != nil {
		t.Fatal(err)
	}
	clientelingtest.CheckFor(t, 10*time.Second, settled(bus.JS, natsbus.NotifyStream, notifyDurable))

	msgs := fake.AppMessages("amy")
	if len(msgs) != wecom.MemberLimit+1 {
		t.Fatalf("got %d cards, want %d and a digest", len(msgs), wecom.MemberLimit)
	}
	for i, m := range msgs {
		if m.Dropped {
			t.Fatalf("card %d was over WeCom's limit and dropped", i)
		}
		if m.MsgType != "textcard" {
			t.Fatalf("card %d is a %s", i, m.MsgType)
		}
	}
	for i, m := range msgs[:wecom.MemberLimit] {
		id, card := noticeID(t, m)
		if !want[id] {
			t.Fatalf("card %d is for notification %q: unknown or sent twice", i, id)
		}
		delete(want, id)
		if card.Title != "A client wrote" || !strings.HasPrefix(card.Description, "message ") ||
			!strings.HasPrefix(card.URL, console+"/?") || !strings.Contains(card.URL, "customer=C") {
			t.Fatalf("card %d: %+v", i, card)
		}
	}
	_, digest := noticeID(t, msgs[wecom.MemberLimit])
	if want := "10 more: 10 clients wrote"; digest.Description != want || len(want) != 25 {
		t.Fatalf("digest says %q, want %q", digest.Description, want)
	}
	if n.Pending("amy") != 0 {
		t.Fatalf("%d notifications still wait", n.Pending("amy"))
	}
}

// TestNotifierRetriesUntilWeComAnswers: WeCom answers 502 and 503, then
// recovers: the notification is delivered once and acknowledged.
func TestNotifierRetriesUntilWeComAnswers(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	fake.Script(sendPath, wechattest.Fault{Status: 502}, wechattest.Fault{Status: 503})
	bus := startBus(t)
	notifierFor(t, bus, fake, nil)

	first := received(t, bus, 1)
	if _, err := fake.WaitCalls(waitCtx(t), sendPath, 3); err != nil {
		t.Fatal(err)
	}
	clientelingtest.CheckFor(t, 10*time.Second, settled(bus.JS, natsbus.NotifyStream, notifyDurable))
	// A later notification goes through after it: nothing sent the first again.
	second := received(t, bus, 2)
	if _, err := fake.WaitCalls(waitCtx(t), sendPath, 4); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range fake.AppMessages("amy") {
		id, _ := noticeID(t, m)
		got = append(got, id)
	}
	if fmt.Sprint(got) != fmt.Sprint([]string{first, second}) {
		t.Fatalf("delivered %v, want %v once each", got, []string{first, second})
	}
	for _, c := range fake.CallsTo(sendPath) {
		var body map[string]any
		if err := json.Unmarshal(c.Body, &body); err != nil {
			t.Fatal(err)
		}
		if body["agentid"] != float64(1000002) || body["touser"] != "amy" || body["enable_duplicate_check"] != float64(1) {
			t.Fatalf("message/send body %s", c.Body)
		}
	}
}

// TestNotifierRestartLosesAndRepeatsNothing: a notifier stopped while
// notifications stream in, and a new one on the same durable consumer,
// deliver each of them once between them.
func TestNotifierRestartLosesAndRepeatsNothing(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	// Slow WeCom a little so that the stop comes mid-stream.
	fake.Always(sendPath, wechattest.Fault{Delay: 10 * time.Millisecond})
	bus := startBus(t)
	const total = 25 // within one minute's limit across both runs
	first := notifierFor(t, bus, fake, nil)
	var want []string
	for i := range total / 2 {
		want = append(want, received(t, bus, i))
	}
	if _, err := fake.WaitCalls(waitCtx(t), sendPath, 3); err != nil {
		t.Fatal(err)
	}
	first.Stop()
	stoppedAt := len(fake.AppMessages("amy"))
	for i := total / 2; i < total; i++ {
		want = append(want, received(t, bus, i))
	}
	notifierFor(t, bus, fake, nil)
	if _, err := fake.WaitCalls(waitCtx(t), sendPath, total); err != nil {
		t.Fatal(err)
	}
	clientelingtest.CheckFor(t, 20*time.Second, settled(bus.JS, natsbus.NotifyStream, notifyDurable))
	seen := map[string]int{}
	for _, m := range fake.AppMessages("amy") {
		id, _ := noticeID(t, m)
		seen[id]++
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("notification %s delivered %d times", id, seen[id])
		}
	}
	if len(seen) != total {
		t.Fatalf("delivered %d distinct notifications, want %d", len(seen), total)
	}
	t.Logf("the first notifier had delivered %d of %d when stopped", stoppedAt, total)
}
