package clienteling

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"
)

// Card is a product offered to one client by one associate, as it was
// when sent: the page the client opens shows this snapshot, at this price,
// whatever the catalog says later.
type Card struct {
	ID CardID `json:"id"`
	// Token is the signed part of the link the client opens; it is made
	// from ID by the card key, never stored.
	Token       string      `json:"-"`
	SKU         SKU         `json:"sku"`
	Customer    CustomerID  `json:"customer"`
	Associate   AssociateID `json:"associate,omitempty"` // the sale is theirs
	Boutique    BoutiqueID  `json:"boutique,omitempty"`
	Message     MessageID   `json:"message"`
	Channel     string      `json:"channel"`
	Price       Money       `json:"price"`
	Title       Localized   `json:"title"`
	Description Localized   `json:"description,omitempty"`
	Images      []string    `json:"images,omitempty"`
	Sizes       []string    `json:"sizes,omitempty"`
	Category    string      `json:"category,omitempty"`
	// Note is the advisor's own words to the client.
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	OpenedAt  time.Time `json:"opened_at,omitzero"`
}

// DefaultCardTTL is how long a card's link may be opened.
const DefaultCardTTL = 7 * 24 * time.Hour

// MaxCardNoteRunes bounds the advisor's note: it is the description line
// of a WeChat card, which shows two or three lines.
const MaxCardNoteRunes = 200

// CardStore keeps the cards sent. A card is written by EnqueueDelivery,
// with the message that carries it (see Delivery.Card).
type CardStore interface {
	// FindCard returns the card or ENOTFOUND.
	FindCard(ctx context.Context, id CardID) (*Card, error)
}

// NewCardID returns a card id of 128 random bits, in the shape of NewID:
// unlike NewID's, consecutive card ids tell nothing of each other, so one
// client's link does not lead to another's.
func NewCardID() CardID {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("clienteling: no randomness: " + err.Error())
	}
	return CardID(encodeCrockford(raw))
}

// CardKeySize is the length of a card key: HMAC-SHA256's block is larger,
// its output this long, and a key this long cannot be guessed.
const CardKeySize = 32

// CardKey signs the tokens of card links.
type CardKey []byte

// NewCardKey returns a fresh random key.
func NewCardKey() CardKey {
	k := make(CardKey, CardKeySize)
	if _, err := rand.Read(k); err != nil {
		panic("clienteling: no randomness: " + err.Error())
	}
	return k
}

// String hides the key from logs and error texts.
func (k CardKey) String() string { return "CardKey(redacted)" }

// cardMACLen is the length of a token's signature, base64url without
// padding.
var cardMACLen = base64.RawURLEncoding.EncodedLen(sha256.Size)

func (k CardKey) mac(id CardID) []byte {
	h := hmac.New(sha256.New, k)
	// The label keeps a card's signature from standing for anything else
	// the key might one day sign.
	h.Write([]byte("salon card v1\x00"))
	h.Write([]byte(id))
	return h.Sum(nil)
}

// Token returns the token of card id: the id, a dot, and its HMAC-SHA256.
func (k CardKey) Token(id CardID) string {
	return string(id) + "." + base64.RawURLEncoding.EncodeToString(k.mac(id))
}

// VerifyCardToken returns the card id a token names if its signature is
// the key's, comparing in constant time; ENOTFOUND otherwise, as for a card
// that does not exist, so that a forger learns nothing.
func (k CardKey) VerifyCardToken(token string) (CardID, error) {
	notFound := Errorf(ENOTFOUND, "no such card")
	if len(k) < CardKeySize || len(token) != IDLen+1+cardMACLen {
		return "", notFound
	}
	id, sig, ok := strings.Cut(token, ".")
	if !ok || !ValidID(id) {
		return "", notFound
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, k.mac(CardID(id))) {
		return "", notFound
	}
	return CardID(id), nil
}

// CardSettings are what sending cards needs: the key that signs links, the
// public base URL they start with, and how long they stay open.
type CardSettings struct {
	Key       CardKey
	PublicURL string // scheme and host, perhaps a path; no trailing slash needed
	TTL       time.Duration
	// MiniProgram, if set, is the brand's mini program page that shows a
	// card: the Official Account then sends cards as mini-program cards
	// opening PagePath?card=<token>.
	MiniProgram *MiniProgramPage
}

// MiniProgramPage names a mini program page.
type MiniProgramPage struct {
	AppID    string
	PagePath string // without a query
}

// SetCards enables product cards. Call it before serving.
func (s *Service) SetCards(c CardSettings) {
	if c.TTL <= 0 {
		c.TTL = DefaultCardTTL
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	s.cards = &c
}

// CardLink is the address of a card's page.
func (c *CardSettings) CardLink(token string) string { return c.PublicURL + "/c/" + token }

// CardRequest is an associate's request to send a product card.
type CardRequest struct {
	SKU SKU `json:"sku" validate:"required,sku"`
	// Note, optional, is shown under the product's name.
	Note string `json:"note,omitempty" validate:"max=2048"`
	// Channel picks the client's channel, as Outgoing.Channel does.
	Channel string `json:"channel,omitempty" validate:"omitempty,oneof=oa wecom"`
}

// tierRank orders the tiers: a product's MinTier admits that tier and those
// above it.
var tierRank = map[string]int{TierClient: 1, TierVIP: 2, TierTop: 3}

// TierAdmits reports whether a client of tier may be offered a product
// whose minimum tier is minTier (empty: everyone).
func TierAdmits(tier, minTier string) bool {
	return minTier == "" || tierRank[tier] >= tierRank[minTier]
}

// InStock reports whether any boutique has the product.
func (p *Product) InStock() bool {
	for _, n := range p.Stock {
		if n > 0 {
			return true
		}
	}
	return false
}

// SendCard records a card offering a product to a client and queues it, in
// one transaction, as the richest message the client's channel shows: an
// article (news) on the Official Account, a link with the product's picture
// on 微信客服. It returns the stored message (type card) and the card. Who
// may send is as for Send. Refused, with nothing recorded or sent: an
// unknown sku (ENOTFOUND, field sku), an inactive product or one out of
// stock in every boutique (ECONFLICT), a product above the client's tier
// (EFORBIDDEN, field min_tier), a client outside the service window
// (ECONFLICT).
func (s *Service) SendCard(ctx context.Context, id CustomerID, req *CardRequest) (*Message, *Card, error) {
	c, err := s.FindCustomerByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := require(ctx, RoleAssociate, RoleManager, RoleAdmin); err != nil {
		return nil, nil, err
	}
	req.Note = strings.TrimSpace(req.Note)
	if err := Validate(req); err != nil {
		return nil, nil, err
	}
	if !utf8.ValidString(req.Note) || utf8.RuneCountInString(req.Note) > MaxCardNoteRunes {
		return nil, nil, FieldError("note", "must be at most %d characters of UTF-8", MaxCardNoteRunes)
	}
	if s.cards == nil {
		return nil, nil, Errorf(EUNAVAILABLE, "product cards are not configured")
	}
	p, err := s.store.FindProduct(ctx, req.SKU)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, &Error{Code: ENOTFOUND, Field: "sku", Message: "no product has this sku"}
	} else if err != nil {
		return nil, nil, err
	}
	switch {
	case !p.IsActive():
		return nil, nil, &Error{Code: ECONFLICT, Field: "sku", Message: "the product is not active"}
	case !p.InStock():
		return nil, nil, &Error{Code: ECONFLICT, Field: "stock", Message: "the product is out of stock in every boutique"}
	case !TierAdmits(c.Tier, p.MinTier):
		return nil, nil, &Error{Code: EFORBIDDEN, Field: "min_tier",
			Message: "the product is reserved for " + p.MinTier + " clients and above; this client is " + c.Tier}
	}
	channel, err := s.replyChannel(ctx, c, &Outgoing{Type: TypeCard, Channel: req.Channel})
	if err != nil {
		return nil, nil, err
	}
	to := identityOn(c, channel)
	if to == nil {
		return nil, nil, Errorf(ECONFLICT, "the client cannot be reached on channel %s", channel)
	}
	now := s.clock.Now().UTC()
	card := &Card{ID: NewCardID(), SKU: p.SKU, Customer: c.ID, Channel: channel, Price: p.Price,
		Title: p.Title, Description: p.Description, Images: p.Images, Sizes: p.Sizes, Category: p.Category,
		Note: req.Note, CreatedAt: now, ExpiresAt: now.Add(s.cards.TTL)}
	card.Associate, card.Boutique = attribution(PrincipalFrom(ctx), c)
	card.Token = s.cards.Key.Token(card.ID)
	m := &Message{ID: MessageID(NewID()), Customer: c.ID, Direction: DirectionOut, Channel: channel,
		Author: AuthorAssociate, Status: StatusQueued, At: now}
	if p := PrincipalFrom(ctx); p.Role != RoleAdmin {
		m.Associate = AssociateID(p.Subject)
	}
	content, err := s.cardContent(ctx, card, c)
	if err != nil {
		return nil, nil, err
	}
	content.Summarize(m)
	// The history shows a card by its product, never by its link: the
	// token opens the client's page.
	m.Type, m.Text, m.Media, m.Card = TypeCard, content.Title, string(card.SKU), card.ID
	card.Message = m.ID
	if err := s.enqueue(ctx, m, Delivery{To: *to, Content: content, Check: CheckServiceWindow, Card: card}); err != nil {
		return nil, nil, err
	}
	return m, card, nil
}

// attribution names who a card's sale belongs to: the associate or
// manager who sent it, in their boutique; for an admin, the client's
// advisor and boutique.
func attribution(p *Principal, c *Customer) (AssociateID, BoutiqueID) {
	if p.Role == RoleAdmin {
		return c.Advisor, c.Boutique
	}
	return AssociateID(p.Subject), p.Boutique
}

// Bounds of what a card shows in WeChat's chat, in characters: the title
// and description are cut to what the bubble shows.
const (
	cardTitleRunes       = 64
	cardDescriptionRunes = 120
)

// cardContent is what WeChat is sent for card on its channel: an article
// (news) on the Official Account, a link whose thumbnail the sender uploads
// from PicURL on 微信客服. The text is in the client's language; the
// description is the advisor's note, or else the product's.
func (s *Service) cardContent(ctx context.Context, card *Card, c *Customer) (*Outgoing, error) {
	desc := card.Note
	if desc == "" {
		desc = card.Description.In(c.Language)
	}
	o := &Outgoing{Channel: card.Channel, Title: cutRunes(card.Title.In(c.Language), cardTitleRunes),
		Description: cutRunes(desc, cardDescriptionRunes), URL: s.cards.CardLink(card.Token)}
	if len(card.Images) > 0 && httpURL(card.Images[0]) {
		o.PicURL = card.Images[0]
	}
	switch card.Channel {
	case ChannelOA:
		o.Type = TypeNews
		if mp := s.cards.MiniProgram; mp != nil {
			// A mini-program card shows the title and the picture only,
			// and opens the page with the card's token.
			o.Type, o.AppID, o.PagePath = TypeMiniProgram, mp.AppID, mp.PagePath+"?card="+card.Token
			o.Description, o.URL = "", ""
			if err := s.needPicture(ctx, card, o); err != nil {
				return nil, err
			}
		}
	case ChannelWeCom:
		o.Type = TypeLink
		if err := s.needPicture(ctx, card, o); err != nil {
			return nil, err
		}
	default:
		return nil, FieldError("channel", "cards cannot be sent on channel %s", card.Channel)
	}
	o.Normalize()
	if err := o.Check(); err != nil {
		return nil, err
	}
	return o, nil
}

// needPicture makes sure o, a message WeChat shows only with a thumbnail,
// has a picture: the product's, or else the brand's logo.
func (s *Service) needPicture(ctx context.Context, card *Card, o *Outgoing) error {
	if o.PicURL != "" {
		return nil
	}
	if b := s.brandOf(ctx, card.Boutique); b != nil && b.LogoURL != "" {
		o.PicURL = b.LogoURL
		return nil
	}
	return &Error{Code: ECONFLICT, Field: "images", Message: "the product has no picture, which this card needs"}
}

// brandOf returns the settings of boutique's brand, nil if it has none.
func (s *Service) brandOf(ctx context.Context, boutique BoutiqueID) *Brand {
	if boutique == "" {
		return nil
	}
	b, err := s.store.FindBoutique(ctx, boutique)
	if err != nil || b.Brand == "" {
		return nil
	}
	brand, err := s.store.FindBrand(ctx, b.Brand)
	if err != nil {
		return nil
	}
	return brand
}

func httpURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// cutRunes returns s cut to n characters, with an ellipsis if cut.
func cutRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// AnnounceCard is what the store writes with a card: card.sent for
// integrations, ids and the price only.
func AnnounceCard(c *Card) []Event {
	data := CardSent{Card: c.ID, Customer: c.Customer, Associate: c.Associate, Boutique: c.Boutique, SKU: c.SKU,
		Message: c.Message, Channel: c.Channel, Amount: c.Price.Amount, Currency: c.Price.Currency, ExpiresAt: rfc3339(c.ExpiresAt)}
	return []Event{{Type: EventCardSent, Subject: EventSubject(EventCardSent), Data: data}}
}

// CardOpener marks cards opened.
type CardOpener interface {
	// OpenCard sets the card's OpenedAt to at if it was never opened and
	// writes AnnounceCardOpened's events in the same transaction; it
	// returns the card as stored afterwards, or ENOTFOUND.
	OpenCard(ctx context.Context, id CardID, at time.Time) (*Card, error)
}

// CardPage is what a client's card page shows: the card, and what the
// client, their advisor and the brand are now.
type CardPage struct {
	Card      *Card
	Expired   bool
	Language  string
	Size      string // the client's saved size in the card's category, if offered
	Advisor   string // the name of the associate whose sale it is
	Boutique  *Boutique
	Brand     *Brand
	Boutiques []*Boutique // those that have the product in stock
}

// OpenCard is a client opening a card's link: it needs no principal, the
// signed token is the client's key. An unknown or tampered token is
// ENOTFOUND with nothing recorded; an expired card's page says Expired and
// records nothing; the first open of a live card sets OpenedAt and
// announces card.opened in one transaction.
func (s *Service) OpenCard(ctx context.Context, token string) (*CardPage, error) {
	if s.cards == nil {
		return nil, Errorf(ENOTFOUND, "no such card")
	}
	id, err := s.cards.Key.VerifyCardToken(token)
	if err != nil {
		return nil, err
	}
	card, err := s.store.FindCard(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().UTC()
	page := &CardPage{Card: card, Expired: !card.ExpiresAt.IsZero() && !now.Before(card.ExpiresAt)}
	if !page.Expired && card.OpenedAt.IsZero() {
		if page.Card, err = s.store.OpenCard(ctx, id, now); err != nil {
			return nil, err
		}
	}
	page.Card.Token = token
	if c, err := s.store.FindCustomerByID(ctx, card.Customer); err == nil {
		page.Language = c.Language
		for _, sp := range c.Preferences.Sizes {
			if strings.EqualFold(sp.Category, card.Category) && slicesContains(card.Sizes, sp.Size) {
				page.Size = sp.Size
			}
		}
	}
	if a, err := s.store.FindAssociate(ctx, card.Associate); err == nil {
		page.Advisor = a.Name
	}
	if b, err := s.store.FindBoutique(ctx, card.Boutique); err == nil {
		page.Boutique = b
	}
	page.Brand = s.brandOf(ctx, card.Boutique)
	if p, err := s.store.FindProduct(ctx, card.SKU); err == nil {
		for bid, n := range p.Stock {
			if b, err := s.store.FindBoutique(ctx, bid); n > 0 && err == nil {
				page.Boutiques = append(page.Boutiques, b)
			}
		}
	}
	sortBoutiques(page.Boutiques)
	return page, nil
}

func slicesContains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

func sortBoutiques(bs []*Boutique) {
	for i := 1; i < len(bs); i++ {
		for j := i; j > 0 && bs[j].ID < bs[j-1].ID; j-- {
			bs[j], bs[j-1] = bs[j-1], bs[j]
		}
	}
}

// AnnounceCardOpened is what the store writes when a card is first
// opened: card.opened for integrations and for the associate whose sale it
// is.
func AnnounceCardOpened(c *Card) []Event {
	data := CardOpened{Card: c.ID, Customer: c.Customer, Associate: c.Associate, Boutique: c.Boutique, SKU: c.SKU,
		OpenedAt: rfc3339(c.OpenedAt)}
	events := []Event{{Type: EventCardOpened, Subject: EventSubject(EventCardOpened), Data: data}}
	if c.Associate != "" {
		events = append(events, Event{Type: EventCardOpened, Subject: AssociateSubject(c.Associate), Data: data})
	}
	return events
}
