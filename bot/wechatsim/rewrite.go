package wechatsim

import (
	"net/http"
	"net/url"
	"slices"
)

// APIHosts are the hosts of the real APIs the simulator stands in for:
// the Official Account API, WeCom's, WeChat Pay's, the host that serves QR
// code images, and the one of web authorisation pages.
var APIHosts = []string{"api.weixin.qq.com", "qyapi.weixin.qq.com", "api.mch.weixin.qq.com", "mp.weixin.qq.com", "open.weixin.qq.com"}

// Rewrite returns uri with an APIHosts host replaced by the simulator's address,
// path and query kept; any other URI comes back unchanged. It has the shape
// of silenceper's util.SetURIModifier, for code whose URLs are fixed.
func (s *Server) Rewrite(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || !slices.Contains(APIHosts, u.Hostname()) {
		return uri
	}
	base, _ := url.Parse(s.URL())
	u.Scheme, u.Host = base.Scheme, base.Host
	return u.String()
}

// Transport returns a RoundTripper that sends requests for APIHosts to the
// simulator and all others through base (http.DefaultTransport when nil).
func (s *Server) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return rewriteTransport{s: s, base: base}
}

type rewriteTransport struct {
	s    *Server
	base http.RoundTripper
}

func (t rewriteTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !slices.Contains(APIHosts, r.URL.Hostname()) {
		return t.base.RoundTrip(r)
	}
	base, _ := url.Parse(t.s.URL())
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = base.Scheme, base.Host, base.Host
	return t.base.RoundTrip(r2)
}
