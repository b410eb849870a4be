package httpjson

import (
	"net/http"
	"slices"
	"strings"

	"github.com/salonhq/salon/clienteling"
)

// Routes remembers the method patterns of a set of JSON routes, so that the
// catch-all behind them tells a path nothing serves (404) from a path served
// under other methods (405, with Allow). A ServeMux tells them apart by
// itself only when no catch-all is registered; ours keep theirs, so that
// every answer under their prefix is the JSON error.
//
// Add every route's pattern as it is registered, and serve Unmatched on
// the catch-all. The zero value is ready to use.
type Routes struct {
	// NotFound is the message of the 404, e.g. "no such API route".
	NotFound string

	probe   *http.ServeMux // the same patterns, each answered by hit
	methods []string       // every method some pattern names
}

// probeHit answers every probe pattern, so that a probe that returns hit
// matched a route: for a redirect, a 404 or a 405 the mux returns handlers
// of its own.
type probeHit struct{}

func (probeHit) ServeHTTP(http.ResponseWriter, *http.Request) {}

var hit http.Handler = &probeHit{}

// Add records pattern, in net/http's ServeMux syntax. A pattern without a
// method matches every method, so it can never cause a 405: it is not
// recorded. Add panics on a pattern the ServeMux refuses, as Handle does.
func (rt *Routes) Add(pattern string) {
	i := strings.IndexAny(pattern, " \t")
	if i < 0 || strings.Contains(pattern[:i], "/") {
		return
	}
	method := pattern[:i]
	if rt.probe == nil {
		rt.probe = http.NewServeMux()
	}
	rt.probe.Handle(pattern, hit)
	add := []string{method}
	if method == http.MethodGet {
		add = append(add, http.MethodHead) // a GET pattern also serves HEAD
	}
	for _, m := range add {
		if !slices.Contains(rt.methods, m) {
			rt.methods = append(rt.methods, m)
		}
	}
	slices.Sort(rt.methods)
}

// Allowed returns the methods under which the recorded routes serve r's
// path, sorted; none when no route serves it.
func (rt *Routes) Allowed(r *http.Request) []string {
	if rt.probe == nil {
		return nil
	}
	var allow []string
	for _, m := range rt.methods {
		if h, _ := rt.probe.Handler(&http.Request{Method: m, URL: r.URL, Host: r.Host}); h == hit {
			allow = append(allow, m)
		}
	}
	return allow
}

// Unmatched is the catch-all's handler: it sets Allow and returns an
// EMETHOD error when r's path is served under other methods, and an
// ENOTFOUND error otherwise, for the caller to write with WriteError.
func (rt *Routes) Unmatched(w http.ResponseWriter, r *http.Request) error {
	if allow := rt.Allowed(r); len(allow) > 0 {
		list := strings.Join(allow, ", ")
		w.Header().Set("Allow", list)
		return clienteling.Errorf(EMETHOD, "%s is not allowed here: use %s", r.Method, list)
	}
	msg := rt.NotFound
	if msg == "" {
		msg = "no such route"
	}
	return clienteling.Errorf(clienteling.ENOTFOUND, "%s", msg)
}
