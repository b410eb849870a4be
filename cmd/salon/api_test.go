package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestAPIValidation(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t, func(c *Config) { c.Sandbox = "on" })
	tests := []struct {
		name       string
		method     string
		path       string
		token      string
		body       any
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"ErrNoToken", "GET", "/api/v1/boutiques", "", nil, 401, "unauthorized", ""},
		{"ErrBadToken", "GET", "/api/v1/boutiques", "slt_nope", nil, 401, "unauthorized", ""},
		{"ErrMissingName", "POST", "/api/v1/boutiques", testAdminToken,
			`{"id":"gz-taikoo","city":"Guangzhou","timezone":"Asia/Shanghai"}`, 400, "invalid", "name"},
		{"ErrBadTimezone", "POST", "/api/v1/boutiques", testAdminToken,
			`{"id":"gz-taikoo","name":"Taikoo Hui","city":"Guangzhou","timezone":"Mars/Olympus"}`, 400, "invalid", "timezone"},
		{"ErrUnknownField", "POST", "/api/v1/boutiques", testAdminToken,
			`{"id":"gz-taikoo","name":"Taikoo Hui","city":"Guangzhou","timezone":"Asia/Shanghai","colour":"red"}`, 400, "invalid", "colour"},
		{"ErrWrongType", "POST", "/api/v1/products", testAdminToken,
			`{"sku":"X1","title":{"en":"X"},"price":{"amount":"lots","currency":"CNY"}}`, 400, "invalid", "price.amount"},
		{"ErrZeroPrice", "POST", "/api/v1/products", testAdminToken,
			`{"sku":"X1","title":{"en":"X"},"price":{"amount":0,"currency":"CNY"}}`, 400, "invalid", "price.amount"},
		{"ErrMalformedJSON", "POST", "/api/v1/associates", testAdminToken, `{"userid":`, 400, "invalid", ""},
		{"ErrTooLarge", "POST", "/api/v1/products", testAdminToken,
			`{"sku":"X1","title":{"en":"` + strings.Repeat("x", 1<<20) + `"}}`, 413, "too_large", ""},
		{"ErrUnknownBoutique", "POST", "/api/v1/associates", testAdminToken,
			`{"userid":"zoe","name":"Zoe","boutique":"nowhere","role":"associate"}`, 404, "not_found", "boutique"},
		{"ErrDottedUserID", "POST", "/api/v1/associates", testAdminToken,
			`{"userid":"zoe.z","name":"Zoe","boutique":"sh-plaza66","role":"associate"}`, 400, "invalid", "userid"},
		{"ErrDuplicateBoutique", "POST", "/api/v1/boutiques", testAdminToken,
			`{"id":"sh-plaza66","name":"Again","city":"Shanghai","timezone":"Asia/Shanghai"}`, 409, "conflict", "id"},
		{"ErrTokenRole", "POST", "/api/v1/tokens", testAdminToken, `{"subject":"amy","role":"root"}`, 400, "invalid", "role"},
		{"ErrTokenUnknownAssociate", "POST", "/api/v1/tokens", testAdminToken, `{"subject":"nobody","role":"associate"}`, 400, "invalid", "subject"},
		{"ErrLimit", "GET", "/api/v1/products?limit=0", testAdminToken, nil, 400, "invalid", "limit"},
		{"ErrPriceCurrency", "POST", "/api/v1/products", testAdminToken,
			`{"sku":"X1","title":{"en":"X"},"price":{"amount":100,"currency":"XYZ"}}`, 400, "invalid", "price.currency"},
		{"ErrUnknownBrand", "GET", "/api/v1/brands/no-such-house", testAdminToken, nil, 404, "not_found", ""},
		{"ErrBrandAccent", "PUT", "/api/v1/brands/maison-lumiere", testAdminToken,
			`{"name":"Maison Lumière","accent":"#8C6D4","default_currency":"CNY"}`, 400, "invalid", "accent"},
		{"ErrBrandCurrency", "PUT", "/api/v1/brands/maison-lumiere", testAdminToken,
			`{"name":"Maison Lumière","default_currency":"ABC"}`, 400, "invalid", "default_currency"},
		{"ErrBrandLogo", "PUT", "/api/v1/brands/maison-lumiere", testAdminToken,
			`{"name":"Maison Lumière","logo_url":"logo.png","default_currency":"CNY"}`, 400, "invalid", "logo_url"},
		{"ErrBrandOtherID", "PUT", "/api/v1/brands/maison-lumiere", testAdminToken,
			`{"id":"another-house","name":"Maison Lumière","default_currency":"CNY"}`, 400, "invalid", "id"},
		{"ErrBrandBadID", "PUT", "/api/v1/brands/Maison%20Lumiere", testAdminToken,
			`{"name":"Maison Lumière","default_currency":"CNY"}`, 400, "invalid", "id"},
		{"ErrBrandUnknownField", "PUT", "/api/v1/brands/maison-lumiere", testAdminToken,
			`{"name":"Maison Lumière","default_currency":"CNY","font":"Didot"}`, 400, "invalid", "font"},
		{"ErrNoRoute", "GET", "/api/v1/nothing", testAdminToken, nil, 404, "not_found", ""},
		{"ErrWrongMethod", "DELETE", "/api/v1/boutiques", testAdminToken, nil, 405, "method_not_allowed", ""},
		{"ErrWrongMethodNoToken", "DELETE", "/api/v1/boutiques", "", nil, 401, "unauthorized", ""},
		{"ErrTrailingData", "POST", "/api/v1/boutiques", testAdminToken,
			`{"id":"gz-taikoo","name":"Taikoo Hui","city":"Guangzhou","timezone":"Asia/Shanghai"}}`, 400, "invalid", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got apiError
			status := call(t, m, tt.method, tt.path, tt.token, tt.body, &got)
			if status != tt.wantStatus || got.Error.Code != tt.wantCode || got.Error.Field != tt.wantField {
				t.Fatalf("got %d %+v, want %d code %q field %q", status, got.Error, tt.wantStatus, tt.wantCode, tt.wantField)
			}
		})
	}
	// A wrong method says which methods are right: the API's routes (and
	// the plain-text operator endpoints, through the ServeMux itself).
	for path, allow := range map[string]string{"/api/v1/customers": "GET, HEAD", "/api/v1/transfers": "POST",
		"/healthz": "GET, HEAD", "/readyz": "GET, HEAD", "/metrics": "GET, HEAD"} {
		t.Run("ErrWrongMethodAllow"+path, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), "PUT", m.URL()+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+testAdminToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != allow {
				t.Fatalf("got %d Allow %q, want 405 Allow %q", resp.StatusCode, resp.Header.Get("Allow"), allow)
			}
		})
	}
	// Nothing of the rejected requests was stored.
	var boutiques struct{ Boutiques []map[string]any }
	call(t, m, "GET", "/api/v1/boutiques", testAdminToken, nil, &boutiques)
	if len(boutiques.Boutiques) != 2 {
		t.Fatalf("got %d boutiques after rejected writes, want the 2 demo ones", len(boutiques.Boutiques))
	}
}

func TestAPIRoles(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t, func(c *Config) { c.Sandbox = "on" })
	if got := call(t, m, "POST", "/api/v1/boutiques", testAdminToken,
		map[string]any{"id": "gz-taikoo", "name": "Taikoo Hui", "city": "Guangzhou", "timezone": "Asia/Shanghai"}, nil); got != http.StatusCreated {
		t.Fatalf("create boutique: %d", got)
	}
	var created map[string]any
	if got := call(t, m, "POST", "/api/v1/associates", testAdminToken,
		map[string]any{"userid": "zoe", "name": "Zoe Chen", "boutique": "gz-taikoo", "role": "associate"}, &created); got != http.StatusCreated || created["userid"] != "zoe" {
		t.Fatalf("create associate: %d %v", got, created)
	}
	tokens := map[string]string{}
	for _, st := range []struct{ subject, role string }{{"zoe", "associate"}, {"crm-team", "crm"}} {
		var tok struct{ Token string }
		if got := call(t, m, "POST", "/api/v1/tokens", testAdminToken, map[string]any{"subject": st.subject, "role": st.role}, &tok); got != http.StatusCreated || tok.Token == "" {
			t.Fatalf("issue %s token: %d", st.role, got)
		}
		tokens[st.role] = tok.Token
	}
	tests := []struct {
		name   string
		method string
		path   string
		token  string
		body   any
		want   int
	}{
		{"AssociateCannotCreateBoutique", "POST", "/api/v1/boutiques", tokens["associate"],
			map[string]any{"id": "x-y", "name": "X", "city": "X", "timezone": "UTC"}, 403},
		{"AssociateCannotIssueTokens", "POST", "/api/v1/tokens", tokens["associate"], map[string]any{"subject": "zoe", "role": "admin"}, 403},
		{"AssociateCannotBackUp", "GET", "/api/v1/admin/backup", tokens["associate"], nil, 403},
		{"AssociateCanSearchCatalog", "GET", "/api/v1/products?q=bag", tokens["associate"], nil, 200},
		{"CRMCanAddProducts", "POST", "/api/v1/products", tokens["crm"],
			map[string]any{"sku": "NEW-1", "title": map[string]string{"en": "New"}, "price": map[string]any{"amount": 100, "currency": "CNY"}}, 201},
		{"AssociateCannotAddProducts", "POST", "/api/v1/products", tokens["associate"],
			map[string]any{"sku": "NEW-2", "title": map[string]string{"en": "New"}, "price": map[string]any{"amount": 100, "currency": "CNY"}}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := call(t, m, tt.method, tt.path, tt.token, tt.body, nil); got != tt.want {
				t.Fatalf("got %d, want %d", got, tt.want)
			}
		})
	}
	// An associate's book is their own: zoe has no clients, so sees none.
	var customers struct{ Customers []map[string]any }
	if got := call(t, m, "GET", "/api/v1/customers", tokens["associate"], nil, &customers); got != 200 || len(customers.Customers) != 0 {
		t.Fatalf("zoe sees %d customers (status %d), want 0", len(customers.Customers), got)
	}
	// The CRM team sees everyone, masked.
	if got := call(t, m, "GET", "/api/v1/customers", tokens["crm"], nil, &customers); got != 200 || len(customers.Customers) != 5 {
		t.Fatalf("crm sees %d customers (status %d), want 5", len(customers.Customers), got)
	}
	for _, c := range customers.Customers {
		for _, id := range c["identities"].([]any) {
			if x := id.(map[string]any)["external_id"].(string); !strings.Contains(x, "***") {
				t.Fatalf("crm sees an unmasked identity %q", x)
			}
		}
	}
}

// A brand's settings are created, read and replaced over the API; a
// refused change leaves them as they were.
func TestBrandAPI(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t, func(c *Config) { c.Sandbox = "on" })
	amy := tokenFor(t, m, "amy", "associate")
	type brand struct {
		ID              string `json:"id"`
		Name            string `json:"name"`
		LogoURL         string `json:"logo_url"`
		Accent          string `json:"accent"`
		DefaultCurrency string `json:"default_currency"`
	}
	body := `{"name":"Atelier Nord","logo_url":"https://images.example.com/atelier.png","accent":"#0A0B0C","default_currency":"HKD"}`
	var got brand
	if status := call(t, m, "PUT", "/api/v1/brands/atelier-nord", testAdminToken, body, &got); status != http.StatusCreated {
		t.Fatalf("create: %d, want 201", status)
	}
	want := brand{"atelier-nord", "Atelier Nord", "https://images.example.com/atelier.png", "#0A0B0C", "HKD"}
	if got != want {
		t.Fatalf("answered %+v, want %+v", got, want)
	}
	if status := call(t, m, "PUT", "/api/v1/brands/atelier-nord", amy, body, nil); status != http.StatusForbidden {
		t.Fatalf("an associate's change: %d, want 403", status)
	}
	if status := call(t, m, "PUT", "/api/v1/brands/atelier-nord", testAdminToken, strings.Replace(body, "#0A0B0C", "teal", 1), nil); status != http.StatusBadRequest {
		t.Fatalf("bad accent: %d, want 400", status)
	}
	got = brand{}
	if status := call(t, m, "GET", "/api/v1/brands/atelier-nord", amy, nil, &got); status != http.StatusOK || got != want {
		t.Fatalf("read by an associate: %d %+v, want 200 %+v", status, got, want)
	}
	replaced := strings.Replace(body, "HKD", "CNY", 1)
	if status := call(t, m, "PUT", "/api/v1/brands/atelier-nord", testAdminToken, replaced, &got); status != http.StatusOK || got.DefaultCurrency != "CNY" {
		t.Fatalf("replace: %d %+v, want 200 with CNY", status, got)
	}
	// The sandbox seeds the demo maison's look.
	if status := call(t, m, "GET", "/api/v1/brands/maison-lumiere", amy, nil, &got); status != http.StatusOK || got.Name != "Maison Lumière" {
		t.Fatalf("demo brand: %d %+v", status, got)
	}
}
