package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// The roles of the matrix, in the order of a row's want.
var matrixRoles = [4]string{clienteling.RoleAssociate, clienteling.RoleManager, clienteling.RoleCRM, clienteling.RoleAdmin}

// statuses is what a row expects for associate, manager, crm and admin.
type statuses [4]int

// authzMatrix has a row for every route Register adds: who may call it,
// over real HTTP on a real database. Every request is authenticated, so a
// call with no token or a bad one is 401 on every row without saying so.
//
// Paths and bodies may hold placeholders, filled from the fixture:
// {client} and {openid} are the associate's own client (in the manager's
// boutique), {staff} is the associate themself, {token} the id of the CRM
// team's token. For a role whose call
// succeeds, the row is also run first against what that role must not see
// (another associate's client for the associate, another boutique's client
// and associate for the manager) and must answer 404, as if it did not
// exist, and change nothing.
//
// A new route needs a row here, or TestAuthzMatrixCoversEveryRoute fails.
var authzMatrix = []struct {
	pattern string // as registered
	path    string // with query and placeholders
	body    string // JSON, with placeholders; "" for none
	want    statuses
}{
	{"POST /api/v1/boutiques", "/api/v1/boutiques", `{"id":"gz-taikoo","name":"Taikoo Hui","city":"Guangzhou","timezone":"Asia/Shanghai"}`, statuses{403, 403, 403, 201}},
	{"GET /api/v1/boutiques", "/api/v1/boutiques", "", statuses{200, 200, 200, 200}},
	{"POST /api/v1/associates", "/api/v1/associates", `{"userid":"nina","name":"Nina","boutique":"sh-plaza66","role":"associate"}`, statuses{403, 403, 403, 201}},
	{"GET /api/v1/associates", "/api/v1/associates", "", statuses{200, 200, 200, 200}},
	{"POST /api/v1/tokens", "/api/v1/tokens", `{"subject":"crm-two","role":"crm"}`, statuses{403, 403, 403, 201}},
	{"GET /api/v1/tokens", "/api/v1/tokens", "", statuses{403, 403, 403, 200}},
	{"DELETE /api/v1/tokens/{id}", "/api/v1/tokens/{token}", "", statuses{403, 403, 403, 204}},
	{"POST /api/v1/products", "/api/v1/products", `{"sku":"BAG-1","title":{"en":"Bag"},"price":{"amount":100,"currency":"CNY"}}`, statuses{403, 403, 201, 201}},
	{"GET /api/v1/products", "/api/v1/products?q=bag", "", statuses{200, 200, 200, 200}},
	{"GET /api/v1/customers", "/api/v1/customers", "", statuses{200, 200, 200, 200}},
	{"GET /api/v1/customers", "/api/v1/customers?channel=oa&external_id={openid}", "", statuses{200, 200, 403, 200}},
	{"GET /api/v1/customers/{id}", "/api/v1/customers/{client}", "", statuses{200, 200, 200, 200}},
	{"GET /api/v1/customers/{id}/messages", "/api/v1/customers/{client}/messages", "", statuses{200, 200, 200, 200}},
	{"GET /api/v1/customers/{id}/messages", "/api/v1/customers/{client}/messages?q=hello", "", statuses{200, 200, 403, 200}},
	{"POST /api/v1/customers/{id}/messages", "/api/v1/customers/{client}/messages", `{"type":"text","text":"Good afternoon"}`, statuses{202, 202, 403, 202}},
	{"PATCH /api/v1/customers/{id}/profile", "/api/v1/customers/{client}/profile", `{"tags":["private-viewing"]}`, statuses{200, 200, 403, 200}},
	{"PATCH /api/v1/customers/{id}/profile", "/api/v1/customers/{client}/profile", `{"add":{"colours":[{"value":"black"}]},"remove":{"tags":["absent"]}}`, statuses{200, 200, 403, 200}},
	{"POST /api/v1/customers/{id}/notes", "/api/v1/customers/{client}/notes", `{"text":"prefers green"}`, statuses{201, 201, 403, 201}},
	{"GET /api/v1/customers/{id}/notes", "/api/v1/customers/{client}/notes", "", statuses{200, 200, 200, 200}},
	{"POST /api/v1/associates/{userid}/qrcode", "/api/v1/associates/{staff}/qrcode", "", statuses{200, 200, 403, 200}},
	{"GET /api/v1/customers/{id}/export", "/api/v1/customers/{client}/export", "", statuses{403, 403, 403, 200}},
	{"DELETE /api/v1/customers/{id}", "/api/v1/customers/{client}", "", statuses{403, 403, 403, 204}},
	{"GET /api/v1/admin/backup", "/api/v1/admin/backup", "", statuses{403, 403, 403, 200}},
	{"POST /api/v1/transfers", "/api/v1/transfers", `{"from":"{staff}","to":"sophie"}`, statuses{403, 200, 403, 200}},
	{"GET /api/v1/conversations", "/api/v1/conversations", "", statuses{200, 200, 200, 200}},
	{"GET /api/v1/customers/{id}/conversation", "/api/v1/customers/{client}/conversation", "", statuses{200, 200, 200, 200}},
	{"POST /api/v1/customers/{id}/conversation/assign", "/api/v1/customers/{client}/conversation/assign", `{"associate":"sophie"}`, statuses{403, 200, 403, 200}},
	{"PATCH /api/v1/associates/{userid}", "/api/v1/associates/{staff}", `{"status":"away"}`, statuses{200, 200, 403, 200}},
	{"POST /api/v1/signin-links", "/api/v1/signin-links", `{"associate":"{staff}"}`, statuses{403, 201, 403, 201}},
	{"GET /api/v1/openapi.json", "/api/v1/openapi.json", "", statuses{200, 200, 200, 200}},
	{"/api/", "/api/v1/no-such-route", "", statuses{404, 404, 404, 404}},
}

// publicRoutes answer without a token: they hold no data.
var publicRoutes = []string{"GET /api/v1/openapi.json"}

// recordingMux is a ServeMux that remembers the patterns registered on it.
type recordingMux struct {
	*http.ServeMux
	patterns []string
}

func (m *recordingMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// TestAuthzMatrixCoversEveryRoute fails when a route is registered without
// a row in authzMatrix, or a row names a route that is gone.
func TestAuthzMatrixCoversEveryRoute(t *testing.T) {
	t.Parallel()
	mux := &recordingMux{ServeMux: http.NewServeMux()}
	New(nil, nil, slog.New(slog.DiscardHandler)).Register(mux)
	if len(mux.patterns) == 0 {
		t.Fatal("Register added no routes")
	}
	rows := map[string]bool{}
	for _, row := range authzMatrix {
		rows[row.pattern] = true
	}
	for _, p := range mux.patterns {
		if !rows[p] {
			t.Errorf("route %q has no row in authzMatrix: say who may call it", p)
		}
	}
	for p := range rows {
		if !slices.Contains(mux.patterns, p) {
			t.Errorf("authzMatrix row %q names no registered route", p)
		}
	}
}

// TestAuthzMatrix runs every row of authzMatrix for every role, with no
// token and with a bad one (401, or 200 on a public route), each on a
// fresh database, over real HTTP.
func TestAuthzMatrix(t *testing.T) {
	t.Parallel()
	for _, row := range authzMatrix {
		method, _, ok := strings.Cut(row.pattern, " ")
		if !ok {
			method = http.MethodGet
		}
		anonymous := http.StatusUnauthorized
		if slices.Contains(publicRoutes, row.pattern) {
			anonymous = http.StatusOK
		}
		t.Run(row.pattern+" "+row.path, func(t *testing.T) {
			t.Parallel()
			t.Run("NoToken", func(t *testing.T) {
				t.Parallel()
				f := newMatrixFixture(t)
				if got, body := f.do(t, method, f.fill(row.path, false, ""), f.fill(row.body, false, ""), ""); got != anonymous {
					t.Fatalf("got %d, want %d: %s", got, anonymous, body)
				}
			})
			t.Run("BadToken", func(t *testing.T) {
				t.Parallel()
				f := newMatrixFixture(t)
				if got, body := f.do(t, method, f.fill(row.path, false, ""), f.fill(row.body, false, ""), clienteling.TokenPrefix+"forged"); got != anonymous {
					t.Fatalf("got %d, want %d: %s", got, anonymous, body)
				}
			})
			for i, role := range matrixRoles {
				want := row.want[i]
				t.Run(role, func(t *testing.T) {
					t.Parallel()
					f := newMatrixFixture(t)
					token := f.tokens[role]
					placeholders := strings.Contains(row.path+row.body, "{")
					if ok := want >= 200 && want < 300; ok && placeholders && (role == clienteling.RoleAssociate || role == clienteling.RoleManager) {
						path, body := f.fill(row.path, true, role), f.fill(row.body, true, role)
						if got, resp := f.do(t, method, path, body, token); got != http.StatusNotFound {
							t.Errorf("%s %s %s as %s, outside their view: got %d, want 404: %s", method, path, body, role, got, resp)
						}
						f.unchanged(t)
					}
					got, resp := f.do(t, method, f.fill(row.path, false, ""), f.fill(row.body, false, ""), token)
					if got != want {
						t.Fatalf("got %d, want %d: %s", got, want, resp)
					}
					if got >= 200 && got < 300 {
						f.noLeak(t, role, resp)
					}
				})
			}
		})
	}
}

// matrixFixture is the kit's maison (clientelingtest.NewMaison) with a
// token for each role and the API served over real HTTP.
type matrixFixture struct {
	db     *store.DB
	url    string
	tokens map[string]string // by role; amy, chenjing, a crm team member, an admin
	// own is amy's client; sophies and bens are hidden from amy, bens from
	// chenjing.
	own, sophies, bens *clienteling.Customer
	before             map[clienteling.CustomerID]*clienteling.Customer
	// personal is what was typed of own's personal details into their
	// profile, messages and notes (clientelingtest.SeedPersonalData).
	personal []string
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	ctx := clienteling.WithPrincipal(context.Background(), clienteling.System())
	m := clientelingtest.NewMaison(t)
	db, svc := m.DB, m.Service
	f := &matrixFixture{db: db, tokens: map[string]string{}, own: m.Own, sophies: m.Sophies, bens: m.Bens}
	f.personal = clientelingtest.SeedPersonalData(t, db, f.own)
	for _, p := range clientelingtest.Principals() {
		secret, err := svc.IssueToken(ctx, &clienteling.Token{Subject: p.Subject, Role: p.Role})
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[p.Role] = secret
	}
	f.before = f.snapshot(t)

	mux := http.NewServeMux()
	New(svc, db, slog.New(slog.DiscardHandler)).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// fill replaces the placeholders of s: with what the associate may touch,
// or, if hidden, with what role must not see.
func (f *matrixFixture) fill(s string, hidden bool, role string) string {
	client, staff := f.own, "amy"
	if hidden {
		client, staff = f.bens, "ben"
		if role == clienteling.RoleAssociate {
			client = f.sophies
		}
	}
	token := clienteling.TokenIDOf(clienteling.HashSecret(f.tokens[clienteling.RoleCRM]))
	return strings.NewReplacer("{client}", string(client.ID), "{openid}", client.Identities[0].ExternalID, "{staff}", staff,
		"{token}", string(token)).Replace(s)
}

// do makes one request and returns the status and the body.
func (f *matrixFixture) do(t *testing.T, method, path, body, token string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, f.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// snapshot returns the clients as stored, with their notes and messages
// counted into Tags so that any write shows.
func (f *matrixFixture) snapshot(t *testing.T) map[clienteling.CustomerID]*clienteling.Customer {
	t.Helper()
	ctx := context.Background()
	out := map[clienteling.CustomerID]*clienteling.Customer{}
	for _, c := range []*clienteling.Customer{f.sophies, f.bens} {
		got, err := f.db.FindCustomerByID(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		ms, _, err := f.db.Messages(ctx, c.ID, clienteling.MessagePage{Limit: clienteling.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		ns, err := f.db.Notes(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		conv, err := f.db.Conversation(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Tags = append(got.Tags, fmt.Sprint("messages=", len(ms)), fmt.Sprint("notes=", len(ns)), "assignee="+string(conv.Assignee))
		out[c.ID] = got
	}
	return out
}

// unchanged fails if a hidden client's record, history, notes or
// conversation changed since the fixture was made.
func (f *matrixFixture) unchanged(t *testing.T) {
	t.Helper()
	for id, now := range f.snapshot(t) {
		was := f.before[id]
		if now.Advisor != was.Advisor || now.Boutique != was.Boutique || !slices.Equal(now.Tags, was.Tags) || !now.UpdatedAt.Equal(was.UpdatedAt) {
			t.Errorf("client %s changed by a refused call: was %+v, now %+v", id, was, now)
		}
	}
	for _, id := range []clienteling.AssociateID{"ben", "amy"} {
		a, err := f.db.FindAssociate(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != clienteling.StatusActive {
			t.Errorf("associate %s changed by a refused call: status %s", id, a.Status)
		}
	}
}

// noLeak fails if a successful answer shows role a client outside its view,
// or, for the CRM team, any client's contact details unmasked or any of
// the personal details typed about own.
func (f *matrixFixture) noLeak(t *testing.T, role, body string) {
	t.Helper()
	var hidden []*clienteling.Customer
	switch role {
	case clienteling.RoleAssociate:
		hidden = []*clienteling.Customer{f.sophies, f.bens}
	case clienteling.RoleManager:
		hidden = []*clienteling.Customer{f.bens}
	case clienteling.RoleCRM:
		for _, c := range []*clienteling.Customer{f.own, f.sophies, f.bens} {
			for _, s := range []string{c.Name, c.Phone, c.Identities[0].ExternalID} {
				if strings.Contains(body, s) {
					t.Errorf("the crm role sees %q unmasked: %s", s, body)
				}
			}
		}
		for _, s := range f.personal {
			if strings.Contains(body, s) {
				t.Errorf("the crm role sees %q: %s", s, body)
			}
		}
	}
	for _, c := range hidden {
		for _, s := range []string{string(c.ID), c.Name, c.Identities[0].ExternalID} {
			if strings.Contains(body, s) {
				t.Errorf("%s sees %q of a client outside their view: %s", role, s, body)
			}
		}
	}
}
