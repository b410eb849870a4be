package clienteling_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

func TestCardToken(t *testing.T) {
	t.Parallel()
	key := clienteling.NewCardKey()
	id := clienteling.NewCardID()
	token := key.Token(id)
	if got, err := key.VerifyCardToken(token); err != nil || got != id {
		t.Fatalf("VerifyCardToken(own token) = %q, %v; want %q", got, err, id)
	}
	other := clienteling.NewCardID()
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	sig := token[clienteling.IDLen+1:]
	for name, forged := range map[string]string{
		"Empty":          "",
		"IDOnly":         string(id),
		"OtherID":        string(other) + "." + sig,
		"IDChanged":      flip(token, 3),
		"SignatureFlip":  flip(token, len(token)-5),
		"LastCharFlip":   flip(token, len(token)-1),
		"Truncated":      token[:len(token)-1],
		"Longer":         token + "A",
		"OtherKey":       clienteling.NewCardKey().Token(id),
		"NoDot":          strings.Replace(token, ".", "_", 1),
		"LowercaseID":    strings.ToLower(string(id)) + "." + sig,
		"PaddedBase64":   string(id) + "." + sig[:len(sig)-2] + "==",
		"NotAnIDButSigd": "ZZZZZZZZZZZZZZZZZZZZZZZZZZ." + sig,
	} {
		t.Run(name, func(t *testing.T) {
			got, err := key.VerifyCardToken(forged)
			if clienteling.ErrorCode(err) != clienteling.ENOTFOUND || got != "" {
				t.Errorf("VerifyCardToken(%q) = %q, %v; want not_found", forged, got, err)
			}
		})
	}
	if got, err := clienteling.CardKey(nil).VerifyCardToken(token); err == nil {
		t.Errorf("an empty key verified %q", got)
	}
}

// Card ids are random through and through: the ids of cards sent in the
// same millisecond tell nothing of each other, as NewID's would.
func TestNewCardIDIsRandom(t *testing.T) {
	t.Parallel()
	a, b := clienteling.NewCardID(), clienteling.NewCardID()
	if !clienteling.ValidID(string(a)) || a == b {
		t.Fatalf("ids %q and %q", a, b)
	}
	if a[:10] == b[:10] {
		t.Errorf("ids %q and %q share their first 10 characters, as time-ordered ids do", a, b)
	}
}

func TestTierAdmits(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tier, min string
		want      bool
	}{
		{"client", "", true}, {"client", "client", true}, {"client", "vip", false}, {"client", "vvip", false},
		{"vip", "vip", true}, {"vip", "vvip", false}, {"vvip", "vvip", true}, {"vvip", "client", true},
	} {
		if got := clienteling.TierAdmits(tc.tier, tc.min); got != tc.want {
			t.Errorf("TierAdmits(%q, %q) = %v, want %v", tc.tier, tc.min, got, tc.want)
		}
	}
}

// countCards counts the cards stored.
func countCards(t *testing.T, m *clientelingtest.Maison) int {
	t.Helper()
	n := 0
	if err := m.DB.Bolt().View(func(tx *bolt.Tx) error {
		n = tx.Bucket([]byte("cards")).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// A card sent by amy is recorded with the product as it is now, queued as
// an article on the Official Account whose link opens the card, and
// announced, all at once.
func TestSendCard(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	amy := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate)
	msg, card, err := m.Service.SendCard(amy, m.Own.ID, &clienteling.CardRequest{SKU: clientelingtest.MaisonBag, Note: "  留给您的  "})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Type != clienteling.TypeCard || msg.Card != card.ID || msg.Status != clienteling.StatusQueued || msg.Associate != "amy" ||
		msg.Channel != clienteling.ChannelOA || msg.Text != "月光手袋" || msg.Media != string(clientelingtest.MaisonBag) {
		t.Errorf("message %+v", msg)
	}
	got, err := m.DB.FindCard(t.Context(), card.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := m.Clock.Now().UTC()
	if got.SKU != clientelingtest.MaisonBag || got.Customer != m.Own.ID || got.Associate != "amy" || got.Boutique != "sh-plaza66" ||
		got.Message != msg.ID || got.Price != (clienteling.Money{Amount: 2850000, Currency: "CNY"}) || got.Note != "留给您的" ||
		got.Title["en"] != "Moonlight bag" || len(got.Images) != 2 || !got.CreatedAt.Equal(now) ||
		!got.ExpiresAt.Equal(now.Add(7*24*time.Hour)) {
		t.Errorf("stored card %+v", got)
	}
	task, err := m.DB.ClaimOutbound(t.Context())
	if err != nil || task == nil {
		t.Fatalf("claim: %v, %v", task, err)
	}
	o := task.Content
	token, ok := strings.CutPrefix(o.URL, clientelingtest.MaisonPublicURL+"/c/")
	if !ok {
		t.Fatalf("link %q is not under %s/c/", o.URL, clientelingtest.MaisonPublicURL)
	}
	if id, err := m.CardKey.VerifyCardToken(token); err != nil || id != card.ID {
		t.Errorf("the link's token names %q, %v; want %q", id, err, card.ID)
	}
	want := clienteling.Outgoing{Type: clienteling.TypeNews, Channel: clienteling.ChannelOA, Title: "月光手袋", Description: "留给您的",
		URL: o.URL, PicURL: "https://images.example.com/maison/bag-1.jpg"}
	if gotJSON, wantJSON := mustJSON(t, o), mustJSON(t, &want); gotJSON != wantJSON {
		t.Errorf("queued content\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if !outboxHas(t, m, "salon.events.card.sent", clienteling.EventCardSent) {
		t.Error("no card.sent event in the outbox")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Without a note, the article's description is the product's, in the
// client's language; an admin's card is attributed to the client's advisor.
func TestSendCardByAdmin(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	admin := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	msg, card, err := m.Service.SendCard(admin, m.Bens.ID, &clienteling.CardRequest{SKU: clientelingtest.MaisonBag})
	if err != nil {
		t.Fatal(err)
	}
	if card.Associate != "ben" || card.Boutique != "bj-skp" || msg.Associate != "" {
		t.Errorf("card by %q of %q, message by %q; want ben of bj-skp, by nobody", card.Associate, card.Boutique, msg.Associate)
	}
	task, err := m.DB.ClaimOutbound(t.Context())
	if err != nil || task == nil {
		t.Fatalf("claim: %v, %v", task, err)
	}
	if task.Content.Description != "小牛皮" {
		t.Errorf("description %q, want the product's in zh-CN", task.Content.Description)
	}
}

// What the advisor offered stays at the price offered: the catalog may
// change after.
func TestCardKeepsItsPrice(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	amy := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate)
	admin := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	_, card, err := m.Service.SendCard(amy, m.Own.ID, &clienteling.CardRequest{SKU: clientelingtest.MaisonBag})
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.DB.FindProduct(t.Context(), clientelingtest.MaisonBag)
	if err != nil {
		t.Fatal(err)
	}
	p.Price.Amount, p.Title = 3100000, clienteling.Localized{"en": "Moonlight bag, new season"}
	if err := m.Service.PutProducts(admin, p); err != nil {
		t.Fatal(err)
	}
	got, err := m.DB.FindCard(t.Context(), card.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Price.Amount != 2850000 || got.Title["en"] != "Moonlight bag" {
		t.Errorf("card shows %d and %q after the catalog changed; want the snapshot 2850000 and %q", got.Price.Amount, got.Title["en"], "Moonlight bag")
	}
}

func TestCardTTL(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	m.Service.SetCards(clienteling.CardSettings{Key: m.CardKey, PublicURL: "https://shop.example/salon/", TTL: 48 * time.Hour})
	amy := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate)
	_, card, err := m.Service.SendCard(amy, m.Own.ID, &clienteling.CardRequest{SKU: clientelingtest.MaisonBag})
	if err != nil {
		t.Fatal(err)
	}
	if want := m.Clock.Now().Add(48 * time.Hour); !card.ExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", card.ExpiresAt, want)
	}
	task, err := m.DB.ClaimOutbound(t.Context())
	if err != nil || task == nil {
		t.Fatalf("claim: %v, %v", task, err)
	}
	if want := "https://shop.example/salon/c/" + card.Token; task.Content.URL != want {
		t.Errorf("link %q, want %q", task.Content.URL, want)
	}
}

// Every refusal says why, names what is wrong, and records and sends
// nothing.
func TestSendCardRefused(t *testing.T) {
	t.Parallel()
	put := func(m *clientelingtest.Maison, change func(*clienteling.Product)) {
		t.Helper()
		p, err := m.DB.FindProduct(t.Context(), clientelingtest.MaisonBag)
		if err != nil {
			t.Fatal(err)
		}
		change(p)
		if err := m.Service.PutProducts(clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin), p); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		as        *clienteling.Principal
		client    func(*clientelingtest.Maison) clienteling.CustomerID
		req       clienteling.CardRequest
		setup     func(*clientelingtest.Maison)
		code      string
		field     string
		inMessage string
	}{
		{name: "UnknownSKU", req: clienteling.CardRequest{SKU: "NO-SUCH-SKU"}, code: clienteling.ENOTFOUND, field: "sku"},
		{name: "BadSKU", req: clienteling.CardRequest{SKU: "no such sku"}, code: clienteling.EINVALID, field: "sku"},
		{name: "NoSKU", req: clienteling.CardRequest{}, code: clienteling.EINVALID, field: "sku"},
		{name: "NoteTooLong", req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag, Note: strings.Repeat("包", 201)}, code: clienteling.EINVALID, field: "note"},
		{name: "NoteNotUTF8", req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag, Note: "\xff"}, code: clienteling.EINVALID, field: "note"},
		{name: "BadChannel", req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag, Channel: "sms"}, code: clienteling.EINVALID, field: "channel"},
		{name: "Inactive", req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag}, code: clienteling.ECONFLICT, field: "sku", inMessage: "not active",
			setup: func(m *clientelingtest.Maison) { put(m, func(p *clienteling.Product) { p.Active = new(bool) }) }},
		{name: "OutOfStock", req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag}, code: clienteling.ECONFLICT, field: "stock", inMessage: "out of stock",
			setup: func(m *clientelingtest.Maison) {
				put(m, func(p *clienteling.Product) { p.Stock = map[clienteling.BoutiqueID]int{"sh-plaza66": 0, "bj-skp": 0} })
			}},
		{name: "NoStockKnown", req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag}, code: clienteling.ECONFLICT, field: "stock",
			setup: func(m *clientelingtest.Maison) { put(m, func(p *clienteling.Product) { p.Stock = nil }) }},
		{name: "AboveTier", req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag}, code: clienteling.EFORBIDDEN, field: "min_tier", inMessage: "vvip",
			setup: func(m *clientelingtest.Maison) {
				put(m, func(p *clienteling.Product) { p.MinTier = clienteling.TierTop })
			}},
		{name: "OutsideWindow", req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag}, code: clienteling.ECONFLICT, inMessage: "service window",
			setup: func(m *clientelingtest.Maison) { m.Clock.Advance(49 * time.Hour) }},
		{name: "NotOnChannel", req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag, Channel: clienteling.ChannelWeCom}, code: clienteling.ECONFLICT, inMessage: "cannot be reached"},
		{name: "CRM", as: clientelingtest.AsCRM, req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag}, code: clienteling.EFORBIDDEN},
		{name: "AnotherAdvisorsClient", client: func(m *clientelingtest.Maison) clienteling.CustomerID { return m.Sophies.ID },
			req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag}, code: clienteling.ENOTFOUND},
		{name: "NoPrincipal", as: &clienteling.Principal{}, req: clienteling.CardRequest{SKU: clientelingtest.MaisonBag}, code: clienteling.EFORBIDDEN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := clientelingtest.NewMaison(t)
			if tc.setup != nil {
				tc.setup(m)
			}
			as, client := clientelingtest.AsAssociate, m.Own.ID
			if tc.as != nil {
				as = tc.as
			}
			if tc.client != nil {
				client = tc.client(m)
			}
			ctx := clienteling.WithPrincipal(t.Context(), as)
			before, _, err := m.DB.Messages(t.Context(), client, clienteling.MessagePage{Limit: clienteling.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			req := tc.req
			msg, card, err := m.Service.SendCard(ctx, client, &req)
			if clienteling.ErrorCode(err) != tc.code || clienteling.ErrorField(err) != tc.field || msg != nil || card != nil {
				t.Fatalf("got %v, %v, %v (code %q, field %q); want code %q, field %q", msg, card, err,
					clienteling.ErrorCode(err), clienteling.ErrorField(err), tc.code, tc.field)
			}
			if !strings.Contains(clienteling.ErrorMessage(err), tc.inMessage) {
				t.Errorf("message %q does not say %q", clienteling.ErrorMessage(err), tc.inMessage)
			}
			after, _, err := m.DB.Messages(t.Context(), client, clienteling.MessagePage{Limit: clienteling.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			if len(after) != len(before) {
				t.Errorf("%d messages before, %d after a refused card", len(before), len(after))
			}
			if task, err := m.DB.ClaimOutbound(t.Context()); task != nil || err != nil {
				t.Errorf("queued %+v, %v", task, err)
			}
			if n := countCards(t, m); n != 0 {
				t.Errorf("%d cards recorded", n)
			}
			if outboxHas(t, m, "salon.events.card.sent", clienteling.EventCardSent) {
				t.Error("card.sent announced")
			}
		})
	}
}

func TestSendCardWithoutSettings(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	svc := clienteling.NewService(m.DB, m.Clock)
	_, _, err := svc.SendCard(clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate), m.Own.ID,
		&clienteling.CardRequest{SKU: clientelingtest.MaisonBag})
	if clienteling.ErrorCode(err) != clienteling.EUNAVAILABLE {
		t.Fatalf("got %v, want unavailable", err)
	}
}

// Erasing a client erases the cards sent to them.
func TestEraseCustomerErasesCards(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	amy := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate)
	_, card, err := m.Service.SendCard(amy, m.Own.ID, &clienteling.CardRequest{SKU: clientelingtest.MaisonBag, Note: "for your birthday"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Service.EraseCustomer(clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin), m.Own.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := m.DB.FindCard(t.Context(), card.ID); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Errorf("card after erasure: %v, want not_found", err)
	}
	if n := countCards(t, m); n != 0 {
		t.Errorf("%d cards left", n)
	}
}

// The token comes from a URL anyone may type: whatever it is, verifying
// never panics, and accepts only the key's own tokens.
func FuzzVerifyCardToken(f *testing.F) {
	key := clienteling.CardKey(strings.Repeat("k", clienteling.CardKeySize))
	good := key.Token("01JDX3V9Q8T2M5N7P4R6S8W0YZ")
	for _, s := range []string{good, "", ".", good + ".", strings.ToLower(good), good[:clienteling.IDLen] + ".", "%2e%2e/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		id, err := key.VerifyCardToken(token)
		if err != nil {
			if id != "" || clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
				t.Fatalf("VerifyCardToken(%q) = %q, %v", token, id, err)
			}
			return
		}
		if key.Token(id) != token {
			t.Fatalf("accepted %q, which is not the token of %q", token, id)
		}
	})
}

// A client found to be another record's person keeps their cards: the
// links still open, and an erasure of the person takes them.
func TestMergedClientKeepsCards(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	amy := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate)
	_, card, err := m.Service.SendCard(amy, m.Own.ID, &clienteling.CardRequest{SKU: clientelingtest.MaisonBag})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.DB.ApplyProfile(t.Context(), m.Sophies.ID, clienteling.Profile{UnionID: "uSamePerson"}); err != nil {
		t.Fatal(err)
	}
	merged, err := m.DB.ApplyProfile(t.Context(), m.Own.ID, clienteling.Profile{UnionID: "uSamePerson"})
	if err != nil || merged.ID != m.Sophies.ID {
		t.Fatalf("merge: %+v, %v; want into %s", merged, err, m.Sophies.ID)
	}
	got, err := m.DB.FindCard(t.Context(), card.ID)
	if err != nil || got.Customer != m.Sophies.ID {
		t.Fatalf("card after the merge: %+v, %v; want it on %s", got, err, m.Sophies.ID)
	}
	if err := m.Service.EraseCustomer(clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin), m.Sophies.ID); err != nil {
		t.Fatal(err)
	}
	if n := countCards(t, m); n != 0 {
		t.Errorf("%d cards left after erasing the merged person", n)
	}
}

// With a mini program, the Official Account sends a card as a mini-program
// card opening the card's page with its token; a product without a
// picture shows the brand's logo.
func TestSendCardAsMiniProgram(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	m.Service.SetCards(clienteling.CardSettings{Key: m.CardKey, PublicURL: clientelingtest.MaisonPublicURL,
		MiniProgram: &clienteling.MiniProgramPage{AppID: "wx0123456789abcdef", PagePath: "pages/card/card"}})
	admin := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	p, err := m.DB.FindProduct(t.Context(), clientelingtest.MaisonBag)
	if err != nil {
		t.Fatal(err)
	}
	p.Images = nil
	if err := m.Service.PutProducts(admin, p); err != nil {
		t.Fatal(err)
	}
	msg, card, err := m.Service.SendCard(clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate), m.Own.ID,
		&clienteling.CardRequest{SKU: clientelingtest.MaisonBag, Note: "for you"})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Type != clienteling.TypeCard || msg.Channel != clienteling.ChannelOA {
		t.Errorf("message %+v", msg)
	}
	task, err := m.DB.ClaimOutbound(t.Context())
	if err != nil || task == nil {
		t.Fatalf("claim: %v, %v", task, err)
	}
	want := clienteling.Outgoing{Type: clienteling.TypeMiniProgram, Channel: clienteling.ChannelOA, Title: "月光手袋",
		AppID: "wx0123456789abcdef", PagePath: "pages/card/card?card=" + card.Token, PicURL: "https://images.example.com/maison/logo.png"}
	if got, wantJSON := mustJSON(t, task.Content), mustJSON(t, &want); got != wantJSON {
		t.Errorf("queued content\n got %s\nwant %s", got, wantJSON)
	}
}
