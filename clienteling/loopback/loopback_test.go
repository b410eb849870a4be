package loopback

import (
	"net/http"
	"testing"
)

func TestHost(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.1:8080": true, "[::1]:8080": true, "::1": true, "localhost": true, "LOCALHOST:80": true,
		"[::ffff:127.0.0.1]:80": true, "": false, "0.0.0.0:8080": false, "10.0.0.1": false, "example.com": false,
		"localhost.example.com": false,
	} {
		if got := Host(host); got != want {
			t.Errorf("Host(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestProxyHeader(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Forwarded", "Via", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Server", "x-forwarded-port"} {
		h := http.Header{}
		h.Set(name, "x")
		if got := ProxyHeader(h); got != http.CanonicalHeaderKey(name) {
			t.Errorf("ProxyHeader with %s = %q", name, got)
		}
	}
	if got := ProxyHeader(http.Header{"Accept": {"*/*"}, "Cookie": {"a=b"}}); got != "" {
		t.Errorf("ProxyHeader of a browser's headers = %q, want none", got)
	}
}
