package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/ingress"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// slowConns is how many slow clients the test holds at once: enough to
// matter, few enough for a 2-core machine. The 20 000 is for a
// manual run against a real deployment, not for a unit test.
const slowConns = 300

// TestSlowConnectionsDoNotStopService holds slow clients open, half
// stalled in their headers and half in a callback body, and checks that
// meanwhile /healthz answers and a genuine callback is acknowledged, and
// that the server drops the stalled callback bodies after
// callbackReadTimeout rather than after the server's 30 s.
func TestSlowConnectionsDoNotStopService(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	addr := m.listener.Addr().String()
	var dropped atomic.Int64
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	for i := range slowConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("slow connection %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
		partial := "POST /wechat/oa?signature=x HTTP/1.1\r\nHost: salon\r\nContent-Type: text/xml\r\n"
		if i%2 == 1 {
			partial += "Content-Length: 4096\r\n\r\n<xml><ToUserName>"
		}
		if _, err := io.WriteString(c, partial); err != nil {
			t.Fatalf("slow connection %d: %v", i, err)
		}
		if i%2 == 1 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Returns once the server closes the connection (or
				// the test does, at cleanup).
				_, _ = io.Copy(io.Discard, c)
				dropped.Add(1)
			}()
		}
	}

	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		resp, err := http.Get(m.URL() + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/healthz answered %d", resp.StatusCode)
		}
		return nil
	})
	msg := wechattest.TextMsg("gh_salon", "oSLOWNEIGHBOUR", "有货吗？", 6054768590064719999, time.Now())
	if status, body := post(t, m, oaSender(m).Safe(msg.XML())); status != http.StatusOK || body != "success" {
		t.Fatalf("genuine callback among slow connections: got %d %q, want 200 success", status, body)
	}
	// Well under the server's 30 s ReadTimeout, well over the 5 s
	// callback deadline.
	clientelingtest.CheckFor(t, 15*time.Second, func() error {
		if n := dropped.Load(); n < slowConns/2 {
			return fmt.Errorf("%d of %d stalled callback bodies dropped", n, slowConns/2)
		}
		return nil
	})
}

// TestConnectionCap checks that the listener holds at most its cap of
// connections open and accepts the next once one closes.
func TestConnectionCap(t *testing.T) {
	t.Parallel()
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const limit = 3
	l := limitConns(raw, limit)
	t.Cleanup(func() { l.Close() })
	accepted := make(chan net.Conn, limit+2)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	for i := range limit + 2 {
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		t.Cleanup(func() { c.Close() })
	}
	var held []net.Conn
	clientelingtest.CheckFor(t, 5*time.Second, func() error {
		for len(accepted) > 0 {
			held = append(held, <-accepted)
		}
		if len(held) < limit {
			return fmt.Errorf("%d accepted, want %d", len(held), limit)
		}
		return nil
	})
	if len(held) > limit || len(accepted) > 0 {
		t.Fatalf("%d connections accepted, cap is %d", len(held)+len(accepted), limit)
	}
	held[0].Close()
	held[0].Close() // a second Close must not free a second slot
	clientelingtest.CheckFor(t, 5*time.Second, func() error {
		if len(accepted) == 0 {
			return errors.New("no connection accepted after one closed")
		}
		return nil
	})
	held = append(held, <-accepted)
	if len(accepted) > 0 {
		t.Fatalf("two connections accepted after one closed, cap is %d", limit)
	}
	for _, c := range held {
		c.Close()
	}
}

// TestMaxConnsSetting checks that a bad SALON_MAX_CONNS stops start-up
// naming the variable.
func TestMaxConnsSetting(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"0", "-5", "many"} {
		var c Config
		c.bindFlags(newFlagSet("test", "", io.Discard), func(k string) string {
			if k == "SALON_MAX_CONNS" {
				return v
			}
			return ""
		})
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "SALON_MAX_CONNS") {
			t.Errorf("SALON_MAX_CONNS=%s: got %v, want an error naming SALON_MAX_CONNS", v, err)
		}
	}
	var c Config
	c.bindFlags(newFlagSet("test", "", io.Discard), func(string) string { return "" })
	if c.MaxConns != 10000 {
		t.Fatalf("default SALON_MAX_CONNS: got %d, want 10000", c.MaxConns)
	}
}

// TestForgedCallbackFloodLogsLittle sends a flood of forged callbacks and
// checks that the log holds a line or two for them, while the metric
// counts every one.
func TestForgedCallbackFloodLogsLittle(t *testing.T) {
	t.Parallel()
	var log lockedBuffer
	m := mustRunPreparedMain(t, &Main{Log: slog.New(slog.NewTextHandler(&log, nil))})
	const flood = 200
	forged := oaSender(m).Safe(wechattest.TextMsg("gh_salon", "oFORGER", "hi", 1, time.Now()).XML()).Forge()
	for i := range flood {
		if status, _ := post(t, m, forged); status != http.StatusUnauthorized {
			t.Fatalf("forged callback %d: got %d, want 401", i, status)
		}
	}
	// One line as the flood starts, and at most one summary if the
	// flood took longer than rejectionLogInterval.
	lines := strings.Count(log.String(), "msg=\"callback refused\"") + strings.Count(log.String(), "msg=\"callbacks rejected\"")
	if lines < 1 || lines > 2 {
		t.Fatalf("%d log lines for %d forged callbacks, want 1 or 2:\n%.2000s", lines, flood, log.String())
	}
	resp, err := http.Get(m.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !regexp.MustCompile(`salon_callback_rejected_total\{endpoint="oa",reason="[a-z_]+"\} 200\b`).Match(metrics) {
		t.Fatalf("/metrics does not count each of %d forged callbacks:\n%s", flood, grepLines(string(metrics), "salon_callback_rejected_total"))
	}
}

// TestRejectionSummaryCounts checks the summary line itself: the first
// refusal as it comes, then one line per interval with the count of the
// rest, per endpoint and reason; other records pass untouched.
func TestRejectionSummaryCounts(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	log := slog.New(summariseRejections(slog.NewTextHandler(&buf, nil), 20*time.Millisecond))
	ctx := context.Background()
	for range 50 {
		log.WarnContext(ctx, ingress.RefusedMessage, "endpoint", "oa", "reason", "signature", "status", 401)
	}
	log.WarnContext(ctx, ingress.RefusedMessage, "endpoint", "kf", "reason", "stale", "status", 401)
	log.Info("unrelated")
	clientelingtest.CheckFor(t, 5*time.Second, func() error {
		if !strings.Contains(buf.String(), `msg="callbacks rejected" reason=signature count=49 endpoint=oa`) {
			return fmt.Errorf("no summary of 49 in:\n%s", buf.String())
		}
		return nil
	})
	out := buf.String()
	if n := strings.Count(out, "msg=\"callback refused\""); n != 2 {
		t.Fatalf("%d refusals logged as they came, want 2 (one per endpoint and reason):\n%s", n, out)
	}
	if !strings.Contains(out, "msg=unrelated") {
		t.Fatalf("other records were held back:\n%s", out)
	}
	if strings.Contains(out, "endpoint=kf count") || strings.Contains(out, "reason=stale count") {
		t.Fatalf("a summary for a key refused only once:\n%s", out)
	}
}

// TestRejectionSummaryAtClose checks that refusals counted and not yet
// logged are logged at shutdown rather than lost.
func TestRejectionSummaryAtClose(t *testing.T) {
	t.Parallel()
	var buf lockedBuffer
	summary := summariseRejections(slog.NewTextHandler(&buf, nil), time.Hour)
	log := slog.New(summary)
	for range 5 {
		log.Warn(ingress.RefusedMessage, "endpoint", "app", "reason", "stale", "status", 401)
	}
	summary.Close()
	if !strings.Contains(buf.String(), `msg="callbacks rejected" reason=stale count=4 endpoint=app`) {
		t.Fatalf("no summary of the 4 counted refusals at close:\n%s", buf.String())
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
