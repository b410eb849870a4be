package clientelingtest

import (
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/store"
)

// Maison is a house with two boutiques of one brand, on a real database:
//
//	sh-plaza66: amy (associate), sophie (associate), chenjing (manager)
//	bj-skp:     ben (associate), wei (manager)
//
// with one client for each of amy, sophie and ben, each of whom has
// written, so that each has a conversation and an open service window.
// amy and ben already have their QR codes. The brand "maison" has its
// settings, the catalog one product in stock (MaisonBag), and cards link
// to MaisonPublicURL. The clock stands at noon on a Monday in Shanghai,
// inside every boutique's hours.
type Maison struct {
	DB      *store.DB
	Service *clienteling.Service
	Clock   *Clock
	// Own is amy's client; Sophies is hidden from amy, Bens from amy and
	// from chenjing.
	Own, Sophies, Bens *clienteling.Customer
	// CardKey signs the maison's card links.
	CardKey clienteling.CardKey
}

// The maison's catalog and card links.
const (
	MaisonBag       clienteling.SKU = "MAISON-BAG-01"
	MaisonPublicURL                 = "https://salon.example"
)

// The principals of the four roles in the maison, as Authenticate makes
// them.
var (
	AsAssociate = &clienteling.Principal{Subject: "amy", Role: clienteling.RoleAssociate, Boutique: "sh-plaza66"}
	AsManager   = &clienteling.Principal{Subject: "chenjing", Role: clienteling.RoleManager, Boutique: "sh-plaza66"}
	AsCRM       = &clienteling.Principal{Subject: "crm-team", Role: clienteling.RoleCRM}
	AsAdmin     = &clienteling.Principal{Subject: "ops", Role: clienteling.RoleAdmin}
)

// Principals are the four roles, in the order associate, manager, CRM,
// admin.
func Principals() []*clienteling.Principal {
	return []*clienteling.Principal{AsAssociate, AsManager, AsCRM, AsAdmin}
}

// NewMaison builds the maison on a fresh database, checked at cleanup.
func NewMaison(tb testing.TB) *Maison {
	tb.Helper()
	ctx := clienteling.WithPrincipal(tb.Context(), clienteling.System())
	clock := NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	db := MustOpenDB(tb, store.Options{Now: clock.Now})
	m := &Maison{DB: db, Service: clienteling.NewService(db, clock), Clock: clock}
	var hours clienteling.Weekly
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		hours = append(hours, clienteling.Shift{Day: d, Open: "10:00", Close: "22:00"})
	}
	for _, b := range []*clienteling.Boutique{
		{ID: "sh-plaza66", Brand: "maison", Name: "Plaza 66", City: "Shanghai", Timezone: "Asia/Shanghai", Hours: hours},
		{ID: "bj-skp", Brand: "maison", Name: "SKP", City: "Beijing", Timezone: "Asia/Shanghai", Hours: hours},
	} {
		if err := m.Service.CreateBoutique(ctx, b); err != nil {
			tb.Fatal(err)
		}
	}
	if err := m.Service.CreateAssociates(ctx,
		&clienteling.Associate{UserID: "amy", Name: "Amy Li", Boutique: "sh-plaza66", Role: "associate"},
		&clienteling.Associate{UserID: "sophie", Name: "Sophie Wang", Boutique: "sh-plaza66", Role: "associate"},
		&clienteling.Associate{UserID: "chenjing", Name: "Chen Jing", Boutique: "sh-plaza66", Role: "manager"},
		&clienteling.Associate{UserID: "ben", Name: "Ben Zhao", Boutique: "bj-skp", Role: "associate"},
		&clienteling.Associate{UserID: "wei", Name: "Wei Sun", Boutique: "bj-skp", Role: "manager"},
	); err != nil {
		tb.Fatal(err)
	}
	if _, err := m.Service.PutBrand(ctx, &clienteling.Brand{ID: "maison", Name: "Maison", Accent: "#1A2B3C", DefaultCurrency: "CNY",
		LogoURL: "https://images.example.com/maison/logo.png"}); err != nil {
		tb.Fatal(err)
	}
	if err := m.Service.PutProducts(ctx, &clienteling.Product{SKU: MaisonBag, Title: clienteling.Localized{"zh-CN": "月光手袋", "en": "Moonlight bag"},
		Description: clienteling.Localized{"zh-CN": "小牛皮", "en": "Calfskin"}, Category: "bags",
		Images: []string{"https://images.example.com/maison/bag-1.jpg", "https://images.example.com/maison/bag-2.jpg"},
		Price:  clienteling.Money{Amount: 2850000, Currency: "CNY"}, Sizes: []string{"S", "M"},
		Stock: map[clienteling.BoutiqueID]int{"sh-plaza66": 2, "bj-skp": 0}}); err != nil {
		tb.Fatal(err)
	}
	key, err := db.CardKey(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	m.CardKey = key
	m.Service.SetCards(clienteling.CardSettings{Key: key, PublicURL: MaisonPublicURL})
	// Codes already made: the QR route answers without asking WeChat.
	for _, id := range []clienteling.AssociateID{"amy", "ben"} {
		if _, err := db.SetAssociateQRCode(ctx, id, "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket="+string(id)); err != nil {
			tb.Fatal(err)
		}
	}
	m.Own = m.client(tb, "amy", "sh-plaza66", "oOwnClientOpenID01", "Lin Xiaoyu", "+8613800000001")
	m.Sophies = m.client(tb, "sophie", "sh-plaza66", "oSophiesClientID02", "Qian Meiling", "+8613800000002")
	m.Bens = m.client(tb, "ben", "bj-skp", "oBensClientOpenID3", "Zhou Ruoxi", "+8613800000003")
	return m
}

// client imports a VIP client of advisor's who has written once.
func (m *Maison) client(tb testing.TB, advisor clienteling.AssociateID, boutique clienteling.BoutiqueID, openid, name, phone string) *clienteling.Customer {
	tb.Helper()
	ctx := clienteling.WithPrincipal(tb.Context(), clienteling.System())
	c := &clienteling.Customer{Name: name, Phone: phone, Advisor: advisor, Boutique: boutique, Tier: clienteling.TierVIP, Language: "zh-CN",
		Identities: []clienteling.Identity{{Channel: clienteling.ChannelOA, ExternalID: openid}},
		Consent:    clienteling.Consent{Contact: true, Profiling: true}}
	if err := m.Service.ImportCustomers(ctx, c); err != nil {
		tb.Fatal(err)
	}
	if _, err := m.DB.Receive(ctx, &clienteling.Inbound{Identity: c.Identities[0], DedupeKey: "oa:" + openid,
		Message: clienteling.Message{Type: clienteling.TypeText, Text: "hello, is the bag in?"}}, clienteling.AnnounceReceived); err != nil {
		tb.Fatal(err)
	}
	return c
}
