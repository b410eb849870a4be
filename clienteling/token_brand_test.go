package clienteling_test

import (
	"context"
	"slices"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// asBrand returns contexts of the admin and the CRM team limited to the
// maison's brand.
func asBrand(tb testing.TB) (admin, crm context.Context) {
	return clienteling.WithPrincipal(tb.Context(), clientelingtest.AsBrandAdmin),
		clienteling.WithPrincipal(tb.Context(), clientelingtest.AsBrandCRM)
}

func TestIssueTokenBrand(t *testing.T) {
	t.Parallel()
	g := clientelingtest.NewGroup(t)
	group := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	brand, _ := asBrand(t)
	for _, row := range []struct {
		name      string
		ctx       context.Context
		token     clienteling.Token
		code      string
		field     string
		wantBrand clienteling.BrandID
	}{
		{"OKGroupWide", group, clienteling.Token{Subject: "crm-all", Role: clienteling.RoleCRM}, "", "", ""},
		{"OKLimited", group, clienteling.Token{Subject: "atelier-ops", Role: clienteling.RoleAdmin, Brand: "atelier"}, "", "", "atelier"},
		{"OKLimitedByLimited", brand, clienteling.Token{Subject: "crm-two", Role: clienteling.RoleCRM, Brand: "maison"}, "", "", "maison"},
		{"OKAssociateByLimited", brand, clienteling.Token{Subject: "amy", Role: clienteling.RoleAssociate}, "", "", ""},
		{"ErrMalformedBrand", group, clienteling.Token{Subject: "x", Role: clienteling.RoleCRM, Brand: "Not A Slug"}, clienteling.EINVALID, "brand", ""},
		{"ErrUnknownBrand", group, clienteling.Token{Subject: "x", Role: clienteling.RoleCRM, Brand: "nobody-carries"}, clienteling.EINVALID, "brand", ""},
		{"ErrBrandOnAssociate", group, clienteling.Token{Subject: "amy", Role: clienteling.RoleAssociate, Brand: "maison"}, clienteling.EINVALID, "brand", ""},
		{"ErrGroupWideByLimited", brand, clienteling.Token{Subject: "crm-all", Role: clienteling.RoleCRM}, clienteling.EFORBIDDEN, "brand", ""},
		{"ErrAdminGroupWideByLimited", brand, clienteling.Token{Subject: "root", Role: clienteling.RoleAdmin}, clienteling.EFORBIDDEN, "brand", ""},
		{"ErrOtherBrandByLimited", brand, clienteling.Token{Subject: "x", Role: clienteling.RoleAdmin, Brand: "atelier"}, clienteling.EFORBIDDEN, "brand", ""},
		{"ErrOtherBrandsAssociateByLimited", brand, clienteling.Token{Subject: "xavier", Role: clienteling.RoleAssociate}, clienteling.EINVALID, "subject", ""},
	} {
		t.Run(row.name, func(t *testing.T) {
			before, err := g.DB.Tokens(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			tok := row.token
			secret, err := g.Service.IssueToken(row.ctx, &tok)
			if clienteling.ErrorCode(err) != row.code || clienteling.ErrorField(err) != row.field {
				t.Fatalf("got %v (field %q), want %q naming %q", err, clienteling.ErrorField(err), row.code, row.field)
			}
			if row.code != "" {
				if after, _ := g.DB.Tokens(t.Context()); len(after) != len(before) {
					t.Fatalf("a refused token was stored: %d tokens, was %d", len(after), len(before))
				}
				return
			}
			p, err := g.Service.Authenticate(t.Context(), secret)
			if err != nil {
				t.Fatal(err)
			}
			if p.Brand != row.wantBrand {
				t.Fatalf("principal's brand %q, want %q", p.Brand, row.wantBrand)
			}
		})
	}
}

// TestBrandTokenSurvivesRestart: the brand is stored with the token, and
// a token stored before tokens had brands reads as group-wide.
func TestBrandTokenSurvivesRestart(t *testing.T) {
	t.Parallel()
	g := clientelingtest.NewGroup(t)
	ctx := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	limited, err := g.Service.IssueToken(ctx, &clienteling.Token{Subject: "maison-crm", Role: clienteling.RoleCRM, Brand: "maison"})
	if err != nil {
		t.Fatal(err)
	}
	db := clientelingtest.Reopen(t, g.DB)
	svc := clienteling.NewService(db, g.Clock)
	p, err := svc.Authenticate(t.Context(), limited)
	if err != nil {
		t.Fatal(err)
	}
	if p.Brand != "maison" {
		t.Fatalf("after a restart the token's brand is %q, want maison", p.Brand)
	}
}

func TestBrandTokenListAndRevoke(t *testing.T) {
	t.Parallel()
	g := clientelingtest.NewGroup(t)
	group := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	brand, _ := asBrand(t)
	ids := map[string]clienteling.TokenID{}
	for _, tok := range []*clienteling.Token{
		{Subject: "maison-crm", Role: clienteling.RoleCRM, Brand: "maison"},
		{Subject: "atelier-crm", Role: clienteling.RoleCRM, Brand: "atelier"},
		{Subject: "group-crm", Role: clienteling.RoleCRM},
		{Subject: "amy", Role: clienteling.RoleAssociate},
		{Subject: "xavier", Role: clienteling.RoleAssociate},
	} {
		if _, err := g.Service.IssueToken(group, tok); err != nil {
			t.Fatal(err)
		}
		ids[tok.Subject] = tok.ID
	}
	ts, err := g.Service.Tokens(brand)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tok := range ts {
		got = append(got, tok.Subject)
	}
	slices.Sort(got)
	if want := []string{"amy", "maison-crm"}; !slices.Equal(got, want) {
		t.Fatalf("a brand-limited admin lists %v, want %v", got, want)
	}
	for _, hidden := range []string{"atelier-crm", "group-crm", "xavier"} {
		if _, err := g.Service.RevokeToken(brand, ids[hidden]); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
			t.Errorf("revoke %s's token: got %v, want %s", hidden, err, clienteling.ENOTFOUND)
		}
	}
	all, err := g.Service.Tokens(group)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range all {
		if !tok.RevokedAt.IsZero() {
			t.Errorf("%s's token was revoked by a refused call", tok.Subject)
		}
	}
	if _, err := g.Service.RevokeToken(brand, ids["amy"]); err != nil {
		t.Fatalf("revoke amy's token within the brand: %v", err)
	}
}

// second returns the error of a call that also returns a value.
func second[T any](_ T, err error) error { return err }
