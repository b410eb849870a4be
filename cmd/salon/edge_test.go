package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/demo"
)

// TestNosniffOnEveryResponse checks the header on answers of every kind:
// ops, API (refused and served), callbacks, the sandbox, checkout pages and
// paths nothing serves.
func TestNosniffOnEveryResponse(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	for _, tt := range []struct{ path, token string }{
		{"/healthz", ""},
		{"/readyz", ""},
		{"/metrics", ""},
		{"/api/v1/boutiques", ""},
		{"/api/v1/boutiques", testAdminToken},
		{"/wechat/oa", ""},
		{"/sandbox", ""},
		{"/sandbox/api/clients", ""},
		{"/c/no-such-card", ""},
		{"/no-such-page", ""},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp := edgeGet(t, m.URL()+tt.path, tt.token, nil)
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Fatalf("%s answered %d with X-Content-Type-Options %q, want nosniff", tt.path, resp.StatusCode, got)
			}
		})
	}
}

// TestMetricsAddr checks that with SALON_METRICS_ADDR set, /metrics is
// served there and only there, and that Close stops that server too.
//
// Not parallel: it counts the serving goroutines of the whole process.
func TestMetricsAddr(t *testing.T) {
	before := servingGoroutines()
	m := MustRunMain(t, func(c *Config) { c.MetricsAddr = "127.0.0.1:0" })
	if m.MetricsURL() == "" {
		t.Fatal("no metrics URL with SALON_METRICS_ADDR set")
	}
	resp := edgeGet(t, m.MetricsURL()+"/metrics", "", nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "go_goroutines") {
		t.Fatalf("metrics address: got %d %.200q, want 200 with Prometheus text", resp.StatusCode, body)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Fatalf("metrics address: X-Content-Type-Options %q, want nosniff", got)
	}
	if resp := edgeGet(t, m.URL()+"/metrics", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("main address: got %d for /metrics, want 404", resp.StatusCode)
	}
	if resp := edgeGet(t, m.MetricsURL()+"/healthz", "", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("metrics address: got %d for /healthz, want 404: it serves /metrics alone", resp.StatusCode)
	}

	addr := strings.TrimPrefix(m.MetricsURL(), "http://")
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatalf("metrics address %s still accepts connections after Close", addr)
	}
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if n := servingGoroutines(); n > before {
			return fmt.Errorf("%d HTTP servers still serving after Close, %d before start", n, before)
		}
		return nil
	})
}

// servingGoroutines counts the goroutines inside http.Server.Serve.
func servingGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "net/http.(*Server).Serve(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

func TestMetricsAddrConfig(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string // a variable the error names, or "" for none
	}{
		{"OK", map[string]string{"SALON_METRICS_ADDR": "127.0.0.1:9090"}, ""},
		{"ErrNotHostPort", map[string]string{"SALON_METRICS_ADDR": "9090"}, "SALON_METRICS_ADDR"},
		{"ErrSameAsHTTP", map[string]string{"SALON_METRICS_ADDR": "127.0.0.1:8080"}, "SALON_METRICS_ADDR"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkConfig(t, tt.env, tt.want)
		})
	}
}

// TestSandboxListensOnLoopback checks that sandbox mode refuses to start on
// an address others can reach unless SALON_SANDBOX_ALLOW_REMOTE says so.
func TestSandboxListensOnLoopback(t *testing.T) {
	t.Parallel()
	oa := map[string]string{"SALON_OA_APPID": "wx1", "SALON_OA_SECRET": "s", "SALON_OA_TOKEN": "t"}
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"Loopback", map[string]string{"SALON_HTTP_ADDR": "127.0.0.1:8080"}, ""},
		{"LoopbackIPv6", map[string]string{"SALON_HTTP_ADDR": "[::1]:8080"}, ""},
		{"Localhost", map[string]string{"SALON_HTTP_ADDR": "localhost:8080"}, ""},
		{"ErrAllInterfaces", map[string]string{"SALON_HTTP_ADDR": ":8080"}, "SALON_HTTP_ADDR"},
		{"ErrAllInterfacesIPv4", map[string]string{"SALON_HTTP_ADDR": "0.0.0.0:8080"}, "SALON_HTTP_ADDR"},
		{"ErrLANAddress", map[string]string{"SALON_HTTP_ADDR": "192.0.2.10:8080"}, "SALON_HTTP_ADDR"},
		{"ErrHostName", map[string]string{"SALON_HTTP_ADDR": "salon.example:8080"}, "SALON_HTTP_ADDR"},
		{"AllowRemote", map[string]string{"SALON_HTTP_ADDR": "0.0.0.0:8080", "SALON_SANDBOX_ALLOW_REMOTE": "true"}, ""},
		{"ErrAllowRemoteNotBool", map[string]string{"SALON_SANDBOX_ALLOW_REMOTE": "yes please"}, "SALON_SANDBOX_ALLOW_REMOTE"},
		{"Production", with(oa, "SALON_HTTP_ADDR", "0.0.0.0:8080"), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkConfig(t, tt.env, tt.want)
		})
	}

	t.Run("ErrServe", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		env := map[string]string{"SALON_DATA_DIR": dir, "SALON_HTTP_ADDR": "0.0.0.0:0"}
		// Cancelled: should serve start after all, it stops at once.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "SALON_HTTP_ADDR") || !strings.Contains(err.Error(), "SALON_SANDBOX_ALLOW_REMOTE") {
			t.Fatalf("got %v, want a refusal naming SALON_HTTP_ADDR and SALON_SANDBOX_ALLOW_REMOTE", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("the refused start left %s behind (%v)", dir, err)
		}
	})
}

// checkConfig parses env as serve does and checks that Validate names want,
// or passes when want is "".
func checkConfig(t *testing.T, env map[string]string, want string) {
	t.Helper()
	var cfg Config
	cfg.bindFlags(newFlagSet("test", "", io.Discard), func(k string) string { return env[k] })
	err := cfg.Validate()
	switch {
	case want == "" && err != nil:
		t.Fatalf("got %v, want no error", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want+":")):
		t.Fatalf("got %v, want an error naming %s", err, want)
	}
}

func with(env map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for k, v := range env {
		out[k] = v
	}
	return out
}

// TestSandboxRefusesProxied puts a reverse proxy on the same host in front
// of a sandbox Salon: it connects over loopback and rewrites Host, so only
// the headers it adds can give it away.
func TestSandboxRefusesProxied(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	target, err := url.Parse(m.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.SetXForwarded()
	}})
	t.Cleanup(proxy.Close)

	for _, path := range []string{"/sandbox", "/sandbox/api/clients"} {
		t.Run(path, func(t *testing.T) {
			if resp := edgeGet(t, m.URL()+path, "", nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("direct: got %d, want 200", resp.StatusCode)
			}
			resp := edgeGet(t, proxy.URL+path, "", nil)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "proxied") {
				t.Fatalf("through a proxy: got %d %.200q, want 403 saying proxied requests are refused", resp.StatusCode, body)
			}
		})
	}
	t.Run("ErrXRealIP", func(t *testing.T) {
		resp := edgeGet(t, m.URL()+"/sandbox/api/clients", "", map[string]string{"X-Real-IP": "203.0.113.7"})
		var e struct {
			Error struct{ Code, Message string }
		}
		_ = json.NewDecoder(resp.Body).Decode(&e)
		if resp.StatusCode != http.StatusForbidden || e.Error.Code != "forbidden" || !strings.Contains(e.Error.Message, "X-Real-Ip") {
			t.Fatalf("got %d %+v, want 403 forbidden naming X-Real-Ip", resp.StatusCode, e.Error)
		}
	})
}

// TestDefaultBoutiqueMustExist checks SALON_DEFAULT_BOUTIQUE against the
// database once the sandbox seed ran.
func TestDefaultBoutiqueMustExist(t *testing.T) {
	t.Parallel()
	t.Run("ErrNoSuchBoutique", func(t *testing.T) {
		t.Parallel()
		m, err := startEdgeMain(t, nil, func(c *Config) { c.DefaultBoutique = "nowhere" })
		if err == nil {
			m.Close()
			t.Fatal("started with a default boutique that does not exist")
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "SALON_DEFAULT_BOUTIQUE: ") || !strings.Contains(msg, `"nowhere"`) || strings.Contains(msg, "\n") {
			t.Fatalf("got %q, want one line naming SALON_DEFAULT_BOUTIQUE and the id", msg)
		}
	})
	t.Run("SeededBoutique", func(t *testing.T) {
		t.Parallel()
		m, err := startEdgeMain(t, nil, func(c *Config) { c.DefaultBoutique = string(demo.Beijing) })
		if err != nil {
			t.Fatalf("a boutique of the sandbox seed: %v", err)
		}
		m.Close()
	})
}

// TestNoChannelWarns checks that a Salon nothing can write to says so.
func TestNoChannelWarns(t *testing.T) {
	t.Parallel()
	const warning = "no client message can arrive"
	for _, tt := range []struct {
		name    string
		sandbox SandboxSetting
		warn    bool
	}{
		{"SandboxOff", SandboxOff, true},
		{"SandboxOn", SandboxOn, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var log lockedBuffer
			m, err := startEdgeMain(t, &log, func(c *Config) { c.Sandbox = tt.sandbox })
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(log.String(), warning); got != tt.warn {
				t.Fatalf("warning logged: %v, want %v; log:\n%s", got, tt.warn, log.String())
			}
		})
	}
}

// TestReadOnlyCommandsNeedADatabase checks that export, erase and an
// offline backup on a data dir without a database say so and create none.
func TestReadOnlyCommandsNeedADatabase(t *testing.T) {
	t.Parallel()
	id := clienteling.NewID()
	for _, args := range [][]string{
		{"export", "customer", id},
		{"erase", "customer", id},
		{"backup", "copy.db"},
	} {
		t.Run(args[0], func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if args[0] == "backup" {
				args = []string{"backup", filepath.Join(t.TempDir(), "copy.db")}
			}
			env := map[string]string{"SALON_DATA_DIR": dir}
			err := run(context.Background(), args, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
			path := filepath.Join(dir, "salon.db")
			var ee *exitError
			if err == nil || err.Error() != "no database at "+path || (errors.As(err, &ee) && ee.code != 1) {
				t.Fatalf("got %v, want exit 1 saying: no database at %s", err, path)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%s exists after the command (%v): it must not create a database", path, err)
			}
		})
	}
}

// startEdgeMain starts a Main as MustRunMain does, but returns Run's error
// and logs to log (if not nil). The caller closes a started Main.
func startEdgeMain(t *testing.T, log io.Writer, edit ...func(*Config)) (*Main, error) {
	t.Helper()
	m := &Main{Config: testConfig(t, edit...)}
	if log != nil {
		m.Log = slog.New(slog.NewTextHandler(log, nil))
	}
	return m, m.Run(context.Background())
}

// edgeGet makes one GET request and closes its body at cleanup.
func edgeGet(t *testing.T, u, token string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// lockedBuffer is a log destination that goroutines share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
