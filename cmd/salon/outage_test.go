package main

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// natsOutage is how long NATS stays down while clients write, as the
// issue asks: long enough for the relay to back off several times.
const natsOutage = 30 * time.Second

// Clients keep writing while the external NATS server is stopped for 30
// seconds and started again: every message is acknowledged, and every
// notification reaches the notify stream exactly once.
func TestNotificationsSurviveNATSOutage(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a 30-second outage; -short skips it")
	}
	ext := clientelingtest.RunNATS(t)
	url := ext.URL
	m := MustRunMain(t, func(c *Config) { c.NATSURL = url })
	oa := oaSender(m)

	var sent atomic.Int64
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for w := 0; w < 4; w++ {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				openid := fmt.Sprintf("oOUTAGE%d_%02d", w, i%10)
				cb := oa.Safe(wechattest.TextMsg("gh_salon", openid, "hello", int64(w)<<32|int64(i), time.Now()).XML())
				if status, body := post(t, m, cb); status != 200 || body != "success" {
					t.Errorf("writer %d message %d: %d %q", w, i, status, body)
					return
				}
				sent.Add(1)
			}
		}()
	}
	// The sleeps are the scenario, not waits for a condition: clients
	// write for two seconds with NATS up, through the whole outage, and
	// for two seconds after it.
	time.Sleep(2 * time.Second)
	ext.Stop()
	time.Sleep(natsOutage)
	ext.Start()
	time.Sleep(2 * time.Second)
	close(stop)
	writers.Wait()
	want := int(sent.Load())
	t.Logf("%d messages acknowledged across the outage", want)

	watcher, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer watcher.Close()
	js, err := jetstream.New(watcher)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := js.OrderedConsumer(t.Context(), "SALON_NOTIFY", jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	clientelingtest.CheckFor(t, 60*time.Second, func() error {
		batch, err := cons.Fetch(500, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for msg := range batch.Messages() {
			var n struct {
				Type string
				Data struct{ Message string }
			}
			if err := json.Unmarshal(msg.Data(), &n); err != nil {
				t.Fatalf("notification %s: %v", msg.Data(), err)
			}
			if n.Type == "message.received" {
				seen[n.Data.Message]++
			}
		}
		if len(seen) < want {
			return fmt.Errorf("%d of %d message notifications arrived", len(seen), want)
		}
		return nil
	})
	for id, n := range seen {
		if n != 1 {
			t.Errorf("notification of message %s arrived %d times", id, n)
		}
	}
	if len(seen) != want {
		t.Fatalf("%d notifications for %d messages", len(seen), want)
	}
}
