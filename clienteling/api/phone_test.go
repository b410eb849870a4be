package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// A phone set through the API is stored in E.164 form, as an import stores
// it, or refused naming the field with nothing changed.
func TestProfilePhone(t *testing.T) {
	f := newMatrixFixture(t)
	patch := func(body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPatch, f.url+"/api/v1/customers/"+string(f.own.ID)+"/profile", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+f.tokens[clienteling.RoleAssociate])
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var raw json.RawMessage
		if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, raw
	}
	stored := func() string {
		t.Helper()
		c, err := f.db.FindCustomerByID(t.Context(), f.own.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c.Phone
	}

	for _, in := range []string{"13800138000", "+86 138-0013-8000", "0086 138 0013 8000"} {
		if code, body := patch(`{"phone": "` + in + `"}`); code != http.StatusOK || stored() != "+8613800138000" {
			t.Fatalf("%q: got %d %s, stored %q; want 200 and +8613800138000", in, code, body, stored())
		}
	}
	before, err := f.db.FindCustomerByID(t.Context(), f.own.ID)
	if err != nil {
		t.Fatal(err)
	}
	code, body := patch(`{"phone": "021-6279 8888", "tags": ["x"]}`)
	var e httpjson.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil || code != http.StatusBadRequest || e.Error.Field != "phone" {
		t.Fatalf("got %d %s, want 400 naming phone", code, body)
	}
	if c, _ := f.db.FindCustomerByID(t.Context(), f.own.ID); c.Phone != "+8613800138000" || !slices.Equal(c.Tags, before.Tags) {
		t.Fatalf("a refused update changed the client: phone %q, tags %v", c.Phone, c.Tags)
	}
	if code, body := patch(`{"phone": ""}`); code != http.StatusOK || stored() != "" {
		t.Fatalf("clearing: got %d %s, stored %q", code, body, stored())
	}
}
