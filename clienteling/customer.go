package clienteling

import (
	"context"
	"time"
)

// Channels a client can reach the brand through.
const (
	ChannelOA    = "oa"    // Official Account; external id is the openid
	ChannelWeCom = "wecom" // WeCom customer contact and 微信客服; external id is the external_userid
)

// Client tiers, highest first. The top tier is answered fastest.
const (
	TierTop      = "vvip"
	TierVIP      = "vip"
	TierClient   = "client"
	DefaultTier  = TierClient
	DefaultLang  = "zh-CN"
	maxTags      = 50
	maxPrefItems = 200
)

// Identity is how one channel knows a client.
type Identity struct {
	Channel    string `json:"channel" validate:"required,oneof=oa wecom"`
	ExternalID string `json:"external_id" validate:"required,max=128"`
}

// Customer is one person, however many channels they write from. Merged
// across channels by UnionID when WeChat provides it.
type Customer struct {
	ID          CustomerID  `json:"id"`
	Name        string      `json:"name,omitempty" validate:"max=200"`
	Identities  []Identity  `json:"identities" validate:"max=10,dive"`
	UnionID     UnionID     `json:"unionid,omitempty" validate:"max=128"`
	Tier        string      `json:"tier" validate:"required,oneof=vvip vip client"`
	Language    string      `json:"language" validate:"required,lang"`
	Advisor     AssociateID `json:"advisor,omitempty" validate:"omitempty,userid"`
	Boutique    BoutiqueID  `json:"boutique,omitempty" validate:"omitempty,slug"`
	Tags        []string    `json:"tags,omitempty" validate:"max=50,dive,required,max=50"`
	Phone       string      `json:"phone,omitempty" validate:"omitempty,phone"`
	Consent     Consent     `json:"consent"`
	Preferences Preferences `json:"preferences"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// Normalize fills defaults for fields a caller may leave empty and writes
// the phone number in E.164 form (see NormalizePhone). A phone it cannot read
// is left as it is, for Validate to refuse.
func (c *Customer) Normalize() {
	if p, ok := NormalizePhone(c.Phone); ok {
		c.Phone = p
	}
	if c.Tier == "" {
		c.Tier = DefaultTier
	}
	if c.Language == "" {
		c.Language = DefaultLang
	}
}

// HasIdentity reports whether the customer is known under id.
func (c *Customer) HasIdentity(id Identity) bool {
	for _, have := range c.Identities {
		if have == id {
			return true
		}
	}
	return false
}

// Masked returns a copy for the CRM role: the name replaced, the phone and
// channel ids masked as in logs, and whatever staff typed (tags,
// preferences, notes on dates, the consent's source) redacted, with full
// dates cut to month and day. Even part of a name names someone, so none
// of it is kept.
func (c *Customer) Masked() *Customer {
	known := c.known()
	m := *c
	if c.Name != "" {
		m.Name = RedactedName
	}
	m.Phone = Mask(c.Phone)
	m.Identities = make([]Identity, len(c.Identities))
	for i, id := range c.Identities {
		m.Identities[i] = Identity{Channel: id.Channel, ExternalID: Mask(id.ExternalID)}
	}
	m.UnionID = UnionID(Mask(string(c.UnionID)))
	if c.Tags != nil {
		m.Tags = make([]string, len(c.Tags))
		for i, t := range c.Tags {
			m.Tags[i] = RedactText(t, known...)
		}
	}
	m.Preferences = c.Preferences.redacted(known)
	m.Consent.Source = RedactText(c.Consent.Source, known...)
	return &m
}

// Consent is what the client agreed to, and when and how that was recorded.
type Consent struct {
	Contact   bool      `json:"contact"`   // may be contacted one-to-one by an advisor
	Marketing bool      `json:"marketing"` // may receive campaigns
	Profiling bool      `json:"profiling"` // preferences may be kept
	Source    string    `json:"source,omitempty" validate:"max=100"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Preferences is what the brand knows of a client's taste. Every item says
// where it came from (the client in chat, an associate, an import) and when.
type Preferences struct {
	Sizes      []SizePreference `json:"sizes,omitempty" validate:"max=200,dive"`
	Colours    []Preference     `json:"colours,omitempty" validate:"max=200,dive"`
	Materials  []Preference     `json:"materials,omitempty" validate:"max=200,dive"`
	Categories []Preference     `json:"categories,omitempty" validate:"max=200,dive"`
	Dislikes   []Preference     `json:"dislikes,omitempty" validate:"max=200,dive"`
	Dates      []ImportantDate  `json:"dates,omitempty" validate:"max=200,dive"`
	Notes      []Preference     `json:"notes,omitempty" validate:"max=200,dive"`
}

// Preference is one remembered fact.
type Preference struct {
	Value  string    `json:"value" validate:"required,max=500"`
	Source string    `json:"source,omitempty" validate:"max=100"`
	At     time.Time `json:"at,omitzero"`
}

// SizePreference is the client's size in one category, e.g. shoes 37.
type SizePreference struct {
	Category string    `json:"category" validate:"required,max=50"`
	Size     string    `json:"size" validate:"required,max=20"`
	Source   string    `json:"source,omitempty" validate:"max=100"`
	At       time.Time `json:"at,omitzero"`
}

// ImportantDate is a date worth a gesture: a birthday, an anniversary.
// Date is "MM-DD" (recurring) or "YYYY-MM-DD".
type ImportantDate struct {
	Kind   string    `json:"kind" validate:"required,max=50"`
	Date   string    `json:"date" validate:"required,max=10"`
	Note   string    `json:"note,omitempty" validate:"max=500"`
	Source string    `json:"source,omitempty" validate:"max=100"`
	At     time.Time `json:"at,omitzero"`
}

// CustomerFilter selects customers; zero fields match everything.
type CustomerFilter struct {
	Advisor  *AssociateID
	Boutique *BoutiqueID
	After    CustomerID // for paging: ids greater than this
	Limit    int        // 0 means no limit
}

// CustomerStore keeps customers and their identity indexes.
type CustomerStore interface {
	// CreateCustomers stores new customers, with ids and times set by the
	// store, in one transaction. ECONFLICT if an identity or unionid already
	// belongs to someone.
	CreateCustomers(ctx context.Context, cs []*Customer) error
	// FindCustomerByID returns the customer or ENOTFOUND.
	FindCustomerByID(ctx context.Context, id CustomerID) (*Customer, error)
	// FindCustomerByIdentity returns the customer known under id, or ENOTFOUND.
	FindCustomerByIdentity(ctx context.Context, id Identity) (*Customer, error)
	// FindCustomerByUnionID returns the customer with that unionid, or ENOTFOUND.
	FindCustomerByUnionID(ctx context.Context, id UnionID) (*Customer, error)
	// FindCustomers returns customers in id order.
	FindCustomers(ctx context.Context, f CustomerFilter) ([]*Customer, error)
	// UpdateCustomer applies fn to the stored customer in one transaction and
	// keeps every index in step. fn's error aborts the update.
	UpdateCustomer(ctx context.Context, id CustomerID, fn func(*Customer) error) (*Customer, error)
	// DeleteCustomer removes the customer, their messages, notes and index
	// entries in one transaction (erasure). ENOTFOUND if absent.
	DeleteCustomer(ctx context.Context, id CustomerID) error
}
