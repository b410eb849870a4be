package sandbox

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestLoopbackOnly checks the guard itself: a server listening on every
// interface still answers only over loopback, and a test cannot dial in
// from another host.
func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	guard := loopbackGuard(t)
	loop, lan := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}, &net.TCPAddr{IP: net.IPv4(192, 0, 2, 10), Port: 8080}
	for _, tt := range []struct {
		name         string
		local        net.Addr
		remote, host string
		want         int
	}{
		{"Loopback", loop, "127.0.0.1:50000", "127.0.0.1:8080", 204},
		{"LoopbackIPv6", &net.TCPAddr{IP: net.IPv6loopback, Port: 8080}, "[::1]:50000", "[::1]:8080", 204},
		{"Localhost", loop, "127.0.0.1:50000", "localhost:8080", 204},
		{"ErrLANInterface", lan, "192.0.2.20:50000", "192.0.2.10:8080", 403},
		{"ErrRemotePeer", loop, "192.0.2.20:50000", "127.0.0.1:8080", 403},
		{"ErrNoLocalAddr", nil, "127.0.0.1:50000", "127.0.0.1:8080", 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/sandbox/api/clients", nil)
			if tt.local != nil {
				r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, tt.local))
			}
			r.RemoteAddr, r.Host = tt.remote, tt.host
			w := httptest.NewRecorder()
			guard.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("got %d, want %d", w.Code, tt.want)
			}
		})
	}
}

// loopbackGuard is the chat's loopback guard around a handler that answers
// 204, refusing with 403 and the guard's reason.
func loopbackGuard(t *testing.T) http.Handler {
	t.Helper()
	chat := New(Config{Log: slog.New(slog.DiscardHandler)})
	t.Cleanup(chat.Close)
	return chat.loopbackOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}), func(w http.ResponseWriter, r *http.Request, msg string) { http.Error(w, msg, http.StatusForbidden) })
}
