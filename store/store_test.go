package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

var ctx = context.Background()

func seedStaff(t testing.TB, db *store.DB) {
	t.Helper()
	if err := db.CreateBoutique(ctx, &clienteling.Boutique{ID: "sh-plaza66", Name: "Plaza 66", City: "Shanghai", Timezone: "Asia/Shanghai",
		Hours: clienteling.Weekly{{Day: "mon", Open: "10:00", Close: "22:00"}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateBoutique(ctx, &clienteling.Boutique{ID: "bj-skp", Name: "SKP", City: "Beijing", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	err := db.CreateAssociates(ctx, []*clienteling.Associate{
		{UserID: "amy", Name: "Amy Li", Boutique: "sh-plaza66", Role: "associate", Status: "active"},
		{UserID: "ben", Name: "Ben Wu", Boutique: "bj-skp", Role: "manager", Status: "active"},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func newCustomer(openid string) *clienteling.Customer {
	return &clienteling.Customer{
		Identities: []clienteling.Identity{{Channel: clienteling.ChannelOA, ExternalID: openid}},
		Tier:       clienteling.TierVIP, Language: "zh-CN",
	}
}

func mustCreateCustomer(t testing.TB, db *store.DB, c *clienteling.Customer) *clienteling.Customer {
	t.Helper()
	if err := db.CreateCustomers(ctx, []*clienteling.Customer{c}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	seedStaff(t, db)
	at := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)

	t.Run("Boutique", func(t *testing.T) {
		got, err := db.FindBoutique(ctx, "sh-plaza66")
		if err != nil {
			t.Fatal(err)
		}
		want := &clienteling.Boutique{ID: "sh-plaza66", Name: "Plaza 66", City: "Shanghai", Timezone: "Asia/Shanghai",
			Hours: clienteling.Weekly{{Day: "mon", Open: "10:00", Close: "22:00"}}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})
	t.Run("Associate", func(t *testing.T) {
		got, err := db.FindAssociate(ctx, "ben")
		if err != nil {
			t.Fatal(err)
		}
		want := &clienteling.Associate{UserID: "ben", Name: "Ben Wu", Boutique: "bj-skp", Role: "manager", Status: "active"}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})
	t.Run("Customer", func(t *testing.T) {
		c := newCustomer("oOPENID1")
		c.Name, c.UnionID, c.Advisor, c.Boutique, c.Phone = "王女士", "uUNION1", "amy", "sh-plaza66", "+8613800000000"
		c.Tags = []string{"vip-event"}
		c.Consent = clienteling.Consent{Contact: true, Marketing: true, Source: "import", UpdatedAt: at}
		c.Preferences = clienteling.Preferences{
			Sizes:      []clienteling.SizePreference{{Category: "shoes", Size: "37", Source: "client", At: at}},
			Colours:    []clienteling.Preference{{Value: "burgundy", Source: "associate:amy", At: at}},
			Materials:  []clienteling.Preference{{Value: "calfskin"}},
			Categories: []clienteling.Preference{{Value: "bags"}},
			Dislikes:   []clienteling.Preference{{Value: "logos"}},
			Dates:      []clienteling.ImportantDate{{Kind: "birthday", Date: "05-20", Note: "flowers"}},
			Notes:      []clienteling.Preference{{Value: "prefers afternoon appointments"}},
		}
		mustCreateCustomer(t, db, c)
		for name, find := range map[string]func() (*clienteling.Customer, error){
			"ByID":       func() (*clienteling.Customer, error) { return db.FindCustomerByID(ctx, c.ID) },
			"ByIdentity": func() (*clienteling.Customer, error) { return db.FindCustomerByIdentity(ctx, c.Identities[0]) },
			"ByUnionID":  func() (*clienteling.Customer, error) { return db.FindCustomerByUnionID(ctx, "uUNION1") },
		} {
			got, err := find()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if !reflect.DeepEqual(got, c) {
				t.Fatalf("%s: got %+v, want %+v", name, got, c)
			}
		}
	})
	t.Run("Message", func(t *testing.T) {
		c := mustCreateCustomer(t, db, newCustomer("oOPENID2"))
		m := &clienteling.Message{Customer: c.ID, Direction: "out", Channel: "oa", Type: "card", Text: "Le sac", Media: "media-1",
			WeChatID: "123", Author: "associate", Associate: "amy", Card: "card1", Status: "failed", ErrorCode: 45015,
			ErrorReason: "outside window", At: at}
		if dup, err := db.AppendMessage(ctx, m); err != nil || dup {
			t.Fatalf("append: dup=%v err=%v", dup, err)
		}
		got, err := db.FindMessage(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("got %+v, want %+v", got, m)
		}
	})
	t.Run("Product", func(t *testing.T) {
		active := false
		p := &clienteling.Product{SKU: "BAG-001", Title: clienteling.Localized{"zh-CN": "手袋", "en": "Bag"},
			Description: clienteling.Localized{"en": "Calfskin"}, Category: "bags", Images: []string{"https://example.com/a.jpg"},
			Price: clienteling.Money{Amount: 2890000, Currency: "CNY"}, Sizes: []string{"S"},
			Stock: map[clienteling.BoutiqueID]int{"sh-plaza66": 2}, MinTier: "vip", Active: &active}
		if err := db.PutProducts(ctx, []*clienteling.Product{p}); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindProduct(ctx, "BAG-001")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("got %+v, want %+v", got, p)
		}
	})
	t.Run("Token", func(t *testing.T) {
		_, hash := clienteling.NewSecret()
		tok := &clienteling.Token{Subject: "amy", Role: "associate", CreatedAt: at}
		if err := db.CreateToken(ctx, hash, tok); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindToken(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tok) {
			t.Fatalf("got %+v, want %+v", got, tok)
		}
		if err := db.SetAdminTokenHash(ctx, hash); err != nil {
			t.Fatal(err)
		}
		if h, err := db.AdminTokenHash(ctx); err != nil || h != hash {
			t.Fatalf("admin hash: %x, %v", h, err)
		}
	})
}

func TestNotFoundAndConflict(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	seedStaff(t, db)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"ErrNotFound/Boutique", second(db.FindBoutique(ctx, "nope")), clienteling.ENOTFOUND},
		{"ErrNotFound/Customer", second(db.FindCustomerByID(ctx, clienteling.CustomerID(clienteling.NewID()))), clienteling.ENOTFOUND},
		{"ErrConflict/Boutique", db.CreateBoutique(ctx, &clienteling.Boutique{ID: "bj-skp", Name: "x", City: "x", Timezone: "UTC"}), clienteling.ECONFLICT},
		{"ErrNotFound/AssociateBoutique", db.CreateAssociates(ctx, []*clienteling.Associate{{UserID: "zoe", Name: "Zoe", Boutique: "nowhere", Role: "associate"}}), clienteling.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clienteling.ErrorCode(tt.err); got != tt.want {
				t.Fatalf("got %q (%v), want %q", got, tt.err, tt.want)
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }

// TestIndexesFollowUpdates changes every indexed field, merges identities
// and deletes customers; VerifyIndexes (run at cleanup by clientelingtest.MustOpenDB, and
// here after each step) rebuilds the indexes from the records and compares.
func TestIndexesFollowUpdates(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	seedStaff(t, db)
	a := mustCreateCustomer(t, db, newCustomer("oA"))
	b := mustCreateCustomer(t, db, newCustomer("oB"))
	steps := []struct {
		name string
		run  func() error
		want string
	}{
		{"OK/SetAdvisor", func() error {
			_, err := db.UpdateCustomer(ctx, a.ID, func(c *clienteling.Customer) error {
				c.Advisor, c.Boutique, c.UnionID = "amy", "sh-plaza66", "uA"
				return nil
			})
			return err
		}, ""},
		{"OK/MoveAdvisor", func() error {
			_, err := db.UpdateCustomer(ctx, a.ID, func(c *clienteling.Customer) error {
				c.Advisor, c.Boutique = "ben", "bj-skp"
				return nil
			})
			return err
		}, ""},
		{"OK/AddIdentity", func() error {
			_, err := db.UpdateCustomer(ctx, a.ID, func(c *clienteling.Customer) error {
				c.Identities = append(c.Identities, clienteling.Identity{Channel: "wecom", ExternalID: "wmA"})
				return nil
			})
			return err
		}, ""},
		{"ErrConflict/StealIdentity", func() error {
			_, err := db.UpdateCustomer(ctx, b.ID, func(c *clienteling.Customer) error {
				c.Identities = append(c.Identities, clienteling.Identity{Channel: "wecom", ExternalID: "wmA"})
				return nil
			})
			return err
		}, clienteling.ECONFLICT},
		{"ErrConflict/StealUnion", func() error {
			_, err := db.UpdateCustomer(ctx, b.ID, func(c *clienteling.Customer) error { c.UnionID = "uA"; return nil })
			return err
		}, clienteling.ECONFLICT},
		{"ErrInvalid/BadTier", func() error {
			_, err := db.UpdateCustomer(ctx, b.ID, func(c *clienteling.Customer) error { c.Tier = "gold"; return nil })
			return err
		}, clienteling.EINVALID},
		{"OK/DropUnionAndIdentity", func() error {
			_, err := db.UpdateCustomer(ctx, a.ID, func(c *clienteling.Customer) error {
				c.UnionID, c.Identities = "", c.Identities[1:]
				return nil
			})
			return err
		}, ""},
		{"OK/Delete", func() error {
			if _, err := db.AppendMessage(ctx, &clienteling.Message{Customer: a.ID, Direction: "in", Channel: "oa", Type: "text",
				Text: "hi", Author: "client", Status: "received"}); err != nil {
				return err
			}
			return db.DeleteCustomer(ctx, a.ID)
		}, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if got := clienteling.ErrorCode(s.run()); got != s.want {
				t.Fatalf("got code %q, want %q", got, s.want)
			}
			if err := db.VerifyIndexes(); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := db.FindCustomerByIdentity(ctx, clienteling.Identity{Channel: "wecom", ExternalID: "wmA"}); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("erased identity still found: %v", err)
	}
	mine := clienteling.AssociateID("ben")
	if cs, err := db.FindCustomers(ctx, clienteling.CustomerFilter{Advisor: &mine}); err != nil || len(cs) != 0 {
		t.Fatalf("erased customer still in ben's book: %v %v", cs, err)
	}
}

func TestSecondOpenIsRefused(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	_, err := store.Open(db.Path(), store.Options{LockTimeout: 50 * time.Millisecond})
	if got := clienteling.ErrorCode(err); got != clienteling.EINUSE {
		t.Fatalf("got %q (%v), want %q", got, err, clienteling.EINUSE)
	}
}

func TestFullDiskIsUnavailable(t *testing.T) {
	t.Parallel()
	db, err := store.Open(filepath.Join(t.TempDir(), "small.db"), store.Options{MaxSize: 1 << 20, InitialMmapSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	seedStaff(t, db)
	c := mustCreateCustomer(t, db, newCustomer("oFull"))
	big := string(make([]byte, 7000))
	for i := 0; i < 1000; i++ {
		_, err = db.AppendMessage(ctx, &clienteling.Message{Customer: c.ID, Direction: "in", Channel: "oa", Type: "text",
			Text: big, Author: "client", Status: "received"})
		if err != nil {
			break
		}
	}
	if got := clienteling.ErrorCode(err); got != clienteling.EUNAVAILABLE {
		t.Fatalf("got %q (%v), want %q once the file is full", got, err, clienteling.EUNAVAILABLE)
	}
	var de *clienteling.Error
	if !errors.As(err, &de) {
		t.Fatal("not a domain error")
	}
}
