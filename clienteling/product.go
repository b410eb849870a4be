package clienteling

import (
	"context"
	"strings"
)

// Money is an amount in the currency's minor unit (fen for CNY).
type Money struct {
	Amount   int64  `json:"amount" validate:"gt=0"`
	Currency string `json:"currency" validate:"required,currency,iso4217"`
}

// Localized is a text in several languages, keyed by language tag.
type Localized map[string]string

// In returns the text for lang, falling back to its base language, then to
// zh-CN, then en, then anything.
func (l Localized) In(lang string) string {
	if s, ok := l[lang]; ok {
		return s
	}
	base, _, _ := strings.Cut(lang, "-")
	for k, s := range l {
		if k == base || strings.HasPrefix(k, base+"-") {
			return s
		}
	}
	for _, k := range []string{"zh-CN", "en"} {
		if s, ok := l[k]; ok {
			return s
		}
	}
	for _, s := range l {
		return s
	}
	return ""
}

// Product is an item of the catalog.
type Product struct {
	SKU         SKU                `json:"sku" validate:"required,sku"`
	Title       Localized          `json:"title" validate:"required,min=1,max=10,dive,keys,lang,endkeys,required,max=200"`
	Description Localized          `json:"description,omitempty" validate:"max=10,dive,keys,lang,endkeys,max=4000"`
	Category    string             `json:"category,omitempty" validate:"omitempty,oneof=bags shoes ready-to-wear jewellery watches accessories leather-goods fragrance"`
	Images      []string           `json:"images,omitempty" validate:"max=20,dive,required,url,max=1000"`
	Price       Money              `json:"price"`
	Sizes       []string           `json:"sizes,omitempty" validate:"max=50,dive,required,max=20"`
	Stock       map[BoutiqueID]int `json:"stock,omitempty" validate:"max=200,dive,keys,slug,endkeys,gte=0"`
	MinTier     string             `json:"min_tier,omitempty" validate:"omitempty,oneof=vvip vip client"`
	Active      *bool              `json:"active,omitempty"`
}

// IsActive reports whether the product may be offered; new products are.
func (p *Product) IsActive() bool { return p.Active == nil || *p.Active }

// Matches reports whether every word of q occurs in the SKU, a title, or the
// category, ignoring case.
func (p *Product) Matches(q string) bool {
	if q == "" {
		return true
	}
	var hay strings.Builder
	hay.WriteString(strings.ToLower(string(p.SKU)))
	hay.WriteByte(' ')
	hay.WriteString(p.Category)
	for _, t := range p.Title {
		hay.WriteByte(' ')
		hay.WriteString(strings.ToLower(t))
	}
	h := hay.String()
	for _, w := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(h, w) {
			return false
		}
	}
	return true
}

// ProductFilter selects products.
type ProductFilter struct {
	Query string // words that must all match; empty matches all
	Limit int    // 0 means no limit
}

// ProductStore keeps the catalog.
type ProductStore interface {
	// PutProducts creates or replaces products in one transaction.
	PutProducts(ctx context.Context, ps []*Product) error
	// FindProduct returns the product or ENOTFOUND.
	FindProduct(ctx context.Context, sku SKU) (*Product, error)
	// FindProducts returns the products the filter selects, by SKU.
	FindProducts(ctx context.Context, f ProductFilter) ([]*Product, error)
}
