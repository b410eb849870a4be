package demo

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/importer"
)

// The demo maison.
const (
	BrandID   clienteling.BrandID = "maison-lumiere"
	BrandName                     = "Maison Lumière"
)

// Brand returns the demo maison's settings: the look of its pages.
func Brand() *clienteling.Brand {
	return &clienteling.Brand{ID: BrandID, Name: BrandName, LogoURL: "https://images.example.com/maison-lumiere/logo.png",
		Accent: "#8C6D46", DefaultCurrency: "CNY"}
}

// The demo boutiques.
const (
	Shanghai clienteling.BoutiqueID = "sh-plaza66"
	Beijing  clienteling.BoutiqueID = "bj-skp"
)

//go:embed data/catalog.json data/associates.json data/customers.json data/history.json
var data embed.FS

// HistoryWriter stores many messages at once; store.DB is one. Messages
// carrying a DedupeKey it has seen before must be skipped, which is what
// makes Seed safe to repeat.
type HistoryWriter interface {
	AppendMessages(ctx context.Context, ms []*clienteling.Message) error
}

// Boutiques returns the demo boutiques, open 10:00 to 22:00 every day, as
// the malls they are in are.
func Boutiques() []*clienteling.Boutique {
	hours := daily("10:00", "22:00")
	return []*clienteling.Boutique{
		{ID: Shanghai, Brand: BrandID, Name: "Plaza 66", City: "Shanghai", Timezone: "Asia/Shanghai", Hours: hours},
		{ID: Beijing, Brand: BrandID, Name: "SKP", City: "Beijing", Timezone: "Asia/Shanghai", Hours: hours},
	}
}

func daily(open, close string) clienteling.Weekly {
	var w clienteling.Weekly
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		w = append(w, clienteling.Shift{Day: d, Open: open, Close: close})
	}
	return w
}

// Catalog returns the demo products, read from their embedded import file.
func Catalog() ([]*clienteling.Product, error) {
	return parse("data/catalog.json", importer.Catalog)
}

// Associates returns the demo associates: two per boutique, one of them its
// manager, each with working hours.
func Associates() ([]*clienteling.Associate, error) {
	return parse("data/associates.json", func(r io.Reader, f importer.Format) ([]*clienteling.Associate, error) {
		return importer.Associates(context.Background(), r, f, importer.List(Boutiques(), nil))
	})
}

// Customers returns the demo clients, without ids or times: Seed gives them.
// Their advisors and boutiques are the demo's own.
func Customers() ([]*clienteling.Customer, error) {
	as, err := Associates()
	if err != nil {
		return nil, err
	}
	return parse("data/customers.json", func(r io.Reader, f importer.Format) ([]*clienteling.Customer, error) {
		return importer.Customers(context.Background(), r, f, importer.List(Boutiques(), as))
	})
}

func parse[T any](name string, read func(io.Reader, importer.Format) ([]*T, error)) ([]*T, error) {
	raw, err := data.ReadFile(name)
	if err != nil {
		return nil, clienteling.Internal("read demo "+name, err)
	}
	vs, err := read(bytes.NewReader(raw), importer.JSON)
	if err != nil {
		// A bug of this package, not of the caller's input.
		return nil, clienteling.Internal("parse demo "+name, err)
	}
	return vs, nil
}

// IsEmpty reports whether the database behind svc holds no boutique,
// associate, product or customer: a fresh data dir, which is where sandbox
// mode seeds the demo. Tokens and settings do not count.
func IsEmpty(ctx context.Context, svc *clienteling.Service) (bool, error) {
	ctx = clienteling.WithPrincipal(ctx, clienteling.System())
	if bs, err := svc.Boutiques(ctx); err != nil || len(bs) > 0 {
		return false, err
	}
	if as, err := svc.Associates(ctx, clienteling.AssociateFilter{}); err != nil || len(as) > 0 {
		return false, err
	}
	if ps, err := svc.FindProducts(ctx, clienteling.ProductFilter{Limit: 1}); err != nil || len(ps) > 0 {
		return false, err
	}
	cs, err := svc.FindCustomers(ctx, clienteling.CustomerFilter{Limit: 1})
	return err == nil && len(cs) == 0, err
}

// Seed writes the demo maison through svc as the system principal, and each
// client's conversation through history, dated relative to now. It is meant
// for an empty database (see IsEmpty); it is also idempotent, adding only the
// parts of the demo that are missing, so a seed interrupted half-way can be
// run again. A nil history skips the conversations.
func Seed(ctx context.Context, svc *clienteling.Service, history HistoryWriter, now time.Time) error {
	ctx = clienteling.WithPrincipal(ctx, clienteling.System())
	if err := seedBrand(ctx, svc); err != nil {
		return err
	}
	if err := seedBoutiques(ctx, svc); err != nil {
		return err
	}
	if err := seedAssociates(ctx, svc); err != nil {
		return err
	}
	if err := seedCatalog(ctx, svc); err != nil {
		return err
	}
	ids, err := seedCustomers(ctx, svc, now)
	if err != nil {
		return err
	}
	if history == nil {
		return nil
	}
	ms, err := conversations(ids, now)
	if err != nil {
		return err
	}
	if err := history.AppendMessages(ctx, ms); err != nil {
		return fmt.Errorf("seed demo conversations: %w", err)
	}
	return nil
}

// seedBrand adds the maison's settings unless it has some: an operator may
// have changed its look.
func seedBrand(ctx context.Context, svc *clienteling.Service) error {
	_, err := svc.Brand(ctx, BrandID)
	if clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		return err
	}
	if _, err := svc.PutBrand(ctx, Brand()); err != nil {
		return fmt.Errorf("seed demo brand: %w", err)
	}
	return nil
}

func seedBoutiques(ctx context.Context, svc *clienteling.Service) error {
	have, err := svc.Boutiques(ctx)
	if err != nil {
		return err
	}
	known := map[clienteling.BoutiqueID]bool{}
	for _, b := range have {
		known[b.ID] = true
	}
	for _, b := range Boutiques() {
		if known[b.ID] {
			continue
		}
		if err := svc.CreateBoutique(ctx, b); err != nil {
			return fmt.Errorf("seed demo boutique %s: %w", b.ID, err)
		}
	}
	return nil
}

func seedAssociates(ctx context.Context, svc *clienteling.Service) error {
	want, err := Associates()
	if err != nil {
		return err
	}
	have, err := svc.Associates(ctx, clienteling.AssociateFilter{})
	if err != nil {
		return err
	}
	known := map[clienteling.AssociateID]bool{}
	for _, a := range have {
		known[a.UserID] = true
	}
	var missing []*clienteling.Associate
	for _, a := range want {
		if !known[a.UserID] {
			missing = append(missing, a)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := svc.CreateAssociates(ctx, missing...); err != nil {
		return fmt.Errorf("seed demo associates: %w", err)
	}
	return nil
}

// seedCatalog adds the products that are missing and leaves the others
// alone: PutProducts replaces, and an operator may have edited a demo product.
func seedCatalog(ctx context.Context, svc *clienteling.Service) error {
	want, err := Catalog()
	if err != nil {
		return err
	}
	have, err := svc.FindProducts(ctx, clienteling.ProductFilter{})
	if err != nil {
		return err
	}
	known := map[clienteling.SKU]bool{}
	for _, p := range have {
		known[p.SKU] = true
	}
	var missing []*clienteling.Product
	for _, p := range want {
		if !known[p.SKU] {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := svc.PutProducts(ctx, missing...); err != nil {
		return fmt.Errorf("seed demo catalog: %w", err)
	}
	return nil
}

// seedCustomers creates the clients that are missing and returns every demo
// client as stored, by the external id of their first identity.
func seedCustomers(ctx context.Context, svc *clienteling.Service, now time.Time) (map[string]*clienteling.Customer, error) {
	want, err := Customers()
	if err != nil {
		return nil, err
	}
	var missing []*clienteling.Customer
	for i, c := range want {
		_, err := svc.FindCustomerByIdentity(ctx, c.Identities[0])
		if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
			stamp(c, now, i)
			missing = append(missing, c)
		} else if err != nil {
			return nil, err
		}
	}
	if len(missing) > 0 {
		if err := svc.ImportCustomers(ctx, missing...); err != nil {
			return nil, fmt.Errorf("seed demo customers: %w", err)
		}
	}
	byOpenID := make(map[string]*clienteling.Customer, len(want))
	for _, c := range want {
		stored, err := svc.FindCustomerByIdentity(ctx, c.Identities[0])
		if err != nil {
			return nil, err
		}
		byOpenID[c.Identities[0].ExternalID] = stored
	}
	return byOpenID, nil
}

// stamp dates a client's record before their conversation begins: clients
// for some months, their consent given when they joined, their preferences
// noted soon after. Each client of the file joined a little before the next.
func stamp(c *clienteling.Customer, now time.Time, order int) {
	joined := now.AddDate(0, -(14 - 2*order), 0).UTC()
	noted := joined.AddDate(0, 0, 14)
	c.CreatedAt = joined
	if c.Consent.UpdatedAt.IsZero() {
		c.Consent.UpdatedAt = joined
	}
	p := &c.Preferences
	for i := range p.Sizes {
		p.Sizes[i].At = orNow(p.Sizes[i].At, noted)
	}
	for _, list := range [][]clienteling.Preference{p.Colours, p.Materials, p.Categories, p.Dislikes, p.Notes} {
		for i := range list {
			list[i].At = orNow(list[i].At, noted)
		}
	}
	for i := range p.Dates {
		p.Dates[i].At = orNow(p.Dates[i].At, noted)
	}
}

func orNow(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t
}
