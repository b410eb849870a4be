package api

import (
	"context"
	"fmt"
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

// The callers of the matrix, in the order of a row's want: the four roles,
// then the CRM team and an admin limited to the maison's brand.
const (
	callerBrandCRM   = "brand-crm"
	callerBrandAdmin = "brand-admin"
)

var matrixCallers = [6]string{clienteling.RoleAssociate, clienteling.RoleManager, clienteling.RoleCRM, clienteling.RoleAdmin,
	callerBrandCRM, callerBrandAdmin}

// matrixRoles are the plain roles, the matrix's first four callers; the
// brand-limited callers hold the same roles, so they document nothing new.
var matrixRoles = [4]string(matrixCallers[:4])

// matrixPrincipals are who the callers' tokens are issued to, by caller.
var matrixPrincipals = map[string]*clienteling.Principal{
	clienteling.RoleAssociate: clientelingtest.AsAssociate,
	clienteling.RoleManager:   clientelingtest.AsManager,
	clienteling.RoleCRM:       clientelingtest.AsCRM,
	clienteling.RoleAdmin:     clientelingtest.AsAdmin,
	callerBrandCRM:            clientelingtest.AsBrandCRM,
	callerBrandAdmin:          clientelingtest.AsBrandAdmin,
}

// statuses is what a row expects for associate, manager, crm, admin,
// brand-limited crm and brand-limited admin.
type statuses [6]int

// limited reports whether caller's token is limited to a brand.
func limited(caller string) bool { return caller == callerBrandCRM || caller == callerBrandAdmin }

// authzMatrix has a row for every route Register adds: who may call it,
// over real HTTP on a real database. Every request is authenticated, so a
// call with no token or a bad one is 401 on every row without saying so.
//
// The fixture is a group of two maisons (clientelingtest.NewGroup); the
// brand-limited callers are limited to the associate's.
//
// Paths and bodies may hold placeholders, filled from the fixture:
// {client} and {openid} are the associate's own client (in the manager's
// boutique), {staff} is the associate themself, {boutique} their boutique,
// {brand} its brand, {token} the id of the brand-limited CRM team's token.
// For a caller whose call succeeds, the row is also run first against what
// that caller must not see (another associate's client for the associate,
// another boutique's client and associate for the manager, the other
// maison's client, associate, boutique, brand and token for the
// brand-limited callers) and must answer 404, as if it did not exist (or,
// for the brand-limited callers, the row's outside status), and change
// nothing. Every successful answer is scanned for what the caller must not
// see (noLeak).
//
// A new route needs a row here, or TestAuthzMatrixCoversEveryRoute fails.
var authzMatrix = []struct {
	pattern string // as registered
	path    string // with query and placeholders
	body    string // JSON, with placeholders; "" for none
	want    statuses
	// outside is the status for a brand-limited caller aiming at the
	// other brand; 0 means 404.
	outside int
}{
	{"POST /api/v1/boutiques", "/api/v1/boutiques", `{"id":"gz-taikoo","brand":"{brand}","name":"Taikoo Hui","city":"Guangzhou","timezone":"Asia/Shanghai"}`, statuses{403, 403, 403, 201, 403, 201}, 403},
	{"GET /api/v1/boutiques", "/api/v1/boutiques", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"POST /api/v1/associates", "/api/v1/associates", `{"userid":"nina","name":"Nina","boutique":"{boutique}","role":"associate"}`, statuses{403, 403, 403, 201, 403, 201}, 403},
	{"GET /api/v1/associates", "/api/v1/associates", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"POST /api/v1/tokens", "/api/v1/tokens", `{"subject":"crm-two","role":"crm"}`, statuses{403, 403, 403, 201, 403, 403}, 0},
	{"POST /api/v1/tokens", "/api/v1/tokens", `{"subject":"crm-two","role":"crm","brand":"{brand}"}`, statuses{403, 403, 403, 201, 403, 201}, 403},
	{"POST /api/v1/tokens", "/api/v1/tokens", `{"subject":"{staff}","role":"associate"}`, statuses{403, 403, 403, 201, 403, 201}, 400},
	{"GET /api/v1/tokens", "/api/v1/tokens", "", statuses{403, 403, 403, 200, 403, 200}, 0},
	{"DELETE /api/v1/tokens/{id}", "/api/v1/tokens/{token}", "", statuses{403, 403, 403, 204, 403, 204}, 0},
	{"POST /api/v1/products", "/api/v1/products", `{"sku":"BAG-1","title":{"en":"Bag"},"price":{"amount":100,"currency":"CNY"}}`, statuses{403, 403, 201, 201, 403, 403}, 0},
	{"GET /api/v1/products", "/api/v1/products?q=bag", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"GET /api/v1/brands/{brand}", "/api/v1/brands/{brand}", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"PUT /api/v1/brands/{brand}", "/api/v1/brands/{brand}", `{"name":"Maison","accent":"#000000","default_currency":"EUR"}`, statuses{403, 403, 403, 200, 403, 200}, 403},
	{"GET /api/v1/customers", "/api/v1/customers", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"GET /api/v1/customers", "/api/v1/customers?channel=oa&external_id={openid}", "", statuses{200, 200, 403, 200, 403, 200}, 0},
	{"GET /api/v1/customers/{id}", "/api/v1/customers/{client}", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"GET /api/v1/customers/{id}/messages", "/api/v1/customers/{client}/messages", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"GET /api/v1/customers/{id}/messages", "/api/v1/customers/{client}/messages?q=hello", "", statuses{200, 200, 403, 200, 403, 200}, 0},
	{"POST /api/v1/customers/{id}/messages", "/api/v1/customers/{client}/messages", `{"type":"text","text":"Good afternoon"}`, statuses{202, 202, 403, 202, 403, 202}, 0},
	{"POST /api/v1/customers/{id}/messages", "/api/v1/customers/{client}/messages", `{"type":"card","sku":"MAISON-BAG-01","note":"Set aside for you"}`, statuses{202, 202, 403, 202, 403, 202}, 0},
	{"PATCH /api/v1/customers/{id}/profile", "/api/v1/customers/{client}/profile", `{"tags":["private-viewing"]}`, statuses{200, 200, 403, 200, 403, 200}, 0},
	{"PATCH /api/v1/customers/{id}/profile", "/api/v1/customers/{client}/profile", `{"add":{"colours":[{"value":"black"}]},"remove":{"tags":["absent"]}}`, statuses{200, 200, 403, 200, 403, 200}, 0},
	{"POST /api/v1/customers/{id}/notes", "/api/v1/customers/{client}/notes", `{"text":"prefers green"}`, statuses{201, 201, 403, 201, 403, 201}, 0},
	{"GET /api/v1/customers/{id}/notes", "/api/v1/customers/{client}/notes", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"POST /api/v1/associates/{userid}/qrcode", "/api/v1/associates/{staff}/qrcode", "", statuses{200, 200, 403, 200, 403, 200}, 0},
	{"GET /api/v1/customers/{id}/export", "/api/v1/customers/{client}/export", "", statuses{403, 403, 403, 200, 403, 200}, 0},
	{"DELETE /api/v1/customers/{id}", "/api/v1/customers/{client}", "", statuses{403, 403, 403, 204, 403, 204}, 0},
	{"GET /api/v1/admin/backup", "/api/v1/admin/backup", "", statuses{403, 403, 403, 200, 403, 403}, 0},
	{"POST /api/v1/transfers", "/api/v1/transfers", `{"from":"{staff}","to":"sophie"}`, statuses{403, 200, 403, 200, 403, 200}, 0},
	{"GET /api/v1/conversations", "/api/v1/conversations", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"GET /api/v1/customers/{id}/conversation", "/api/v1/customers/{client}/conversation", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"POST /api/v1/customers/{id}/conversation/assign", "/api/v1/customers/{client}/conversation/assign", `{"associate":"sophie"}`, statuses{403, 200, 403, 200, 403, 200}, 0},
	{"PATCH /api/v1/associates/{userid}", "/api/v1/associates/{staff}", `{"status":"away"}`, statuses{200, 200, 403, 200, 403, 200}, 0},
	{"GET /api/v1/orders", "/api/v1/orders", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"GET /api/v1/orders", "/api/v1/orders?boutique=bj-skp&status=created", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"GET /api/v1/orders/{id}", "/api/v1/orders/{order}", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"POST /api/v1/orders/{id}/refunds", "/api/v1/orders/{order}/refunds", `{"amount":100,"reason":"alteration"}`, statuses{403, 202, 403, 202, 403, 202}, 0},
	{"POST /api/v1/signin-links", "/api/v1/signin-links", `{"associate":"{staff}"}`, statuses{403, 201, 403, 201, 403, 201}, 0},
	{"GET /api/v1/reports/engagement", "/api/v1/reports/engagement?from=2026-11-01&to=2026-11-30", "", statuses{403, 200, 200, 200, 200, 200}, 0},
	{"GET /api/v1/reports/engagement", "/api/v1/reports/engagement?from=2026-11-01&to=2026-11-30&boutique={boutique}", "", statuses{403, 200, 200, 200, 200, 200}, 0},
	{"GET /api/v1/reports/engagement", "/api/v1/reports/engagement?from=2026-12-01&to=2026-11-30", "", statuses{403, 400, 400, 400, 400, 400}, 0},
	{"GET /api/v1/openapi.json", "/api/v1/openapi.json", "", statuses{200, 200, 200, 200, 200, 200}, 0},
	{"/api/", "/api/v1/no-such-route", "", statuses{404, 404, 404, 404, 404, 404}, 0},
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
			for i, caller := range matrixCallers {
				want := row.want[i]
				t.Run(caller, func(t *testing.T) {
					t.Parallel()
					f := newMatrixFixture(t)
					token := f.tokens[caller]
					if ok := want >= 200 && want < 300; ok && hidesSomething(row.path+row.body, caller) {
						wantOutside := http.StatusNotFound
						if limited(caller) && row.outside != 0 {
							wantOutside = row.outside
						}
						path, body := f.fill(row.path, true, caller), f.fill(row.body, true, caller)
						if got, resp := f.do(t, method, path, body, token); got != wantOutside {
							t.Errorf("%s %s %s as %s, outside their view: got %d, want %d: %s", method, path, body, caller, got, wantOutside, resp)
						}
						f.unchanged(t)
					}
					got, resp := f.do(t, method, f.fill(row.path, false, ""), f.fill(row.body, false, ""), token)
					if got != want {
						t.Fatalf("got %d, want %d: %s", got, want, resp)
					}
					if got >= 200 && got < 300 {
						f.noLeak(t, caller, resp)
					}
				})
			}
		})
	}
}

// hidesSomething reports whether filling s for caller's hidden view aims
// it at something caller must not see: a client or colleague outside an
// associate's or manager's view, or anything of the other maison for the
// brand-limited callers. The brand's own settings are no secret to its
// associates and managers.
func hidesSomething(s, caller string) bool {
	switch {
	case limited(caller):
		return strings.Contains(s, "{")
	case caller == clienteling.RoleAssociate || caller == clienteling.RoleManager:
		return strings.Contains(s, "{client}") || strings.Contains(s, "{openid}") || strings.Contains(s, "{staff}")
	}
	return false
}

// matrixFixture is the kit's group of two maisons (clientelingtest.NewGroup)
// with a token for each caller and the API served over real HTTP.
type matrixFixture struct {
	db  *store.DB
	url string
	// tokens by caller: amy, chenjing, a crm team member, an admin, and
	// the crm team and an admin limited to amy's brand.
	tokens map[string]string
	// own is amy's client; sophies and bens are hidden from amy, bens from
	// chenjing; others, of the other maison, from all four and from the
	// brand-limited callers.
	own, sophies, bens, others *clienteling.Customer
	// otherTokens are the ids of tokens of the other maison: its limited
	// crm team's and its associate's.
	otherTokens []clienteling.TokenID
	before      map[clienteling.CustomerID]*clienteling.Customer
	counts      string // of boutiques, associates and live tokens, as made
	// personal is what was typed of own's personal details into their
	// profile, messages and notes (clientelingtest.SeedPersonalData).
	personal []string
	// orders are one order per client; own's is paid.
	orders fixtureOrders
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	t.Helper()
	ctx := clienteling.WithPrincipal(context.Background(), clienteling.System())
	g := clientelingtest.NewGroup(t)
	db, svc := g.DB, g.Service
	f := &matrixFixture{db: db, tokens: map[string]string{}, own: g.Own, sophies: g.Sophies, bens: g.Bens, others: g.Others}
	f.personal = clientelingtest.SeedPersonalData(t, db, f.own)
	for caller, p := range matrixPrincipals {
		secret, err := svc.IssueToken(ctx, &clienteling.Token{Subject: p.Subject, Role: p.Role, Brand: p.Brand})
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[caller] = secret
	}
	for _, tok := range []*clienteling.Token{
		{Subject: "atelier-crm", Role: clienteling.RoleCRM, Brand: clientelingtest.OtherBrand},
		{Subject: "xavier", Role: clienteling.RoleAssociate},
	} {
		if _, err := svc.IssueToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		f.otherTokens = append(f.otherTokens, tok.ID)
	}
	orders, gateway, placed := seedOrders(t, g)
	f.orders = placed
	f.before, f.counts = f.snapshot(t), f.count(t)

	mux := http.NewServeMux()
	a := New(svc, db, slog.New(slog.DiscardHandler))
	a.Orders, a.Payments = orders, gateway
	a.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// fill replaces the placeholders of s: with what the associate may touch,
// or, if hidden, with what caller must not see.
func (f *matrixFixture) fill(s string, hidden bool, caller string) string {
	client, staff, order := f.own, "amy", f.orders.own
	boutique, brand := clienteling.BoutiqueID("sh-plaza66"), clientelingtest.Brand
	token := clienteling.TokenIDOf(clienteling.HashSecret(f.tokens[callerBrandCRM]))
	switch {
	case hidden && limited(caller):
		client, staff, order = f.others, "xavier", f.orders.others
		boutique, brand, token = clientelingtest.OtherBoutique, clientelingtest.OtherBrand, f.otherTokens[0]
	case hidden:
		client, staff, order = f.bens, "ben", f.orders.bens
		if caller == clienteling.RoleAssociate {
			client, order = f.sophies, f.orders.sophies
		}
	}
	return strings.NewReplacer("{client}", string(client.ID), "{openid}", client.Identities[0].ExternalID, "{staff}", staff,
		"{token}", string(token), "{boutique}", string(boutique), "{brand}", string(brand), "{order}", string(order)).Replace(s)
}

// do makes one request and returns the status and the body.
func (f *matrixFixture) do(t *testing.T, method, path, body, token string) (int, string) {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp, answer := f.send(t, method, path, b, token)
	return resp.StatusCode, string(answer)
}

// snapshot returns the clients as stored, with their notes and messages
// counted into Tags so that any write shows.
func (f *matrixFixture) snapshot(t *testing.T) map[clienteling.CustomerID]*clienteling.Customer {
	t.Helper()
	ctx := context.Background()
	out := map[clienteling.CustomerID]*clienteling.Customer{}
	for _, c := range []*clienteling.Customer{f.sophies, f.bens, f.others} {
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
	for _, id := range []clienteling.AssociateID{"ben", "amy", "xavier"} {
		a, err := f.db.FindAssociate(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != clienteling.StatusActive {
			t.Errorf("associate %s changed by a refused call: status %s", id, a.Status)
		}
	}
	if now := f.count(t); now != f.counts {
		t.Errorf("a refused call changed what is stored: was %s, now %s", f.counts, now)
	}
}

// count sums up the boutiques, associates and live tokens stored.
func (f *matrixFixture) count(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	bs, err := f.db.Boutiques(ctx)
	if err != nil {
		t.Fatal(err)
	}
	as, err := f.db.FindAssociates(ctx, clienteling.AssociateFilter{})
	if err != nil {
		t.Fatal(err)
	}
	ts, err := f.db.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	live := 0
	for _, tok := range ts {
		if tok.RevokedAt.IsZero() {
			live++
		}
	}
	return fmt.Sprintf("boutiques=%d associates=%d live-tokens=%d", len(bs), len(as), live)
}

// noLeak fails if a successful answer shows caller a client outside its
// view; for the CRM team, any client's contact details unmasked or any of
// the personal details typed about own; for a brand-limited caller, any
// boutique id, associate id, token or brand of the other maison.
func (f *matrixFixture) noLeak(t *testing.T, caller, body string) {
	t.Helper()
	var hidden []*clienteling.Customer
	switch caller {
	case clienteling.RoleAssociate:
		hidden = []*clienteling.Customer{f.sophies, f.bens, f.others}
	case clienteling.RoleManager:
		hidden = []*clienteling.Customer{f.bens, f.others}
	case callerBrandAdmin, callerBrandCRM:
		hidden = []*clienteling.Customer{f.others}
		for _, s := range []string{string(clientelingtest.OtherBoutique), string(clientelingtest.OtherBrand), "xavier", "yara",
			string(f.otherTokens[0]), string(f.otherTokens[1])} {
			if strings.Contains(body, s) {
				t.Errorf("%s sees %q of the other maison: %s", caller, s, body)
			}
		}
	}
	if matrixPrincipals[caller].Role == clienteling.RoleCRM {
		for _, c := range []*clienteling.Customer{f.own, f.sophies, f.bens, f.others} {
			for _, s := range []string{c.Name, c.Phone, c.Identities[0].ExternalID} {
				if strings.Contains(body, s) {
					t.Errorf("%s sees %q unmasked: %s", caller, s, body)
				}
			}
		}
		for _, s := range f.personal {
			if strings.Contains(body, s) {
				t.Errorf("%s sees %q: %s", caller, s, body)
			}
		}
	}
	for _, c := range hidden {
		for _, s := range []string{string(c.ID), c.Name, c.Identities[0].ExternalID} {
			if strings.Contains(body, s) {
				t.Errorf("%s sees %q of a client outside their view: %s", caller, s, body)
			}
		}
	}
}
