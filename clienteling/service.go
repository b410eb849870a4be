package clienteling

import (
	"context"
	"maps"
	"slices"
	"time"
)

// Store is every port the Service needs from storage. Each capability is
// named here, so a store that lacks one fails to compile rather than
// failing a request at run time.
type Store interface {
	BoutiqueStore
	AssociateStore
	AssociateUpdater
	CustomerStore
	MessageStore
	MessageSearcher
	NoteStore
	ConversationStore
	OutboundStore
	TransferStore
	ProductStore
	TokenStore
	BrandStore
	CardStore
	SessionStore
	ReportStore
	CardOpener
}

// Clock tells the time; tests inject a fake one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Service is the domain's front door for staff: every read and write checks
// the acting principal in the context, so the rules hold whichever adapter
// (JSON API, console, command line) calls.
type Service struct {
	store          Store
	clock          Clock
	afterReply     func()                                // wakes the sender; see SetReplyNotifier
	transferNotice func(lang, advisorName string) string // see SetTransferNotice
	tokenUses      tokenUses                             // see Authenticate
	afterEvents    func()                                // wakes the outbox relay; see SetEventNotifier
	cards          *CardSettings                         // see SetCards; nil refuses cards
}

// NewService returns a Service over store.
func NewService(store Store, clock Clock) *Service {
	if clock == nil {
		clock = SystemClock{}
	}
	return &Service{store: store, clock: clock}
}

// Require returns EUNAUTHORIZED without a principal in ctx and EFORBIDDEN
// when the principal's role is not among roles. For operations outside the
// Service (a backup) that still need the rule.
func Require(ctx context.Context, roles ...string) error { return require(ctx, roles...) }

// require returns EUNAUTHORIZED without a principal and EFORBIDDEN when the
// principal's role is not among roles.
func require(ctx context.Context, roles ...string) error {
	p := PrincipalFrom(ctx)
	if p == nil {
		return Errorf(EUNAUTHORIZED, "authentication required")
	}
	for _, r := range roles {
		if p.Role == r {
			return nil
		}
	}
	return Errorf(EFORBIDDEN, "the %s role may not do this", p.Role)
}

// CreateBoutique adds a boutique. Admin only; an admin limited to a brand
// adds boutiques of that brand (one given none is given it), and another
// brand's is EFORBIDDEN.
func (s *Service) CreateBoutique(ctx context.Context, b *Boutique) error {
	if err := require(ctx, RoleAdmin); err != nil {
		return err
	}
	if p := PrincipalFrom(ctx); p.Brand != "" {
		if b.Brand == "" {
			b.Brand = p.Brand
		}
		if b.Brand != p.Brand {
			return outsideBrand(p.Brand, "brand", "may only create boutiques of brand %s", p.Brand)
		}
	}
	if err := Validate(b); err != nil {
		return err
	}
	return s.store.CreateBoutique(ctx, b)
}

// Boutiques lists the boutiques. Everyone signed in may see them, but a
// principal limited to a brand sees only that brand's.
func (s *Service) Boutiques(ctx context.Context) ([]*Boutique, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	bs, err := s.store.Boutiques(ctx)
	if err != nil {
		return nil, err
	}
	if p := PrincipalFrom(ctx); p.Brand != "" {
		return slices.DeleteFunc(bs, func(b *Boutique) bool { return b.Brand != p.Brand }), nil
	}
	return bs, nil
}

// CreateAssociates adds associates, all or none. Admin only; an admin
// limited to a brand adds associates to its brand's boutiques only
// (EFORBIDDEN, field "boutique", for any other, existing or not).
func (s *Service) CreateAssociates(ctx context.Context, as ...*Associate) error {
	if err := require(ctx, RoleAdmin); err != nil {
		return err
	}
	for _, a := range as {
		a.Normalize()
		if err := Validate(a); err != nil {
			return err
		}
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		if !sc.hasAssociate(a) {
			return outsideBrand(sc.brand, "boutique", "may only add associates to boutiques of brand %s", sc.brand)
		}
	}
	return s.store.CreateAssociates(ctx, as)
}

// Associates lists associates: an associate or manager sees their boutique's,
// the CRM team and admins every boutique's (of their brand, if limited).
func (s *Service) Associates(ctx context.Context, f AssociateFilter) ([]*Associate, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	if p := PrincipalFrom(ctx); p.Role == RoleAssociate || p.Role == RoleManager {
		if f.Boutique != "" && f.Boutique != p.Boutique {
			return nil, nil
		}
		f.Boutique = p.Boutique
	}
	as, err := s.store.FindAssociates(ctx, f)
	if err != nil {
		return nil, err
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(as, func(a *Associate) bool { return !sc.hasAssociate(a) }), nil
}

// PutProducts creates or replaces catalog products, all or none. Admin and
// CRM team, group-wide: prices are the brand's, never an associate's, and
// the catalog is shared by every brand, so a token limited to one may not
// change it (EFORBIDDEN). Stock may name only boutiques that exist
// (ENOTFOUND, field stock): a card is refused when no boutique has the
// piece, and a misspelt one would hide that.
func (s *Service) PutProducts(ctx context.Context, ps ...*Product) error {
	if err := require(ctx, RoleCRM, RoleAdmin); err != nil {
		return err
	}
	if p := PrincipalFrom(ctx); p.Brand != "" {
		return outsideBrand(p.Brand, "", "may not change the catalog, which every brand shares")
	}
	for _, p := range ps {
		if err := Validate(p); err != nil {
			return err
		}
	}
	if err := s.checkStockBoutiques(ctx, ps); err != nil {
		return err
	}
	return s.store.PutProducts(ctx, ps)
}

func (s *Service) checkStockBoutiques(ctx context.Context, ps []*Product) error {
	var known map[BoutiqueID]bool
	for _, p := range ps {
		for _, id := range slices.Sorted(maps.Keys(p.Stock)) {
			if known == nil {
				bs, err := s.store.Boutiques(ctx)
				if err != nil {
					return err
				}
				known = make(map[BoutiqueID]bool, len(bs))
				for _, b := range bs {
					known[b.ID] = true
				}
			}
			if !known[id] {
				return &Error{Code: ENOTFOUND, Field: "stock", Message: "no boutique " + string(id) + " (sku " + string(p.SKU) + ")"}
			}
		}
	}
	return nil
}

// FindProducts searches the catalog. Everyone signed in may; a principal
// limited to a brand sees stock only in that brand's boutiques.
func (s *Service) FindProducts(ctx context.Context, f ProductFilter) ([]*Product, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	ps, err := s.store.FindProducts(ctx, f)
	if err != nil {
		return nil, err
	}
	sc, err := s.scope(ctx)
	if err != nil || sc == nil {
		return ps, err
	}
	for _, p := range ps {
		if p.Stock == nil {
			continue
		}
		stock := make(map[BoutiqueID]int, len(p.Stock))
		for b, n := range p.Stock {
			if sc.hasBoutique(b) {
				stock[b] = n
			}
		}
		p.Stock = stock
	}
	return ps, nil
}

// CanSee reports whether p may see customer c: an associate their own
// clients, a manager their boutique's, the CRM team and admins everyone.
func CanSee(p *Principal, c *Customer) bool {
	if p == nil {
		return false
	}
	switch p.Role {
	case RoleAdmin, RoleCRM:
		return true
	case RoleManager:
		return c.Boutique != "" && c.Boutique == p.Boutique
	case RoleAssociate:
		return c.Advisor != "" && string(c.Advisor) == p.Subject
	}
	return false
}

// visible returns c as p may see it (masked for the CRM team), or ENOTFOUND,
// so that a client outside one's book is indistinguishable from no client.
func visible(p *Principal, c *Customer) (*Customer, error) {
	if !CanSee(p, c) {
		return nil, Errorf(ENOTFOUND, "customer not found")
	}
	if p.Role == RoleCRM {
		return c.Masked(), nil
	}
	return c, nil
}

// FindCustomerByID returns a customer the principal may see (masked for
// the CRM team).
func (s *Service) FindCustomerByID(ctx context.Context, id CustomerID) (*Customer, error) {
	c, err := s.findReadable(ctx, id)
	if err != nil {
		return nil, err
	}
	if forCRM(ctx) {
		return c.Masked(), nil
	}
	return c, nil
}

// findReadable returns the customer as stored if the principal may see
// them or serves their conversation, else ENOTFOUND: for reads that shape
// their answer for the principal from what is recorded of the client.
func (s *Service) findReadable(ctx context.Context, id CustomerID) (*Customer, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	c, err := s.store.FindCustomerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !CanSee(PrincipalFrom(ctx), c) && !s.serves(ctx, c) {
		return nil, Errorf(ENOTFOUND, "customer not found")
	}
	if err := s.inScope(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// visibleOrServed is visible for the acting principal, widened to the
// client whose conversation an associate is covering (see serves).
func (s *Service) visibleOrServed(ctx context.Context, c *Customer) (*Customer, error) {
	v, err := visible(PrincipalFrom(ctx), c)
	if err != nil && s.serves(ctx, c) {
		return c, nil
	}
	return v, err
}

// FindCustomerByIdentity looks a customer up by channel identity. The CRM
// team, who must not know who a client is, may not (EFORBIDDEN).
func (s *Service) FindCustomerByIdentity(ctx context.Context, id Identity) (*Customer, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	if err := refuseCRM(ctx, "look a client up by channel identity"); err != nil {
		return nil, err
	}
	if err := Validate(&id); err != nil {
		return nil, err
	}
	c, err := s.store.FindCustomerByIdentity(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.inScope(ctx, c); err != nil {
		return nil, err
	}
	return s.visibleOrServed(ctx, c)
}

// FindCustomers lists the customers the principal may see.
func (s *Service) FindCustomers(ctx context.Context, f CustomerFilter) ([]*Customer, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	p := PrincipalFrom(ctx)
	switch p.Role {
	case RoleAssociate:
		me := AssociateID(p.Subject)
		f.Advisor = &me
	case RoleManager:
		f.Boutique = &p.Boutique
	}
	sc, err := s.scope(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Customer
	// A brand's clients are not indexed as such: read pages until the
	// limit is met by clients in scope, so that paging by the last id
	// still walks the whole book.
	for {
		cs, err := s.store.FindCustomers(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if ok, err := s.owns(ctx, sc, c); err != nil {
				return nil, err
			} else if !ok {
				continue
			}
			if v, err := visible(p, c); err == nil {
				out = append(out, v)
			}
		}
		if f.Limit == 0 || len(cs) < f.Limit || len(out) >= f.Limit {
			break
		}
		f.After = cs[len(cs)-1].ID
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// ImportCustomers creates customers, all or none. Admin, group-wide (the
// command line imports; an import names boutiques of any brand). A customer
// whose advisor or boutique does not exist is refused (ENOTFOUND naming the
// field): nothing could later reach or correct such a link.
func (s *Service) ImportCustomers(ctx context.Context, cs ...*Customer) error {
	if err := RequireGroupWide(ctx, "import clients", RoleAdmin); err != nil {
		return err
	}
	for _, c := range cs {
		c.Normalize()
		if err := Validate(c); err != nil {
			return err
		}
	}
	if err := s.checkLinks(ctx, cs); err != nil {
		return err
	}
	return s.store.CreateCustomers(ctx, cs)
}

// checkLinks finds the advisors and boutiques customers name, each once.
// Neither is ever deleted, so what exists now still exists at the write.
func (s *Service) checkLinks(ctx context.Context, cs []*Customer) error {
	advisors, boutiques := map[AssociateID]bool{}, map[BoutiqueID]bool{}
	for _, c := range cs {
		if id := c.Advisor; id != "" && !advisors[id] {
			if _, err := s.store.FindAssociate(ctx, id); ErrorCode(err) == ENOTFOUND {
				return &Error{Code: ENOTFOUND, Field: "advisor", Message: "no such associate"}
			} else if err != nil {
				return err
			}
			advisors[id] = true
		}
		if id := c.Boutique; id != "" && !boutiques[id] {
			if _, err := s.store.FindBoutique(ctx, id); ErrorCode(err) == ENOTFOUND {
				return &Error{Code: ENOTFOUND, Field: "boutique", Message: "no such boutique"}
			} else if err != nil {
				return err
			}
			boutiques[id] = true
		}
	}
	return nil
}

// Messages returns a page of the history of a customer the principal may
// see, newest first, and the cursor of the next page. The CRM team reads
// it redacted (see Message.Redacted).
func (s *Service) Messages(ctx context.Context, id CustomerID, p MessagePage) ([]*Message, string, error) {
	c, err := s.findReadable(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if p.Limit < 0 || p.Limit > MaxPageSize {
		return nil, "", FieldError("limit", "must be between 1 and %d", MaxPageSize)
	}
	if p.Limit == 0 {
		p.Limit = DefaultPageSize
	}
	ms, next, err := s.store.Messages(ctx, id, p)
	if err != nil {
		return nil, "", err
	}
	return messagesFor(ctx, c, ms), next, nil
}
