package sandbox

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLoopbackOnlyProxied checks that a request a reverse proxy on the same
// host passed on is refused, although it arrives over loopback with a
// loopback Host, and that the refusal names the header that gave it away.
func TestLoopbackOnlyProxied(t *testing.T) {
	t.Parallel()
	guard := loopbackGuard(t)
	for _, tt := range []struct {
		name   string
		header string // header name, "" for none
		want   int
	}{
		{"Direct", "", 204},
		{"ErrForwarded", "Forwarded", 403},
		{"ErrXForwardedFor", "X-Forwarded-For", 403},
		{"ErrXForwardedHost", "X-Forwarded-Host", 403},
		{"ErrXForwardedProto", "X-Forwarded-Proto", 403},
		{"ErrXForwardedServer", "X-Forwarded-Server", 403},
		{"ErrXRealIP", "X-Real-IP", 403},
		{"ErrVia", "Via", 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/sandbox/api/clients", nil)
			r = r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}))
			r.RemoteAddr, r.Host = "127.0.0.1:50000", "127.0.0.1:8080"
			if tt.header != "" {
				r.Header.Set(tt.header, "127.0.0.1")
			}
			w := httptest.NewRecorder()
			guard.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("got %d, want %d", w.Code, tt.want)
			}
			if tt.want == 403 {
				if body, name := w.Body.String(), http.CanonicalHeaderKey(tt.header); !strings.Contains(body, "proxied") || !strings.Contains(body, name) {
					t.Fatalf("got %q, want the refusal to say it was proxied and name %s", body, name)
				}
			}
		})
	}
}
