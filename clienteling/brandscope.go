package clienteling

import (
	"context"
	"fmt"
)

// A deployment may serve several maisons of one group. Admin and CRM
// tokens may then be limited to one brand (Token.Brand): such a principal
// sees only the boutiques that carry its brand, their associates, the
// clients who belong to them (see brandScope.owns), their conversations and
// data requests, and writes nowhere else. What lies outside is answered as
// if it did not exist (ENOTFOUND), and lists leave it out; writes aimed
// outside are EFORBIDDEN naming the rule. The catalog carries no brand: it
// stays readable by all, with stock shown only for the brand's boutiques,
// and a brand-limited token may not change it, since a change would reach
// every maison.

// brandScope is what a brand-limited principal may see, read from the
// boutiques as stored at the time of the call.
type brandScope struct {
	brand     BrandID
	boutiques map[BoutiqueID]bool
	// advisors caches, by associate, whether they work in the brand: for
	// clients recorded with an advisor but no boutique.
	advisors map[AssociateID]bool
}

// scope returns the acting principal's brand scope, or nil for a
// group-wide principal (no brand), who sees every brand.
func (s *Service) scope(ctx context.Context) (*brandScope, error) {
	p := PrincipalFrom(ctx)
	if p == nil || p.Brand == "" {
		return nil, nil
	}
	bs, err := s.store.Boutiques(ctx)
	if err != nil {
		return nil, err
	}
	sc := &brandScope{brand: p.Brand, boutiques: map[BoutiqueID]bool{}, advisors: map[AssociateID]bool{}}
	for _, b := range bs {
		if b.Brand == p.Brand {
			sc.boutiques[b.ID] = true
		}
	}
	return sc, nil
}

// hasBoutique reports whether boutique id carries the scope's brand; a nil
// scope has every boutique.
func (sc *brandScope) hasBoutique(id BoutiqueID) bool { return sc == nil || sc.boutiques[id] }

// hasAssociate reports whether associate a works in one of the scope's
// boutiques.
func (sc *brandScope) hasAssociate(a *Associate) bool { return sc.hasBoutique(a.Boutique) }

// owns reports whether client c belongs to the scope's brand: the brand of
// their boutique, or, when none is recorded, of their advisor's. A client
// with neither belongs to no brand and is seen only group-wide.
func (s *Service) owns(ctx context.Context, sc *brandScope, c *Customer) (bool, error) {
	switch {
	case sc == nil:
		return true, nil
	case c.Boutique != "":
		return sc.boutiques[c.Boutique], nil
	case c.Advisor == "":
		return false, nil
	}
	if in, ok := sc.advisors[c.Advisor]; ok {
		return in, nil
	}
	a, err := s.store.FindAssociate(ctx, c.Advisor)
	if ErrorCode(err) == ENOTFOUND {
		sc.advisors[c.Advisor] = false
		return false, nil
	} else if err != nil {
		return false, err
	}
	sc.advisors[c.Advisor] = sc.hasAssociate(a)
	return sc.advisors[c.Advisor], nil
}

// inScope returns ENOTFOUND, as for a client who does not exist, when the
// acting principal is limited to a brand that c does not belong to.
func (s *Service) inScope(ctx context.Context, c *Customer) error {
	sc, err := s.scope(ctx)
	if err != nil {
		return err
	}
	if ok, err := s.owns(ctx, sc, c); err != nil {
		return err
	} else if !ok {
		return Errorf(ENOTFOUND, "customer not found")
	}
	return nil
}

// associateInScope returns ENOTFOUND when the acting principal is limited
// to a brand that associate a does not work for: staff of another maison
// are not shown.
func (s *Service) associateInScope(ctx context.Context, a *Associate) error {
	sc, err := s.scope(ctx)
	if err != nil {
		return err
	}
	if !sc.hasAssociate(a) {
		return Errorf(ENOTFOUND, "associate not found")
	}
	return nil
}

// outsideBrand is the EFORBIDDEN answer to a brand-limited write aimed
// outside its brand; field names the input that aims there.
func outsideBrand(brand BrandID, field, format string, args ...any) *Error {
	return &Error{Code: EFORBIDDEN, Field: field,
		Message: fmt.Sprintf("a token limited to brand %s ", brand) + fmt.Sprintf(format, args...)}
}

// RequireGroupWide returns the error of Require, and EFORBIDDEN for a
// principal limited to one brand: for what holds every brand's data at
// once (a backup of the database), which no brand's token may take.
func RequireGroupWide(ctx context.Context, what string, roles ...string) error {
	if err := require(ctx, roles...); err != nil {
		return err
	}
	if p := PrincipalFrom(ctx); p.Brand != "" {
		return Errorf(EFORBIDDEN, "a token limited to brand %s may not %s: it holds every brand's data", p.Brand, what)
	}
	return nil
}

// brandCarried reports whether some boutique carries brand.
func (s *Service) brandCarried(ctx context.Context, brand BrandID) (bool, error) {
	bs, err := s.store.Boutiques(ctx)
	if err != nil {
		return false, err
	}
	for _, b := range bs {
		if b.Brand == brand {
			return true, nil
		}
	}
	return false, nil
}
