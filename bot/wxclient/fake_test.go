package wxclient

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// fakeWeChat is a minimal stand-in for WeChat's three API hosts on one
// loopback server: the OA family lives under /oa, WeCom under /wecom and
// Pay under /pay, so a request's path shows which base it was sent to.
type fakeWeChat struct {
	srv *httptest.Server

	mu       sync.Mutex
	handlers map[string]http.HandlerFunc
	log      []request
	tokenN   map[string]int // tokens issued per token path
}

// request is what the fake saw of one call.
type request struct {
	Method string
	Path   string
	Query  url.Values
	Body   string
	Header http.Header
}

func newFake(t *testing.T) *fakeWeChat {
	t.Helper()
	f := &fakeWeChat{handlers: make(map[string]http.HandlerFunc), tokenN: make(map[string]int)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeWeChat) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.log = append(f.log, request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: string(body), Header: r.Header.Clone()})
	h := f.handlers[r.URL.Path]
	f.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

// config returns a Config sending each family to its prefix on the fake.
func (f *fakeWeChat) config() Config {
	return Config{
		OABase:    f.srv.URL + "/oa",
		WeComBase: f.srv.URL + "/wecom",
		PayBase:   f.srv.URL + "/pay",
	}
}

// client returns a Client for the fake.
func (f *fakeWeChat) client(t *testing.T) *Client {
	t.Helper()
	c, err := New(f.config())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func (f *fakeWeChat) handle(path string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[path] = h
}

// handleJSON answers path with v, always.
func (f *fakeWeChat) handleJSON(path string, v any) {
	f.handle(path, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, v) })
}

// serveTokens makes every token endpoint of both families issue
// "tok-<family>-<n>" valid for expiresIn seconds.
func (f *fakeWeChat) serveTokens(expiresIn int) {
	for _, path := range []string{"/oa/cgi-bin/stable_token", "/oa/cgi-bin/token", "/wecom/cgi-bin/gettoken"} {
		family := strings.Split(path, "/")[1]
		f.handle(path, func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			f.tokenN[path]++
			n := f.tokenN[path]
			f.mu.Unlock()
			writeJSON(w, map[string]any{"access_token": fmt.Sprintf("tok-%s-%d", family, n), "expires_in": expiresIn})
		})
	}
}

// requests returns what the fake saw at path, in order.
func (f *fakeWeChat) requests(path string) []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []request
	for _, r := range f.log {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeWeChat) count(path string) int { return len(f.requests(path)) }

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// hang blocks a handler until its client goes away or the test ends.
func hang(t *testing.T) http.HandlerFunc {
	t.Helper()
	release := make(chan struct{})
	// Registered after the server's Close, so it runs first and lets
	// Close's wait for active handlers end.
	t.Cleanup(func() { close(release) })
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}
