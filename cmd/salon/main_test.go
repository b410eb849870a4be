package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

const testAdminToken = "test-admin-token-0123456789"

// MustRunMain starts the real service on port 0 with a temporary data dir,
// in sandbox mode unless cfg says otherwise, and stops it at cleanup.
func MustRunMain(tb testing.TB, edit ...func(*Config)) *Main {
	tb.Helper()
	return mustRunMainAt(tb, nil, edit...)
}

// mustRunMainAt is MustRunMain on clock (nil: the real one).
func mustRunMainAt(tb testing.TB, clock clienteling.Timer, edit ...func(*Config)) *Main {
	tb.Helper()
	return mustRunPreparedMain(tb, &Main{Clock: clock}, edit...)
}

// mustRunPreparedMain is MustRunMain for a Main whose fields other than
// Config a test has set.
func mustRunPreparedMain(tb testing.TB, m *Main, edit ...func(*Config)) *Main {
	tb.Helper()
	m.Config = testConfig(tb, edit...)
	if err := m.Run(context.Background()); err != nil {
		tb.Fatalf("run main: %v", err)
	}
	tb.Cleanup(func() {
		if err := m.Close(); err != nil {
			tb.Errorf("close main: %v", err)
		}
	})
	return m
}

// testConfig is the configuration tests start a Main with: every setting
// at its default with no environment, a temporary data dir, port 0, the
// test admin token; then edit.
func testConfig(tb testing.TB, edit ...func(*Config)) Config {
	tb.Helper()
	var cfg Config
	cfg.bindFlags(newFlagSet("test", "", io.Discard), func(string) string { return "" })
	cfg.DataDir = tb.TempDir()
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.AdminToken = testAdminToken
	for _, e := range edit {
		e(&cfg)
	}
	return cfg
}

// call makes one HTTP request and decodes a JSON answer into out (if not nil).
func call(tb testing.TB, m *Main, method, path, token string, body any, out any) int {
	tb.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			tb.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, m.URL()+path, r)
	if err != nil {
		tb.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			tb.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

type apiError struct {
	Error struct {
		Code, Message, Field string
	} `json:"error"`
}

func TestServeSandboxEndToEnd(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	for _, path := range []string{"/healthz", "/readyz", "/sandbox"} {
		if got := call(t, m, "GET", path, "", nil, nil); got != http.StatusOK {
			t.Errorf("GET %s: got %d, want 200", path, got)
		}
	}
	resp, err := http.Get(m.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"go_goroutines", "salon_http_requests_total{method=\"GET\",route=\"GET /healthz\",status=\"200\"}", "salon_http_request_duration_seconds_bucket"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}

	var boutiques struct{ Boutiques []map[string]any }
	if got := call(t, m, "GET", "/api/v1/boutiques", testAdminToken, nil, &boutiques); got != 200 || len(boutiques.Boutiques) != 2 {
		t.Fatalf("boutiques: status %d, %d boutiques, want 200 and the 2 demo boutiques", got, len(boutiques.Boutiques))
	}
	var associates struct{ Associates []map[string]any }
	if got := call(t, m, "GET", "/api/v1/associates", testAdminToken, nil, &associates); got != 200 || len(associates.Associates) != 4 {
		t.Fatalf("associates: status %d, %d associates, want 4", got, len(associates.Associates))
	}
	var products struct{ Products []map[string]any }
	if got := call(t, m, "GET", "/api/v1/products?limit=1000", testAdminToken, nil, &products); got != 200 || len(products.Products) != 30 {
		t.Fatalf("products: status %d, %d products, want 30", got, len(products.Products))
	}
	var customers struct{ Customers []struct{ ID string } }
	if got := call(t, m, "GET", "/api/v1/customers", testAdminToken, nil, &customers); got != 200 || len(customers.Customers) != 5 {
		t.Fatalf("customers: status %d, %d customers, want 5", got, len(customers.Customers))
	}
	var history struct {
		Messages []map[string]any
		Next     string
	}
	if got := call(t, m, "GET", "/api/v1/customers/"+customers.Customers[0].ID+"/messages?limit=3", testAdminToken, nil, &history); got != 200 || len(history.Messages) != 3 || history.Next == "" {
		t.Fatalf("history: status %d, %d messages, next %q", got, len(history.Messages), history.Next)
	}
}
