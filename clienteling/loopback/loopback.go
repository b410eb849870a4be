// Package loopback tells whether an HTTP request came from this machine
// itself: the guard of the doors meant only for the person at the
// keyboard, the sandbox's pages and the console's sign-in-as.
package loopback

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// Host reports whether a host or host:port is localhost or a loopback
// address.
func Host(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// Direct reports whether r reached a loopback address, from a loopback
// address, naming a loopback host: a page on another site cannot make a
// browser send that (a DNS-rebinding page names its own host), whatever
// address the server listens on.
func Direct(r *http.Request) bool {
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	return local != nil && Host(local.String()) && Host(r.RemoteAddr) && Host(r.Host)
}

// ProxyHeader returns the name of the first header in h that a proxy adds
// when passing a request on (Forwarded, Via, X-Forwarded-*, X-Real-IP), or
// "" if there is none. A browser sends none of them. A reverse proxy on
// the same host connects over loopback and may rewrite Host, so Direct
// holds for anyone who reaches the proxy; these headers give it away.
func ProxyHeader(h http.Header) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names) // the same request always names the same header
	for _, name := range names {
		switch c := http.CanonicalHeaderKey(name); {
		case c == "Forwarded", c == "Via", c == "X-Real-Ip", strings.HasPrefix(c, "X-Forwarded-"):
			return c
		}
	}
	return ""
}

// Local reports whether r came directly from this machine and through no
// proxy.
func Local(r *http.Request) bool { return Direct(r) && ProxyHeader(r.Header) == "" }
