package clienteling

import (
	"context"
	"time"
)

// Brand is a house Salon serves, and the look of the pages its clients
// open: most deployments have one. Its boutiques name it (Boutique.Brand).
type Brand struct {
	ID   BrandID `json:"id" validate:"required,slug"`
	Name string  `json:"name" validate:"required,max=200"`
	// LogoURL is shown at the top of the brand's pages.
	LogoURL string `json:"logo_url,omitempty" validate:"omitempty,max=1000,http_url"`
	// Accent is the colour of buttons and rules, as #RRGGBB.
	Accent string `json:"accent,omitempty" validate:"omitempty,len=7,hexcolor"`
	// DefaultCurrency is the currency the brand sells in unless a product
	// says otherwise, ISO 4217.
	DefaultCurrency string    `json:"default_currency" validate:"required,currency,iso4217"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`
}

// BrandStore keeps brands' settings.
type BrandStore interface {
	// PutBrand creates or replaces b; created tells which.
	PutBrand(ctx context.Context, b *Brand) (created bool, err error)
	// FindBrand returns the brand or ENOTFOUND.
	FindBrand(ctx context.Context, id BrandID) (*Brand, error)
}

// PutBrand creates or replaces a brand's settings. Admin only: they are
// what every client of the brand sees. A brand-limited admin changes only
// its own brand's.
func (s *Service) PutBrand(ctx context.Context, b *Brand) (created bool, err error) {
	if err := require(ctx, RoleAdmin); err != nil {
		return false, err
	}
	if err := Validate(b); err != nil {
		return false, err
	}
	if p := PrincipalFrom(ctx); p.Brand != "" && p.Brand != b.ID {
		return false, outsideBrand(p.Brand, "id", "may not change another brand's settings")
	}
	b.UpdatedAt = s.clock.Now().UTC()
	return s.store.PutBrand(ctx, b)
}

// Brand returns a brand's settings. Everyone signed in may read them, but
// a brand-limited token sees only its own brand.
func (s *Service) Brand(ctx context.Context, id BrandID) (*Brand, error) {
	if err := require(ctx, RoleAssociate, RoleManager, RoleCRM, RoleAdmin); err != nil {
		return nil, err
	}
	if p := PrincipalFrom(ctx); p.Brand != "" && p.Brand != id {
		return nil, Errorf(ENOTFOUND, "brand not found")
	}
	return s.store.FindBrand(ctx, id)
}
