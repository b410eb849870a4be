package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/salonhq/salon/bot/wechatsim"
	"github.com/salonhq/salon/clienteling"
)

// loadOptions shape one load run.
type loadOptions struct {
	rate        int           // messages offered per second; 0: as fast as answered
	duration    time.Duration // how long to offer them
	concurrency int           // connections, as WeChat opens several
	clients     int           // distinct senders
}

// cmdLoad drives the real HTTP path of a Salon of its own: a sandbox
// instance on a loopback port, with a fresh data dir, fsync on and the
// embedded NATS. It posts signed, AES-encrypted Official Account messages
// as WeChat does and reports acknowledged messages per second, the time to
// acknowledgement, and the time until each message's notification is on
// NATS.
func cmdLoad(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("load", "salon load [--rate N] [--duration D] [--concurrency C] [--clients K]\n\n"+
		"Starts a sandbox Salon on a temporary data dir and loads its WeChat callback over HTTP.", stderr)
	var o loadOptions
	fs.IntVar(&o.rate, "rate", 500, "messages offered per second (0: as fast as Salon answers)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long to offer messages")
	fs.IntVar(&o.concurrency, "concurrency", 32, "concurrent connections")
	fs.IntVar(&o.clients, "clients", 1000, "distinct clients writing")
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return &exitError{2, fmt.Errorf("load takes no arguments, got %q", fs.Args())}
	case o.rate < 0 || o.rate > 100000:
		return &exitError{2, fmt.Errorf("--rate: must be between 0 and 100000")}
	case o.duration <= 0 || o.duration > time.Hour:
		return &exitError{2, fmt.Errorf("--duration: must be between 0 and 1h")}
	case o.concurrency < 1 || o.concurrency > 1000:
		return &exitError{2, fmt.Errorf("--concurrency: must be between 1 and 1000")}
	case o.clients < 1 || o.clients > 1000000:
		return &exitError{2, fmt.Errorf("--clients: must be between 1 and 1000000")}
	}
	dir, err := os.MkdirTemp("", "salon-load-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var cfg Config
	cfg.bindFlags(newFlagSet("serve", "", io.Discard), func(string) string { return "" })
	cfg.DataDir, cfg.HTTPAddr, cfg.Sandbox = dir, "127.0.0.1:0", "on"
	m := &Main{Config: cfg}
	if err := m.Run(ctx); err != nil {
		return err
	}
	defer m.Close()
	r, err := runLoad(ctx, m, o)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, r)
	return nil
}

// loadResult is what a run measured.
type loadResult struct {
	opts                 loadOptions
	sent, failed         int
	elapsed              time.Duration
	ack, notify          []time.Duration // sorted
	notified, unnotified int
}

func (r *loadResult) String() string {
	pct := func(ds []time.Duration, p int) string {
		if len(ds) == 0 {
			return "-"
		}
		return ds[(len(ds)-1)*p/100].Round(10 * time.Microsecond).String()
	}
	offered := strconv.Itoa(r.opts.rate) + " msgs/s"
	if r.opts.rate == 0 {
		offered = "as many msgs as answered"
	}
	return fmt.Sprintf("offered %s for %s over %d connections from %d clients\n"+
		"acknowledged %d (%d failed) in %s: %.0f msgs/s\n"+
		"acknowledgement   p50 %s  p99 %s  max %s\n"+
		"post to NATS      p50 %s  p99 %s  max %s  (%d notified, %d not within 10 s)\n",
		offered, r.opts.duration, r.opts.concurrency, r.opts.clients,
		r.sent, r.failed, r.elapsed.Round(time.Millisecond), float64(r.sent)/r.elapsed.Seconds(),
		pct(r.ack, 50), pct(r.ack, 99), pct(r.ack, 100),
		pct(r.notify, 50), pct(r.notify, 99), pct(r.notify, 100), r.notified, r.unnotified)
}

// runLoad offers messages to m's Official Account callback and waits for
// their notifications.
func runLoad(ctx context.Context, m *Main, o loadOptions) (*loadResult, error) {
	c := m.sandbox.creds
	oa := &wechatsim.OA{AppID: c.OAAppID, Token: c.OAToken, EncodingAESKey: c.OAAESKey}
	target := m.URL() + "/wechat/oa"
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: o.concurrency}}

	var mu sync.Mutex
	sentAt := map[int]time.Time{}
	notifiedAt := map[int]time.Time{}
	sub, err := m.Bus.Conn.Subscribe("salon.notify.>", func(msg *nats.Msg) {
		now := time.Now()
		var n struct {
			Type string
			Data struct{ Preview string }
		}
		if json.Unmarshal(msg.Data, &n) != nil || n.Type != clienteling.EventMessageReceived {
			return
		}
		if i, err := strconv.Atoi(n.Data.Preview); err == nil {
			mu.Lock()
			if _, seen := notifiedAt[i]; !seen {
				notifiedAt[i] = now
			}
			mu.Unlock()
		}
	})
	if err != nil {
		return nil, err
	}
	defer sub.Unsubscribe()
	_ = sub.SetPendingLimits(-1, -1)

	r := &loadResult{opts: o}
	// Offers come from one ticker so the rate holds however slow answers
	// are; slow answers show as latency, as they would to WeChat.
	offers := make(chan int, o.concurrency)
	runCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	go func() {
		defer close(offers)
		var tick <-chan time.Time
		if o.rate > 0 {
			t := time.NewTicker(time.Second / time.Duration(o.rate))
			defer t.Stop()
			tick = t.C
		}
		for i := 0; ; i++ {
			if tick != nil {
				select {
				case <-runCtx.Done():
					return
				case <-tick:
				}
			}
			select {
			case <-runCtx.Done():
				return
			case offers <- i:
			}
		}
	}()
	var ackMu sync.Mutex
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < o.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range offers {
				now := time.Now()
				cb := oa.Safe(wechatsim.TextMsg("gh_load", fmt.Sprintf("oLOAD%07d", i%o.clients), strconv.Itoa(i), int64(i+1), now).XML())
				t0 := time.Now()
				resp, err := client.Do(cb.Request(target))
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					continue
				}
				d := time.Since(t0)
				ackMu.Lock()
				r.ack = append(r.ack, d)
				ackMu.Unlock()
				mu.Lock()
				sentAt[i] = t0
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	r.sent, r.failed = len(r.ack), int(failed.Load())

	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		done := len(notifiedAt) >= len(sentAt)
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	for i, t0 := range sentAt {
		if at, ok := notifiedAt[i]; ok {
			r.notify = append(r.notify, at.Sub(t0))
		} else {
			r.unnotified++
		}
	}
	r.notified = len(r.notify)
	mu.Unlock()
	slices.Sort(r.ack)
	slices.Sort(r.notify)
	return r, nil
}
