package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

func TestListTokensShowsNoSecrets(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	status, body := f.do(t, http.MethodGet, "/api/v1/tokens", "", f.tokens[clienteling.RoleAdmin])
	if status != http.StatusOK {
		t.Fatalf("got %d: %s", status, body)
	}
	for _, secret := range f.tokens {
		if strings.Contains(body, secret) || strings.Contains(body, clienteling.TokenPrefix) {
			t.Fatalf("the list shows a secret: %s", body)
		}
	}
	var got struct{ Tokens []map[string]any }
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	subjects := map[string]bool{}
	for _, tok := range got.Tokens {
		subjects[tok["subject"].(string)] = true
		for _, field := range []string{"id", "subject", "role", "created_at"} {
			if _, ok := tok[field]; !ok {
				t.Errorf("token %v has no %s", tok, field)
			}
		}
	}
	for _, s := range []string{"amy", "chenjing", "crm-team", "ops"} {
		if !subjects[s] {
			t.Errorf("%s's token is not listed: %s", s, body)
		}
	}
}

func TestRevokedTokenAnswers401AtOnce(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	admin, crm := f.tokens[clienteling.RoleAdmin], f.tokens[clienteling.RoleCRM]
	if status, body := f.do(t, http.MethodGet, "/api/v1/boutiques", "", crm); status != http.StatusOK {
		t.Fatalf("before revocation: got %d: %s", status, body)
	}
	id := clienteling.TokenIDOf(clienteling.HashSecret(crm))
	if status, body := f.do(t, http.MethodDelete, "/api/v1/tokens/"+string(id), "", admin); status != http.StatusNoContent {
		t.Fatalf("revoke: got %d, want 204: %s", status, body)
	}
	if status, body := f.do(t, http.MethodGet, "/api/v1/boutiques", "", crm); status != http.StatusUnauthorized {
		t.Fatalf("after revocation: got %d, want 401: %s", status, body)
	}
	_, body := f.do(t, http.MethodGet, "/api/v1/tokens", "", admin)
	var list struct{ Tokens []clienteling.Token }
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	for _, tok := range list.Tokens {
		if revoked := !tok.RevokedAt.IsZero(); revoked != (tok.ID == id) {
			t.Errorf("token %s of %s: revoked_at %v", tok.ID, tok.Subject, tok.RevokedAt)
		}
	}
	for _, tt := range []struct {
		name, id string
		status   int
		field    string
	}{
		{"ErrNotFound", "00000000000000ff", http.StatusNotFound, ""},
		{"ErrMalformed", "nope", http.StatusBadRequest, "id"},
	} {
		status, body := f.do(t, http.MethodDelete, "/api/v1/tokens/"+tt.id, "", admin)
		var e httpjson.ErrorBody
		_ = json.Unmarshal([]byte(body), &e)
		if status != tt.status || e.Error.Field != tt.field {
			t.Errorf("%s: got %d %q, want %d %q: %s", tt.name, status, e.Error.Field, tt.status, tt.field, body)
		}
	}
}

func TestIssueTokenExpiresIn(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	admin := f.tokens[clienteling.RoleAdmin]
	status, body := f.do(t, http.MethodPost, "/api/v1/tokens", `{"subject":"amy","role":"associate","expires_in":3600}`, admin)
	if status != http.StatusCreated {
		t.Fatalf("got %d: %s", status, body)
	}
	var issued struct {
		Secret string `json:"token"`
		clienteling.Token
	}
	if err := json.Unmarshal([]byte(body), &issued); err != nil {
		t.Fatal(err)
	}
	if got, want := issued.ExpiresAt.Sub(issued.CreatedAt), time.Hour; got != want || issued.ID != clienteling.TokenIDOf(clienteling.HashSecret(issued.Secret)) {
		t.Fatalf("issued %s expiring %v after creation, want %v: %s", issued.ID, got, want, body)
	}
	for _, tt := range []struct{ name, body, field string }{
		{"ErrTooShort", `{"subject":"amy","role":"associate","expires_in":59}`, "expires_in"},
		{"ErrTooLong", `{"subject":"amy","role":"associate","expires_in":31536001}`, "expires_in"},
		{"ErrNegative", `{"subject":"amy","role":"associate","expires_in":-60}`, "expires_in"},
		{"ErrDuration", `{"subject":"amy","role":"associate","expires_in":"1h"}`, "expires_in"},
		{"ErrExpiresAt", `{"subject":"amy","role":"associate","expires_at":"2027-01-01T00:00:00Z"}`, "expires_at"},
		{"ErrRevokedAt", `{"subject":"amy","role":"associate","revoked_at":"2027-01-01T00:00:00Z"}`, "revoked_at"},
	} {
		status, body := f.do(t, http.MethodPost, "/api/v1/tokens", tt.body, admin)
		var e httpjson.ErrorBody
		_ = json.Unmarshal([]byte(body), &e)
		if status != http.StatusBadRequest || e.Error.Field != tt.field {
			t.Errorf("%s: got %d %q, want 400 naming %s: %s", tt.name, status, e.Error.Field, tt.field, body)
		}
	}
	_, body = f.do(t, http.MethodGet, "/api/v1/tokens", "", admin)
	if got := strings.Count(body, `"subject":"amy"`); got != 2 {
		t.Fatalf("amy has %d tokens after refused issues, want 2 (the fixture's and the one issued): %s", got, body)
	}
}

func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	secret := f.tokens[clienteling.RoleAdmin]
	for _, tt := range []struct {
		header string
		want   int
	}{
		{"Bearer " + secret, http.StatusOK},
		{"bearer " + secret, http.StatusOK},
		{"BEARER " + secret, http.StatusOK},
		{"Bearer   " + secret + " ", http.StatusOK},
		{"Basic " + secret, http.StatusUnauthorized},
		{"Bearer" + secret, http.StatusUnauthorized},
		{secret, http.StatusUnauthorized},
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.url+"/api/v1/boutiques", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", tt.header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("Authorization %q: got %d, want %d", strings.Replace(tt.header, secret, "SECRET", 1), resp.StatusCode, tt.want)
		}
	}
}

// TestIssueTokenBrandOverHTTP: "brand" is taken at issue, shown in the
// list, and a bad one is refused naming the field; a brand-limited
// admin's refusals name the rule.
func TestIssueTokenBrandOverHTTP(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	admin := f.tokens[clienteling.RoleAdmin]
	status, body := f.do(t, http.MethodPost, "/api/v1/tokens", `{"subject":"ops-maison","role":"admin","brand":"maison"}`, admin)
	if status != http.StatusCreated || !strings.Contains(body, `"brand":"maison"`) {
		t.Fatalf("got %d, want 201 showing the brand: %s", status, body)
	}
	for _, tt := range []struct {
		name, token, body string
		status            int
		field, message    string
	}{
		{"ErrMalformed", admin, `{"subject":"x","role":"crm","brand":"Maison Lumière"}`, http.StatusBadRequest, "brand", ""},
		{"ErrUnknown", admin, `{"subject":"x","role":"crm","brand":"no-such-brand"}`, http.StatusBadRequest, "brand", "no boutique"},
		{"ErrOnAssociate", admin, `{"subject":"amy","role":"associate","brand":"maison"}`, http.StatusBadRequest, "brand", ""},
		{"ErrNotAString", admin, `{"subject":"x","role":"crm","brand":7}`, http.StatusBadRequest, "brand", ""},
		{"ErrGroupWideByLimited", f.tokens[callerBrandAdmin], `{"subject":"x","role":"admin"}`, http.StatusForbidden, "brand", "limited to brand maison"},
		{"ErrOtherBrandByLimited", f.tokens[callerBrandAdmin], `{"subject":"x","role":"crm","brand":"atelier"}`, http.StatusForbidden, "brand", "limited to brand maison"},
	} {
		status, body := f.do(t, http.MethodPost, "/api/v1/tokens", tt.body, tt.token)
		var e httpjson.ErrorBody
		_ = json.Unmarshal([]byte(body), &e)
		if status != tt.status || e.Error.Field != tt.field || !strings.Contains(e.Error.Message, tt.message) {
			t.Errorf("%s: got %d %q, want %d naming %s: %s", tt.name, status, e.Error.Field, tt.status, tt.field, body)
		}
	}
	_, body = f.do(t, http.MethodGet, "/api/v1/tokens", "", admin)
	var list struct{ Tokens []clienteling.Token }
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	brands := map[string]clienteling.BrandID{}
	for _, tok := range list.Tokens {
		brands[tok.Subject] = tok.Brand
	}
	if len(list.Tokens) != 9 || brands["ops-maison"] != "maison" || brands["atelier-crm"] != "atelier" || brands["ops"] != "" {
		t.Fatalf("the list shows %d tokens with brands %v, want 9 with ops-maison's maison and ops group-wide", len(list.Tokens), brands)
	}
}
