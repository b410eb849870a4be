package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/demo"
)

// requireShifts fails early, by name, if the domain refuses a well-formed
// shift, rather than as a puzzling failure of the data.
func requireShifts(t *testing.T) {
	t.Helper()
	if err := clienteling.Validate(&clienteling.Shift{Day: "mon", Open: "10:00", Close: "22:00"}); err != nil {
		t.Fatalf("clienteling.Validate refuses the shift mon 10:00-22:00: %v", err)
	}
}

func TestSeed(t *testing.T) {
	t.Parallel()
	requireShifts(t)
	db := clientelingtest.MustOpenDB(t)
	svc := clienteling.NewService(db, nil)
	ctx := context.Background()
	now := time.Date(2026, 5, 20, 9, 30, 0, 0, time.UTC)

	empty, err := demo.IsEmpty(ctx, svc)
	if err != nil || !empty {
		t.Fatalf("IsEmpty on a new database = %v, %v; want true", empty, err)
	}
	if err := demo.Seed(ctx, svc, db, now); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if empty, err := demo.IsEmpty(ctx, svc); err != nil || empty {
		t.Fatalf("IsEmpty after Seed = %v, %v; want false", empty, err)
	}
	checkSeeded(t, svc, now)

	t.Run("OKAgain", func(t *testing.T) {
		admin := clienteling.WithPrincipal(ctx, clienteling.System())
		edited := demo.Brand()
		edited.Accent = "#000000"
		if _, err := svc.PutBrand(admin, edited); err != nil {
			t.Fatal(err)
		}
		if err := demo.Seed(ctx, svc, db, now.Add(time.Hour)); err != nil {
			t.Fatalf("second Seed: %v", err)
		}
		checkSeeded(t, svc, now)
		if b, err := svc.Brand(admin, demo.BrandID); err != nil || b.Accent != "#000000" {
			t.Errorf("brand after a second seed: %+v, %v; want the operator's accent kept", b, err)
		}
	})
}

// checkSeeded checks the demo through the Service, as the console would see it.
func checkSeeded(t *testing.T, svc *clienteling.Service, now time.Time) {
	t.Helper()
	ctx := clienteling.WithPrincipal(context.Background(), clienteling.System())

	brand, err := svc.Brand(ctx, demo.BrandID)
	if err != nil || brand.Name != demo.BrandName || brand.DefaultCurrency != "CNY" || brand.LogoURL == "" || len(brand.Accent) != 7 {
		t.Fatalf("brand: %+v, %v", brand, err)
	}

	bs, err := svc.Boutiques(ctx)
	if err != nil || len(bs) != 2 {
		t.Fatalf("boutiques: got %d, %v; want 2", len(bs), err)
	}
	for _, b := range bs {
		if b.Timezone != "Asia/Shanghai" || b.Brand != demo.BrandID || len(b.Hours) != 7 {
			t.Errorf("boutique %s: %+v", b.ID, b)
		}
	}

	as, err := svc.Associates(ctx, clienteling.AssociateFilter{})
	if err != nil || len(as) != 4 {
		t.Fatalf("associates: got %d, %v; want 4", len(as), err)
	}
	staff := map[clienteling.AssociateID]*clienteling.Associate{}
	managers := map[clienteling.BoutiqueID]int{}
	perBoutique := map[clienteling.BoutiqueID]int{}
	for _, a := range as {
		staff[a.UserID] = a
		perBoutique[a.Boutique]++
		if a.Role == clienteling.StaffManager {
			managers[a.Boutique]++
		}
		if len(a.Hours) == 0 || a.Status != clienteling.StatusActive {
			t.Errorf("associate %s: %+v", a.UserID, a)
		}
	}
	for _, b := range []clienteling.BoutiqueID{demo.Shanghai, demo.Beijing} {
		if perBoutique[b] != 2 || managers[b] != 1 {
			t.Errorf("boutique %s: %d associates, %d managers; want 2 and 1", b, perBoutique[b], managers[b])
		}
	}

	checkCatalog(t, ctx, svc)
	checkClients(t, ctx, svc, staff, now)
}

// Price ranges in CNY that a luxury maison's Chinese boutiques would show.
var priceRange = map[string][2]int64{
	"bags":          {20_000, 60_000},
	"shoes":         {5_000, 15_000},
	"ready-to-wear": {8_000, 80_000},
	"jewellery":     {15_000, 1_500_000},
	"watches":       {30_000, 1_500_000},
}

func checkCatalog(t *testing.T, ctx context.Context, svc *clienteling.Service) {
	t.Helper()
	ps, err := svc.FindProducts(ctx, clienteling.ProductFilter{})
	if err != nil || len(ps) != 30 {
		t.Fatalf("products: got %d, %v; want 30", len(ps), err)
	}
	perCategory := map[string]int{}
	gated := 0
	for _, p := range ps {
		perCategory[p.Category]++
		for _, lang := range []string{"zh-CN", "en"} {
			if p.Title[lang] == "" || p.Description[lang] == "" {
				t.Errorf("%s: no %s title or description", p.SKU, lang)
			}
		}
		r, ok := priceRange[p.Category]
		if yuan := p.Price.Amount / 100; !ok || p.Price.Currency != "CNY" || yuan < r[0] || yuan > r[1] {
			t.Errorf("%s: %s at %d %s is out of range", p.SKU, p.Category, p.Price.Amount, p.Price.Currency)
		}
		if len(p.Images) == 0 || !strings.HasPrefix(p.Images[0], "https://images.example.com/") {
			t.Errorf("%s: images %v", p.SKU, p.Images)
		}
		if len(p.Stock) != 2 {
			t.Errorf("%s: stock %v, want both boutiques", p.SKU, p.Stock)
		}
		if (p.Category == "shoes" || p.Category == "ready-to-wear") && len(p.Sizes) == 0 {
			t.Errorf("%s: no sizes", p.SKU)
		}
		if p.MinTier != "" {
			gated++
		}
	}
	for cat := range priceRange {
		if perCategory[cat] != 6 {
			t.Errorf("category %s: %d products, want 6", cat, perCategory[cat])
		}
	}
	if gated == 0 {
		t.Error("no product is reserved for a tier")
	}
}

func checkClients(t *testing.T, ctx context.Context, svc *clienteling.Service, staff map[clienteling.AssociateID]*clienteling.Associate, now time.Time) {
	t.Helper()
	cs, err := svc.FindCustomers(ctx, clienteling.CustomerFilter{})
	if err != nil || len(cs) != 5 {
		t.Fatalf("customers: got %d, %v; want 5", len(cs), err)
	}
	langs := map[string]int{}
	for _, c := range cs {
		langs[c.Language]++
		adv, ok := staff[c.Advisor]
		if !ok || adv.Boutique != c.Boutique {
			t.Errorf("%s: advisor %q of boutique %q", c.Name, c.Advisor, c.Boutique)
		}
		if c.Tier != clienteling.TierVIP && c.Tier != clienteling.TierTop {
			t.Errorf("%s: tier %q, want a VIP tier", c.Name, c.Tier)
		}
		p := c.Preferences
		if len(p.Sizes) == 0 || len(p.Colours) == 0 || len(p.Materials) == 0 || len(p.Categories) == 0 ||
			len(p.Dislikes) == 0 || len(p.Dates) == 0 {
			t.Errorf("%s: preferences %+v", c.Name, p)
		}
		if !c.Consent.Contact || !c.Consent.Profiling || c.UnionID == "" ||
			len(c.Identities) != 1 || !strings.HasPrefix(c.Identities[0].ExternalID, "oDEMO") {
			t.Errorf("%s: consent %+v, identities %v, unionid %q", c.Name, c.Consent, c.Identities, c.UnionID)
		}
		if !c.CreatedAt.Before(now) {
			t.Errorf("%s: created at %v, after now", c.Name, c.CreatedAt)
		}
		ms, _, err := svc.Messages(ctx, c.ID, clienteling.MessagePage{Limit: clienteling.MaxPageSize})
		if err != nil || len(ms) < 5 || len(ms) > 10 {
			t.Fatalf("%s: %d messages, %v; want 5 to 10", c.Name, len(ms), err)
		}
		dirs := map[string]bool{}
		for i, m := range ms {
			dirs[m.Direction] = true
			if !m.At.Before(now) || m.At.Before(now.AddDate(0, 0, -45)) || m.At.Before(c.CreatedAt) {
				t.Errorf("%s: message at %v, want within the weeks before %v", c.Name, m.At, now)
			}
			if i > 0 && m.At.After(ms[i-1].At) {
				t.Errorf("%s: history not newest first at %d", c.Name, i)
			}
			if m.Author == clienteling.AuthorAssociate && m.Associate != c.Advisor {
				t.Errorf("%s: reply by %q, want the advisor %q", c.Name, m.Associate, c.Advisor)
			}
		}
		if !dirs[clienteling.DirectionIn] || !dirs[clienteling.DirectionOut] {
			t.Errorf("%s: messages one way only", c.Name)
		}
	}
	if langs["zh-CN"] == 0 || langs["en"] == 0 {
		t.Errorf("languages %v, want zh-CN and en", langs)
	}

	// An associate sees their own book and nobody else's.
	amy := clienteling.WithPrincipal(context.Background(),
		&clienteling.Principal{Subject: "amy", Role: clienteling.RoleAssociate, Boutique: demo.Shanghai})
	mine, err := svc.FindCustomers(amy, clienteling.CustomerFilter{})
	if err != nil || len(mine) != 2 {
		t.Errorf("amy's clients: got %d, %v; want 2", len(mine), err)
	}
}

func TestData(t *testing.T) {
	t.Parallel()
	t.Run("OKCatalog", func(t *testing.T) {
		if ps, err := demo.Catalog(); err != nil || len(ps) != 30 {
			t.Fatalf("got %d products, %v", len(ps), err)
		}
	})
	t.Run("OKCustomers", func(t *testing.T) {
		if cs, err := demo.Customers(); err != nil || len(cs) != 5 {
			t.Fatalf("got %d customers, %v", len(cs), err)
		}
	})
	t.Run("OKAssociates", func(t *testing.T) {
		requireShifts(t)
		as, err := demo.Associates()
		if err != nil || len(as) != 4 {
			t.Fatalf("got %d associates, %v", len(as), err)
		}
		for _, a := range as {
			if strings.ContainsAny(string(a.UserID), ".*> ") {
				t.Errorf("userid %q would break a NATS subject", a.UserID)
			}
		}
	})
	t.Run("OKBoutiques", func(t *testing.T) {
		requireShifts(t)
		for _, b := range demo.Boutiques() {
			if err := clienteling.Validate(b); err != nil {
				t.Errorf("%s: %v", b.ID, err)
			}
		}
	})
}
