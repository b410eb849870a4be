package store

import (
	"time"

	"github.com/salonhq/salon/clienteling"
)

// Records are what the disk holds. Each carries V, its layout version, so a
// later build can read an older record. Field names are short in the hot
// records (messages) because they repeat millions of times.

type shiftRecord struct {
	Day   string `json:"d"`
	Open  string `json:"o"`
	Close string `json:"c"`
}

func shiftsToRecord(w clienteling.Weekly) []shiftRecord {
	out := make([]shiftRecord, len(w))
	for i, s := range w {
		out[i] = shiftRecord{s.Day, s.Open, s.Close}
	}
	return out
}

func shiftsFromRecord(rs []shiftRecord) clienteling.Weekly {
	if len(rs) == 0 {
		return nil
	}
	out := make(clienteling.Weekly, len(rs))
	for i, r := range rs {
		out[i] = clienteling.Shift{Day: r.Day, Open: r.Open, Close: r.Close}
	}
	return out
}

type boutiqueRecord struct {
	V        int           `json:"v"`
	Brand    string        `json:"brand,omitempty"`
	Name     string        `json:"name"`
	City     string        `json:"city"`
	Timezone string        `json:"tz"`
	Hours    []shiftRecord `json:"hours,omitempty"`
}

func boutiqueToRecord(b *clienteling.Boutique) *boutiqueRecord {
	return &boutiqueRecord{V: 1, Brand: string(b.Brand), Name: b.Name, City: b.City, Timezone: b.Timezone, Hours: shiftsToRecord(b.Hours)}
}

func (r *boutiqueRecord) domain(id string) *clienteling.Boutique {
	return &clienteling.Boutique{ID: clienteling.BoutiqueID(id), Brand: clienteling.BrandID(r.Brand), Name: r.Name,
		City: r.City, Timezone: r.Timezone, Hours: shiftsFromRecord(r.Hours)}
}

type associateRecord struct {
	V        int               `json:"v"`
	Name     string            `json:"name"`
	Boutique string            `json:"boutique"`
	Role     string            `json:"role"`
	Status   string            `json:"status"`
	Hours    []shiftRecord     `json:"hours,omitempty"`
	Email    string            `json:"email,omitempty"`
	QRCode   string            `json:"qrcode,omitempty"`
	WeCom    *contactWayRecord `json:"wecom,omitempty"`
}

func associateToRecord(a *clienteling.Associate) *associateRecord {
	return &associateRecord{V: 1, Name: a.Name, Boutique: string(a.Boutique), Role: a.Role, Status: a.Status,
		Hours: shiftsToRecord(a.Hours), Email: a.Email, QRCode: a.QRCode, WeCom: contactWayToRecord(a.WeCom)}
}

func (r *associateRecord) domain(id string) *clienteling.Associate {
	return &clienteling.Associate{UserID: clienteling.AssociateID(id), Name: r.Name, Boutique: clienteling.BoutiqueID(r.Boutique),
		Role: r.Role, Status: r.Status, Hours: shiftsFromRecord(r.Hours), Email: r.Email, QRCode: r.QRCode, WeCom: r.WeCom.domain()}
}

type prefRecord struct {
	Value  string    `json:"v"`
	Source string    `json:"s,omitempty"`
	At     time.Time `json:"at,omitempty"`
}

type sizeRecord struct {
	Category string    `json:"c"`
	Size     string    `json:"z"`
	Source   string    `json:"s,omitempty"`
	At       time.Time `json:"at,omitempty"`
}

type dateRecord struct {
	Kind   string    `json:"k"`
	Date   string    `json:"d"`
	Note   string    `json:"n,omitempty"`
	Source string    `json:"s,omitempty"`
	At     time.Time `json:"at,omitempty"`
}

type identityRecord struct {
	Channel    string `json:"c"`
	ExternalID string `json:"x"`
}

type consentRecord struct {
	Contact   bool      `json:"contact"`
	Marketing bool      `json:"marketing"`
	Profiling bool      `json:"profiling"`
	Source    string    `json:"source,omitempty"`
	UpdatedAt time.Time `json:"at,omitempty"`
}

type customerRecord struct {
	V          int              `json:"v"`
	Name       string           `json:"name,omitempty"`
	Identities []identityRecord `json:"ids"`
	UnionID    string           `json:"union,omitempty"`
	Tier       string           `json:"tier"`
	Language   string           `json:"lang"`
	Advisor    string           `json:"advisor,omitempty"`
	Boutique   string           `json:"boutique,omitempty"`
	Tags       []string         `json:"tags,omitempty"`
	Phone      string           `json:"phone,omitempty"`
	Consent    consentRecord    `json:"consent"`
	Sizes      []sizeRecord     `json:"sizes,omitempty"`
	Colours    []prefRecord     `json:"colours,omitempty"`
	Materials  []prefRecord     `json:"materials,omitempty"`
	Categories []prefRecord     `json:"categories,omitempty"`
	Dislikes   []prefRecord     `json:"dislikes,omitempty"`
	Dates      []dateRecord     `json:"dates,omitempty"`
	Notes      []prefRecord     `json:"notes,omitempty"`
	CreatedAt  time.Time        `json:"created"`
	UpdatedAt  time.Time        `json:"updated"`
}

func prefsToRecord(ps []clienteling.Preference) []prefRecord {
	out := make([]prefRecord, len(ps))
	for i, p := range ps {
		out[i] = prefRecord(p)
	}
	return out
}

func prefsFromRecord(rs []prefRecord) []clienteling.Preference {
	if len(rs) == 0 {
		return nil
	}
	out := make([]clienteling.Preference, len(rs))
	for i, r := range rs {
		out[i] = clienteling.Preference(r)
	}
	return out
}

func customerToRecord(c *clienteling.Customer) *customerRecord {
	r := &customerRecord{V: 1, Name: c.Name, UnionID: string(c.UnionID), Tier: c.Tier, Language: c.Language,
		Advisor: string(c.Advisor), Boutique: string(c.Boutique), Tags: c.Tags, Phone: c.Phone,
		Consent:   consentRecord(c.Consent),
		Colours:   prefsToRecord(c.Preferences.Colours),
		Materials: prefsToRecord(c.Preferences.Materials), Categories: prefsToRecord(c.Preferences.Categories),
		Dislikes: prefsToRecord(c.Preferences.Dislikes), Notes: prefsToRecord(c.Preferences.Notes),
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	for _, id := range c.Identities {
		r.Identities = append(r.Identities, identityRecord(id))
	}
	for _, s := range c.Preferences.Sizes {
		r.Sizes = append(r.Sizes, sizeRecord(s))
	}
	for _, d := range c.Preferences.Dates {
		r.Dates = append(r.Dates, dateRecord(d))
	}
	return r
}

func (r *customerRecord) domain(id string) *clienteling.Customer {
	c := &clienteling.Customer{ID: clienteling.CustomerID(id), Name: r.Name, UnionID: clienteling.UnionID(r.UnionID),
		Tier: r.Tier, Language: r.Language, Advisor: clienteling.AssociateID(r.Advisor),
		Boutique: clienteling.BoutiqueID(r.Boutique), Tags: r.Tags, Phone: r.Phone,
		Consent: clienteling.Consent(r.Consent),
		Preferences: clienteling.Preferences{
			Colours: prefsFromRecord(r.Colours), Materials: prefsFromRecord(r.Materials),
			Categories: prefsFromRecord(r.Categories), Dislikes: prefsFromRecord(r.Dislikes),
			Notes: prefsFromRecord(r.Notes),
		},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	c.Identities = make([]clienteling.Identity, len(r.Identities))
	for i, x := range r.Identities {
		c.Identities[i] = clienteling.Identity(x)
	}
	for _, s := range r.Sizes {
		c.Preferences.Sizes = append(c.Preferences.Sizes, clienteling.SizePreference(s))
	}
	for _, d := range r.Dates {
		c.Preferences.Dates = append(c.Preferences.Dates, clienteling.ImportantDate(d))
	}
	return c
}

// messageRecord is the hottest record; its key already holds the customer
// and the time, so neither is repeated here.
type messageRecord struct {
	V           int    `json:"v"`
	ID          string `json:"i"`
	Direction   string `json:"d"`
	Channel     string `json:"c"`
	Type        string `json:"t"`
	Text        string `json:"x,omitempty"`
	Media       string `json:"m,omitempty"`
	WeChatID    string `json:"w,omitempty"`
	Author      string `json:"a"`
	Associate   string `json:"as,omitempty"`
	Card        string `json:"cd,omitempty"`
	Status      string `json:"s"`
	ErrorCode   int    `json:"ec,omitempty"`
	ErrorReason string `json:"er,omitempty"`
	Account     string `json:"ac,omitempty"`
	SentAt      *int64 `json:"sa,omitempty"`
}

func messageToRecord(m *clienteling.Message) *messageRecord {
	return &messageRecord{V: 1, ID: string(m.ID), Direction: m.Direction, Channel: m.Channel, Type: m.Type, Text: m.Text,
		Media: m.Media, WeChatID: m.WeChatID, Author: m.Author, Associate: string(m.Associate), Card: string(m.Card),
		Status: m.Status, ErrorCode: m.ErrorCode, ErrorReason: m.ErrorReason, Account: m.Account, SentAt: m.SentAt}
}

func (r *messageRecord) domain(customer clienteling.CustomerID, at time.Time) *clienteling.Message {
	return &clienteling.Message{ID: clienteling.MessageID(r.ID), Customer: customer, Direction: r.Direction,
		Channel: r.Channel, Type: r.Type, Text: r.Text, Media: r.Media, WeChatID: r.WeChatID, Author: r.Author,
		Associate: clienteling.AssociateID(r.Associate), Card: clienteling.CardID(r.Card), Status: r.Status,
		ErrorCode: r.ErrorCode, ErrorReason: r.ErrorReason, At: at, Account: r.Account, SentAt: r.SentAt}
}

type moneyRecord struct {
	Amount   int64  `json:"a"`
	Currency string `json:"c"`
}

type productRecord struct {
	V           int               `json:"v"`
	Title       map[string]string `json:"title"`
	Description map[string]string `json:"desc,omitempty"`
	Category    string            `json:"cat,omitempty"`
	Images      []string          `json:"images,omitempty"`
	Price       moneyRecord       `json:"price"`
	Sizes       []string          `json:"sizes,omitempty"`
	Stock       map[string]int    `json:"stock,omitempty"`
	MinTier     string            `json:"min_tier,omitempty"`
	Active      bool              `json:"active"`
}

func productToRecord(p *clienteling.Product) *productRecord {
	r := &productRecord{V: 1, Title: p.Title, Description: p.Description, Category: p.Category, Images: p.Images,
		Price: moneyRecord(p.Price), Sizes: p.Sizes, MinTier: p.MinTier, Active: p.IsActive()}
	if len(p.Stock) > 0 {
		r.Stock = make(map[string]int, len(p.Stock))
		for b, n := range p.Stock {
			r.Stock[string(b)] = n
		}
	}
	return r
}

func (r *productRecord) domain(sku string) *clienteling.Product {
	active := r.Active
	p := &clienteling.Product{SKU: clienteling.SKU(sku), Title: r.Title, Description: r.Description, Category: r.Category,
		Images: r.Images, Price: clienteling.Money(r.Price), Sizes: r.Sizes, MinTier: r.MinTier, Active: &active}
	if len(r.Stock) > 0 {
		p.Stock = make(map[clienteling.BoutiqueID]int, len(r.Stock))
		for b, n := range r.Stock {
			p.Stock[clienteling.BoutiqueID(b)] = n
		}
	}
	return p
}

// tokenRecord is an issued token. Version 1 had no expiry, use or
// revocation times; they read as zero: never. Records written before
// tokens could be limited to a brand have none: group-wide, as they were.
type tokenRecord struct {
	V          int       `json:"v"`
	Subject    string    `json:"subject"`
	Role       string    `json:"role"`
	Brand      string    `json:"brand,omitempty"`
	CreatedAt  time.Time `json:"created"`
	ExpiresAt  time.Time `json:"expires,omitzero"`
	LastUsedAt time.Time `json:"used,omitzero"`
	RevokedAt  time.Time `json:"revoked,omitzero"`
}
