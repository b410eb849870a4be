package clienteling

import "context"

// Roles a bearer token can carry, from narrowest to widest view.
const (
	RoleAssociate = "associate" // their own clients
	RoleManager   = "manager"   // their boutique's clients
	RoleCRM       = "crm"       // every boutique's clients (of one brand, if limited), personal data masked and redacted
	RoleAdmin     = "admin"     // everything (of one brand, if limited)
)

// Principal is who is acting: the holder of a bearer token, or the system.
type Principal struct {
	Subject  string     // associate userid for associates and managers
	Role     string     // one of the Role constants
	Boutique BoutiqueID // for associates and managers
	// Brand limits an admin or the CRM team to one brand's boutiques and
	// clients; empty is group-wide (see brand.go).
	Brand BrandID
}

// System returns the principal of Salon's own work (callbacks, timers,
// imports): a fresh value each time, so no caller can change it for others.
func System() *Principal { return &Principal{Subject: "salon", Role: RoleAdmin} }

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the acting principal, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
