package importer

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// SourceImport is the Source of the consent and preferences a CSV import
// records, so that an associate can tell what a client said from what was
// loaded in bulk.
const SourceImport = "import"

var customersKind = kind[clienteling.Customer]{
	columns: []string{"name", "channel", "external_id", "unionid", "tier", "language", "advisor", "boutique",
		"phone", "tags", "consent_contact", "consent_marketing", "consent_profiling",
		"sizes", "colours", "materials", "categories", "dislikes", "dates"},
	required: [][]string{{"channel"}, {"external_id"}},
	fromCSV:  customerFromCSV,
	check:    checkCustomer,
	keys:     customerKeys,
	cellFields: map[string]string{"channel": "external_id", "external_id": "identities",
		"sizes": "preferences.sizes", "dates": "preferences.dates",
		"consent_contact": "consent", "consent_marketing": "consent", "consent_profiling": "consent"},
}

func customerFromCSV(c *cells) *clienteling.Customer {
	cu := &clienteling.Customer{
		Name:     c.get("name"),
		UnionID:  clienteling.UnionID(c.get("unionid")),
		Tier:     strings.ToLower(c.get("tier")),
		Language: c.get("language"),
		Advisor:  clienteling.AssociateID(c.get("advisor")),
		Boutique: clienteling.BoutiqueID(c.get("boutique")),
		Phone:    c.get("phone"),
		Tags:     c.list("tags"),
	}
	channel, ext := strings.ToLower(c.get("channel")), c.get("external_id")
	switch {
	case channel != "" && ext != "":
		cu.Identities = []clienteling.Identity{{Channel: channel, ExternalID: ext}}
	case channel != "":
		c.fail("external_id", "is required when channel is set")
	case ext != "":
		c.fail("channel", "is required when external_id is set")
	}
	consent := []struct {
		col string
		to  *bool
	}{
		{"consent_contact", &cu.Consent.Contact},
		{"consent_marketing", &cu.Consent.Marketing},
		{"consent_profiling", &cu.Consent.Profiling},
	}
	for _, x := range consent {
		if c.has(x.col) {
			cu.Consent.Source = SourceImport
		}
		if s := c.get(x.col); s != "" {
			v, ok := parseBool(s)
			if !ok {
				c.fail(x.col, "must be yes or no")
			}
			*x.to = v
		}
	}
	p := &cu.Preferences
	for _, item := range c.list("sizes") {
		cat, size, ok := strings.Cut(item, ":")
		cat, size = strings.TrimSpace(cat), strings.TrimSpace(size)
		if !ok || cat == "" || size == "" {
			c.fail("sizes", "must be CATEGORY:SIZE pairs separated by |, such as shoes:37|rtw:M")
			break
		}
		p.Sizes = append(p.Sizes, clienteling.SizePreference{Category: cat, Size: size, Source: SourceImport})
	}
	for _, item := range c.list("dates") {
		k, date, ok := strings.Cut(item, ":")
		k, date = strings.TrimSpace(k), strings.TrimSpace(date)
		if !ok || k == "" || date == "" {
			c.fail("dates", "must be KIND:DATE pairs separated by |, such as birthday:05-18|anniversary:2019-09-12")
			break
		}
		p.Dates = append(p.Dates, clienteling.ImportantDate{Kind: k, Date: date, Source: SourceImport})
	}
	p.Colours = preferences(c.list("colours"))
	p.Materials = preferences(c.list("materials"))
	p.Categories = preferences(c.list("categories"))
	p.Dislikes = preferences(c.list("dislikes"))
	return cu
}

func preferences(values []string) []clienteling.Preference {
	var out []clienteling.Preference
	for _, v := range values {
		out = append(out, clienteling.Preference{Value: v, Source: SourceImport})
	}
	return out
}

// checkCustomer normalizes and validates a customer to be created, whose
// advisor and boutique must exist.
func checkCustomer(c *clienteling.Customer, f Format, k *known) []*clienteling.Error {
	var errs []*clienteling.Error
	if c.ID != "" {
		// Ids are made by the store; a given one would collide or be malformed.
		errs = append(errs, clienteling.FieldError("id", "is given by Salon: leave it out of an import"))
	}
	c.Normalize()
	if len(c.Identities) == 0 && c.UnionID == "" {
		field := "identities"
		if f == CSV {
			field = "external_id"
		}
		errs = append(errs, clienteling.FieldError(field, "a customer needs a channel identity or a unionid"))
	}
	errs = append(errs, clienteling.ValidateAll(c)...)
	for i, id := range c.Identities {
		if slices.Contains(c.Identities[:i], id) {
			errs = append(errs, clienteling.FieldError(fmt.Sprintf("identities[%d]", i), "is listed twice"))
		}
	}
	for i, d := range c.Preferences.Dates {
		field := fmt.Sprintf("preferences.dates[%d].date", i)
		if !reported(errs, field) && !calendarDate(d.Date) {
			errs = append(errs, clienteling.FieldError(field, "must be MM-DD or YYYY-MM-DD"))
		}
	}
	if k == nil {
		return errs
	}
	if c.Advisor != "" && !reported(errs, "advisor") && !k.associates[c.Advisor] {
		errs = append(errs, &clienteling.Error{Code: clienteling.ENOTFOUND, Field: "advisor", Message: "no such associate: import the associates first"})
	}
	if c.Boutique != "" && !reported(errs, "boutique") && !k.boutiques[c.Boutique] {
		errs = append(errs, noBoutique())
	}
	return errs
}

// calendarDate reports whether s is a real date written MM-DD (recurring)
// or YYYY-MM-DD. February 29th is a date: people are born on it.
func calendarDate(s string) bool {
	if len(s) == len("01-02") {
		s = "2000-" + s // a leap year, so that 02-29 parses
	}
	if len(s) != len("2006-01-02") {
		return false
	}
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}

// customerKeys are a customer's identities and unionid: each names one
// person, so two rows holding the same one would be two records of one client.
func customerKeys(c *clienteling.Customer, f Format) []uniqueKey {
	var keys []uniqueKey
	for i, id := range c.Identities {
		if id.ExternalID == "" {
			continue
		}
		field := "external_id"
		if f == JSON {
			field = fmt.Sprintf("identities[%d].external_id", i)
		}
		keys = append(keys, uniqueKey{field: field, value: "id\x00" + id.Channel + "\x00" + id.ExternalID})
	}
	if c.UnionID != "" {
		keys = append(keys, uniqueKey{field: "unionid", value: "union\x00" + string(c.UnionID)})
	}
	return keys
}
