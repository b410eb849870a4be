package main

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestOpenAPIServedWithoutToken fetches the API reference from a running
// salon with no token: the whole stack, not only the API's routes, lets
// it through, as JSON.
func TestOpenAPIServedWithoutToken(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, m.URL()+"/api/v1/openapi.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("got %d %q, want 200 application/json", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI == "" || doc.Paths["/api/v1/customers/{id}"] == nil {
		t.Fatalf("not the reference: openapi %q, %d paths", doc.OpenAPI, len(doc.Paths))
	}
}
