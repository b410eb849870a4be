package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// TestWrongMethod walks every route Register adds and calls its path with a
// method none of its routes takes: 405, Allow naming the methods that are,
// and the JSON error; never the 404 of a missing route.
func TestWrongMethod(t *testing.T) {
	t.Parallel()
	mux := &recordingMux{ServeMux: http.NewServeMux()}
	New(nil, nil, slog.New(slog.DiscardHandler)).Register(mux)
	byPath := map[string][]string{}
	for _, p := range mux.patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			continue // the catch-all
		}
		byPath[path] = append(byPath[path], method)
		if method == http.MethodGet {
			byPath[path] = append(byPath[path], http.MethodHead)
		}
	}
	if len(byPath) == 0 {
		t.Fatal("Register added no method routes")
	}
	f := newMatrixFixture(t)
	fill := strings.NewReplacer("{id}", string(f.own.ID), "{userid}", "amy")
	for path, methods := range byPath {
		slices.Sort(methods)
		candidates := []string{"DELETE", "PUT", "PATCH", "POST", "GET"}
		wrong := candidates[slices.IndexFunc(candidates, func(m string) bool { return !slices.Contains(methods, m) })]
		t.Run(wrong+" "+path, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), wrong, f.url+fill.Replace(path), strings.NewReader(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+f.tokens[clienteling.RoleAdmin])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body httpjson.ErrorBody
			derr := json.NewDecoder(resp.Body).Decode(&body)
			want := strings.Join(methods, ", ")
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != want {
				t.Fatalf("got %d Allow %q, want 405 Allow %q: %+v", resp.StatusCode, resp.Header.Get("Allow"), want, body)
			}
			if derr != nil || body.Error.Code != httpjson.EMETHOD || body.Error.Message == "" {
				t.Fatalf("got body %+v (%v), want the JSON error with code %s", body, derr, httpjson.EMETHOD)
			}
		})
	}
	f.unchanged(t)
}
