package httpjson

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

// newRoutesServer serves a small JSON API the way the adapters do: method
// patterns, and a catch-all under the prefix that answers with Unmatched.
func newRoutesServer(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	routes := &Routes{NotFound: "no such test route"}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Write(w, http.StatusOK, map[string]string{"route": r.Pattern})
	})
	for _, p := range []string{
		"GET /v1/things",
		"POST /v1/things",
		"GET /v1/things/{id}",
		"DELETE /v1/things/{id}",
		"PATCH /v1/things/{id}/label",
	} {
		mux.Handle(p, ok)
		routes.Add(p)
	}
	// Not recorded: a pattern with no method never answers 405.
	routes.Add("/v1/")
	log := slog.New(slog.DiscardHandler)
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		if err := routes.Unmatched(w, r); err != nil {
			WriteError(w, r, log, err)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestRoutesUnmatched(t *testing.T) {
	t.Parallel()
	base := newRoutesServer(t)
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantCode   string
		wantAllow  string
	}{
		{"OK", "GET", "/v1/things", 200, "", ""},
		{"OKHead", "HEAD", "/v1/things/t1", 200, "", ""},
		{"ErrMethod", "DELETE", "/v1/things", 405, EMETHOD, "GET, HEAD, POST"},
		{"ErrMethodWildcard", "PUT", "/v1/things/t1", 405, EMETHOD, "DELETE, GET, HEAD"},
		{"ErrMethodDeeper", "GET", "/v1/things/t1/label", 405, EMETHOD, "PATCH"},
		{"ErrMethodOptions", "OPTIONS", "/v1/things", 405, EMETHOD, "GET, HEAD, POST"},
		{"ErrNotFound", "GET", "/v1/nothing", 404, clienteling.ENOTFOUND, ""},
		{"ErrNotFoundAnyMethod", "DELETE", "/v1/things/t1/label/more", 404, clienteling.ENOTFOUND, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, base+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Allow") != tt.wantAllow {
				t.Fatalf("got %d Allow %q, want %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"), tt.wantStatus, tt.wantAllow)
			}
			if tt.wantCode == "" {
				return
			}
			var body ErrorBody
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if body.Error.Code != tt.wantCode || body.Error.Message == "" {
				t.Fatalf("got %+v, want code %s", body.Error, tt.wantCode)
			}
			if tt.wantCode == clienteling.ENOTFOUND && body.Error.Message != "no such test route" {
				t.Errorf("404 message %q", body.Error.Message)
			}
		})
	}
}

// TestRoutesZero checks that a Routes with nothing added answers 404.
func TestRoutesZero(t *testing.T) {
	t.Parallel()
	var routes Routes
	r := httptest.NewRequest("GET", "/v1/things", nil)
	if err := routes.Unmatched(httptest.NewRecorder(), r); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("got %v, want not_found", err)
	}
}
