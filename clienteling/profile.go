package clienteling

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ProfileUpdate changes what the brand remembers of a client. A nil field is
// left as it is; a set list replaces the stored one. Add and Remove change
// lists item by item against the record as stored, so that two associates
// editing the same client keep each other's changes; a whole list is
// replaced first, then Remove, then Add apply. Items the caller sends
// back unchanged keep their recorded source and time, so a console can send
// the whole list it shows; every new or changed item is stamped with the
// acting associate and the time of the update, whatever the caller sent.
type ProfileUpdate struct {
	Sizes      *[]SizePreference `json:"sizes,omitempty"`
	Colours    *[]Preference     `json:"colours,omitempty"`
	Materials  *[]Preference     `json:"materials,omitempty"`
	Categories *[]Preference     `json:"categories,omitempty"`
	Dislikes   *[]Preference     `json:"dislikes,omitempty"`
	Dates      *[]ImportantDate  `json:"dates,omitempty"`
	Notes      *[]Preference     `json:"notes,omitempty"`
	Tags       *[]string         `json:"tags,omitempty"`
	Consent    *ConsentUpdate    `json:"consent,omitempty"`
	// Phone is stored in E.164 form (see NormalizePhone); "" removes it.
	Phone *string `json:"phone,omitempty"`
	// Add records items in the stored lists; one already there is kept
	// as it was. A size replaces the client's size in its category.
	Add *ProfileItems `json:"add,omitempty"`
	// Remove takes items out of the stored lists; one not there is no
	// error. Preferences match by value, sizes by category (and size, if
	// given), dates by kind and date.
	Remove *ProfileItems `json:"remove,omitempty"`
	// IfMatch, when set, is the ETag (see CustomerETag) the change was
	// made against: if the client changed since, nothing is changed and
	// the error is EPRECONDITION. "*" matches any version.
	IfMatch string `json:"-"`
}

// ProfileItems are items to add to or remove from a client's lists, in the
// same shapes as ProfileUpdate's whole lists.
type ProfileItems struct {
	Sizes      []SizePreference `json:"sizes,omitempty"`
	Colours    []Preference     `json:"colours,omitempty"`
	Materials  []Preference     `json:"materials,omitempty"`
	Categories []Preference     `json:"categories,omitempty"`
	Dislikes   []Preference     `json:"dislikes,omitempty"`
	Dates      []ImportantDate  `json:"dates,omitempty"`
	Notes      []Preference     `json:"notes,omitempty"`
	Tags       []string         `json:"tags,omitempty"`
}

// CustomerETag is the version of a customer record as an HTTP entity tag:
// a hash of the record, so any stored change, by any path, changes it. The
// record is read back through JSON first so that a customer just written
// and the same customer read later give the same tag.
func CustomerETag(c *Customer) string {
	b, err := json.Marshal(c)
	if err == nil {
		var canon Customer
		if json.Unmarshal(b, &canon) == nil {
			b, err = json.Marshal(&canon)
		}
	}
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// etagMatches reports whether an If-Match header value names current.
func etagMatches(ifMatch, current string) bool {
	for _, tag := range strings.Split(ifMatch, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || tag == current {
			return true
		}
	}
	return false
}

// ConsentUpdate changes some of a client's consents; nil fields are kept.
type ConsentUpdate struct {
	Contact   *bool `json:"contact,omitempty"`
	Marketing *bool `json:"marketing,omitempty"`
	Profiling *bool `json:"profiling,omitempty"`
}

// NoteStore keeps associates' notes on clients; part of Store.
type NoteStore interface {
	// AddNote stores n, setting its ID if empty. ENOTFOUND if the customer
	// does not exist.
	AddNote(ctx context.Context, n *Note) error
	// Notes returns the customer's notes, newest first.
	Notes(ctx context.Context, customer CustomerID) ([]*Note, error)
}

// MessageSearcher finds messages in one client's history; part of Store.
type MessageSearcher interface {
	// SearchMessages walks the customer's history newest first, from the
	// cursor p.Before, and returns up to p.Limit messages for which match is
	// true. It examines at most maxScan messages; next is the cursor to
	// continue from (usable as MessagePage.Before), empty when the history
	// is exhausted. EINVALID for a malformed cursor.
	SearchMessages(ctx context.Context, customer CustomerID, p MessagePage, match func(*Message) bool, maxScan int) (ms []*Message, next string, err error)
}

// Search bounds.
const (
	// MaxSearchScan bounds the messages one search request examines, so a
	// client with years of history cannot hold a read transaction for long;
	// the caller continues with the returned cursor.
	MaxSearchScan = 20000
	// MaxSearchQuery bounds a search query, in characters.
	MaxSearchQuery = 200
)

// SourceOf is how a change by p is recorded in a preference's Source:
// "associate:<userid>" for staff acting in their own name, "admin" for
// admins and Salon itself.
func SourceOf(p *Principal) string {
	if p == nil || p.Role == RoleAdmin || p.Role == RoleCRM {
		return "admin"
	}
	return "associate:" + p.Subject
}

// canEdit finds a customer the principal may change: the advisor, their
// boutique's managers, admins. Outside one's book it is ENOTFOUND, as for
// reads; the CRM team sees everyone but changes no one (EFORBIDDEN), and a
// colleague covering the client's conversation may read and answer but
// not change what the brand remembers of the client (EFORBIDDEN).
func (s *Service) canEdit(ctx context.Context, id CustomerID) (*Principal, error) {
	c, err := s.FindCustomerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	p := PrincipalFrom(ctx)
	switch {
	case p.Role == RoleCRM:
		return nil, Errorf(EFORBIDDEN, "the crm role may read profiles but not change them")
	case p.Role == RoleAssociate && string(c.Advisor) != p.Subject:
		return nil, Errorf(EFORBIDDEN, "only the client's advisor may change the profile; a covering colleague may read and answer")
	}
	return p, nil
}

// UpdateProfile applies u to the client's preferences, tags and consent, in
// one store transaction, and returns the customer as stored.
func (s *Service) UpdateProfile(ctx context.Context, id CustomerID, u ProfileUpdate) (*Customer, error) {
	p, err := s.canEdit(ctx, id)
	if err != nil {
		return nil, err
	}
	source, now := SourceOf(p), s.clock.Now().UTC()
	return s.store.UpdateCustomer(ctx, id, func(c *Customer) error {
		if u.IfMatch != "" && !etagMatches(u.IfMatch, CustomerETag(c)) {
			return Errorf(EPRECONDITION, "the client was changed since %s was read: read it again and retry", u.IfMatch)
		}
		if u.Phone != nil {
			phone, ok := NormalizePhone(*u.Phone)
			if !ok {
				return FieldError("phone", phoneHelp)
			}
			c.Phone = phone
		}
		if u.Consent != nil {
			set := func(dst *bool, v *bool) {
				if v != nil {
					*dst = *v
				}
			}
			set(&c.Consent.Contact, u.Consent.Contact)
			set(&c.Consent.Marketing, u.Consent.Marketing)
			set(&c.Consent.Profiling, u.Consent.Profiling)
			c.Consent.Source, c.Consent.UpdatedAt = source, now
		}
		old := c.Preferences
		prefs := &c.Preferences
		added := false
		stamp := func(dst *[]Preference, in *[]Preference, field string) error {
			if in == nil {
				return nil
			}
			out, n, err := mergePrefs(*dst, *in, field, source, now)
			*dst, added = out, added || n
			return err
		}
		for _, f := range []struct {
			dst   *[]Preference
			in    *[]Preference
			field string
		}{
			{&prefs.Colours, u.Colours, "colours"},
			{&prefs.Materials, u.Materials, "materials"},
			{&prefs.Categories, u.Categories, "categories"},
			{&prefs.Dislikes, u.Dislikes, "dislikes"},
			{&prefs.Notes, u.Notes, "notes"},
		} {
			if err := stamp(f.dst, f.in, f.field); err != nil {
				return err
			}
		}
		if u.Sizes != nil {
			out, n, err := mergeSizes(old.Sizes, *u.Sizes, source, now)
			if err != nil {
				return err
			}
			prefs.Sizes, added = out, added || n
		}
		if u.Dates != nil {
			out, n, err := mergeDates(old.Dates, *u.Dates, source, now)
			if err != nil {
				return err
			}
			prefs.Dates, added = out, added || n
		}
		n, err := applyItems(c, u.Remove, u.Add, source, now)
		if err != nil {
			return err
		}
		added = added || n
		// Profiling consent is what allows remembering taste: without it,
		// nothing new is recorded (removing items is always allowed).
		if added && !c.Consent.Profiling {
			return Errorf(ECONFLICT, "the client has not consented to profiling: preferences cannot be recorded")
		}
		if u.Tags != nil {
			tags, err := cleanTags(*u.Tags)
			if err != nil {
				return err
			}
			c.Tags = tags
		}
		return applyTags(c, u.Remove, u.Add)
	})
}

// applyItems removes then adds preference items in c, and reports whether
// anything was recorded.
func applyItems(c *Customer, remove, add *ProfileItems, source string, now time.Time) (bool, error) {
	if remove == nil {
		remove = &ProfileItems{}
	}
	if add == nil {
		add = &ProfileItems{}
	}
	prefs := &c.Preferences
	added := false
	for _, f := range []struct {
		dst         *[]Preference
		remove, add []Preference
		field       string
	}{
		{&prefs.Colours, remove.Colours, add.Colours, "colours"},
		{&prefs.Materials, remove.Materials, add.Materials, "materials"},
		{&prefs.Categories, remove.Categories, add.Categories, "categories"},
		{&prefs.Dislikes, remove.Dislikes, add.Dislikes, "dislikes"},
		{&prefs.Notes, remove.Notes, add.Notes, "notes"},
	} {
		out, err := removePrefs(*f.dst, f.remove, "remove."+f.field)
		if err != nil {
			return false, err
		}
		out, n, err := addPrefs(out, f.add, "add."+f.field, source, now)
		if err != nil {
			return false, err
		}
		*f.dst, added = out, added || n
	}
	sizes, err := removeSizes(prefs.Sizes, remove.Sizes)
	if err != nil {
		return false, err
	}
	sizes, n, err := addSizes(sizes, add.Sizes, source, now)
	if err != nil {
		return false, err
	}
	prefs.Sizes, added = sizes, added || n
	dates, err := removeDates(prefs.Dates, remove.Dates)
	if err != nil {
		return false, err
	}
	dates, n, err = addDates(dates, add.Dates, source, now)
	if err != nil {
		return false, err
	}
	prefs.Dates, added = dates, added || n
	return added, nil
}

// removePrefs returns list without the values of in.
func removePrefs(list, in []Preference, field string) ([]Preference, error) {
	if len(in) == 0 {
		return list, nil
	}
	gone := make(map[string]bool, len(in))
	for i, p := range in {
		v := strings.TrimSpace(p.Value)
		if v == "" {
			return nil, FieldError(fmt.Sprintf("%s[%d].value", field, i), "is required")
		}
		gone[v] = true
	}
	out := make([]Preference, 0, len(list))
	for _, p := range list {
		if !gone[p.Value] {
			out = append(out, p)
		}
	}
	return out, nil
}

// addPrefs returns list with the values of in not already there appended,
// stamped, and whether any was.
func addPrefs(list, in []Preference, field, source string, now time.Time) ([]Preference, bool, error) {
	added := false
	for i, p := range in {
		v := strings.TrimSpace(p.Value)
		if v == "" {
			return nil, false, FieldError(fmt.Sprintf("%s[%d].value", field, i), "is required")
		}
		if !hasPref(list, v) {
			list = append(list, Preference{Value: v, Source: source, At: now})
			added = true
		}
	}
	if len(list) > maxPrefItems {
		return nil, false, FieldError(field, "would make more than %d items", maxPrefItems)
	}
	return list, added, nil
}

// hasPref reports whether list holds the value v.
func hasPref(list []Preference, v string) bool {
	for _, p := range list {
		if p.Value == v {
			return true
		}
	}
	return false
}

// removeSizes returns list without the sizes in: a category, or a category
// at one size.
func removeSizes(list, in []SizePreference) ([]SizePreference, error) {
	for i, s := range in {
		category, size := strings.TrimSpace(s.Category), strings.TrimSpace(s.Size)
		if category == "" {
			return nil, FieldError(fmt.Sprintf("remove.sizes[%d].category", i), "is required")
		}
		out := make([]SizePreference, 0, len(list))
		for _, o := range list {
			if o.Category != category || (size != "" && o.Size != size) {
				out = append(out, o)
			}
		}
		list = out
	}
	return list, nil
}

// addSizes records the sizes of in, one per category, and reports whether
// any was new.
func addSizes(list, in []SizePreference, source string, now time.Time) ([]SizePreference, bool, error) {
	added := false
	seen := map[string]bool{}
	for i, s := range in {
		s.Category, s.Size = strings.TrimSpace(s.Category), strings.TrimSpace(s.Size)
		if s.Category == "" || s.Size == "" {
			return nil, false, FieldError(fmt.Sprintf("add.sizes[%d]", i), "category and size are required")
		}
		if seen[s.Category] {
			return nil, false, FieldError(fmt.Sprintf("add.sizes[%d].category", i), "%q is given twice", s.Category)
		}
		seen[s.Category] = true
		stamped := SizePreference{Category: s.Category, Size: s.Size, Source: source, At: now}
		found := false
		for j, o := range list {
			if o.Category == s.Category {
				found = true
				if o.Size != s.Size {
					list[j], added = stamped, true
				}
			}
		}
		if !found {
			list, added = append(list, stamped), true
		}
	}
	if len(list) > maxPrefItems {
		return nil, false, FieldError("add.sizes", "would make more than %d items", maxPrefItems)
	}
	return list, added, nil
}

// removeDates returns list without the dates of in's kinds and dates.
func removeDates(list, in []ImportantDate) ([]ImportantDate, error) {
	for i, d := range in {
		kind, date := strings.TrimSpace(d.Kind), strings.TrimSpace(d.Date)
		if kind == "" {
			return nil, FieldError(fmt.Sprintf("remove.dates[%d].kind", i), "is required")
		}
		if !validDate(date) {
			return nil, FieldError(fmt.Sprintf("remove.dates[%d].date", i), "must be MM-DD or YYYY-MM-DD")
		}
		out := make([]ImportantDate, 0, len(list))
		for _, o := range list {
			if o.Kind != kind || o.Date != date {
				out = append(out, o)
			}
		}
		list = out
	}
	return list, nil
}

// addDates records the dates of in not already there and reports whether
// any was.
func addDates(list, in []ImportantDate, source string, now time.Time) ([]ImportantDate, bool, error) {
	added := false
	for i, d := range in {
		d.Kind, d.Date, d.Note = strings.TrimSpace(d.Kind), strings.TrimSpace(d.Date), strings.TrimSpace(d.Note)
		if d.Kind == "" {
			return nil, false, FieldError(fmt.Sprintf("add.dates[%d].kind", i), "is required")
		}
		if !validDate(d.Date) {
			return nil, false, FieldError(fmt.Sprintf("add.dates[%d].date", i), "must be MM-DD or YYYY-MM-DD")
		}
		known := false
		for _, o := range list {
			known = known || (o.Kind == d.Kind && o.Date == d.Date && o.Note == d.Note)
		}
		if !known {
			list = append(list, ImportantDate{Kind: d.Kind, Date: d.Date, Note: d.Note, Source: source, At: now})
			added = true
		}
	}
	if len(list) > maxPrefItems {
		return nil, false, FieldError("add.dates", "would make more than %d items", maxPrefItems)
	}
	return list, added, nil
}

// applyTags removes then adds tags in c.
func applyTags(c *Customer, remove, add *ProfileItems) error {
	clean := func(in []string, field string) ([]string, error) {
		out := make([]string, 0, len(in))
		for i, t := range in {
			t = strings.TrimSpace(t)
			if t == "" || utf8.RuneCountInString(t) > 50 {
				return nil, FieldError(fmt.Sprintf("%s[%d]", field, i), "must be 1 to 50 characters")
			}
			out = append(out, t)
		}
		return out, nil
	}
	if remove != nil && len(remove.Tags) > 0 {
		gone, err := clean(remove.Tags, "remove.tags")
		if err != nil {
			return err
		}
		out := make([]string, 0, len(c.Tags))
		for _, t := range c.Tags {
			if !slices.Contains(gone, t) {
				out = append(out, t)
			}
		}
		c.Tags = out
	}
	if add != nil && len(add.Tags) > 0 {
		more, err := clean(add.Tags, "add.tags")
		if err != nil {
			return err
		}
		for _, t := range more {
			if !slices.Contains(c.Tags, t) {
				c.Tags = append(c.Tags, t)
			}
		}
		if len(c.Tags) > maxTags {
			return FieldError("add.tags", "would make more than %d tags", maxTags)
		}
	}
	return nil
}

// mergePrefs returns in with the items already in old keeping their source
// and time and the others stamped, and whether any item is new.
func mergePrefs(old, in []Preference, field, source string, now time.Time) ([]Preference, bool, error) {
	if len(in) > maxPrefItems {
		return nil, false, FieldError(field, "at most %d items", maxPrefItems)
	}
	known := make(map[string]Preference, len(old))
	for _, p := range old {
		known[p.Value] = p
	}
	out := make([]Preference, 0, len(in))
	seen := make(map[string]bool, len(in))
	added := false
	for i, p := range in {
		p.Value = strings.TrimSpace(p.Value)
		if p.Value == "" {
			return nil, false, FieldError(fmt.Sprintf("%s[%d].value", field, i), "is required")
		}
		if seen[p.Value] {
			continue // a repeated value adds nothing
		}
		seen[p.Value] = true
		if k, ok := known[p.Value]; ok {
			out = append(out, k)
			continue
		}
		out = append(out, Preference{Value: p.Value, Source: source, At: now})
		added = true
	}
	return out, added, nil
}

// mergeSizes is mergePrefs for sizes: one size per category.
func mergeSizes(old, in []SizePreference, source string, now time.Time) ([]SizePreference, bool, error) {
	if len(in) > maxPrefItems {
		return nil, false, FieldError("sizes", "at most %d items", maxPrefItems)
	}
	out := make([]SizePreference, 0, len(in))
	seen := map[string]bool{}
	added := false
	for i, s := range in {
		s.Category, s.Size = strings.TrimSpace(s.Category), strings.TrimSpace(s.Size)
		if s.Category == "" || s.Size == "" {
			return nil, false, FieldError(fmt.Sprintf("sizes[%d]", i), "category and size are required")
		}
		if seen[s.Category] {
			return nil, false, FieldError(fmt.Sprintf("sizes[%d].category", i), "%q is given twice", s.Category)
		}
		seen[s.Category] = true
		kept := false
		for _, o := range old {
			if o.Category == s.Category && o.Size == s.Size {
				out, kept = append(out, o), true
				break
			}
		}
		if !kept {
			out = append(out, SizePreference{Category: s.Category, Size: s.Size, Source: source, At: now})
			added = true
		}
	}
	return out, added, nil
}

// mergeDates is mergePrefs for important dates.
func mergeDates(old, in []ImportantDate, source string, now time.Time) ([]ImportantDate, bool, error) {
	if len(in) > maxPrefItems {
		return nil, false, FieldError("dates", "at most %d items", maxPrefItems)
	}
	out := make([]ImportantDate, 0, len(in))
	added := false
	for i, d := range in {
		d.Kind, d.Date, d.Note = strings.TrimSpace(d.Kind), strings.TrimSpace(d.Date), strings.TrimSpace(d.Note)
		if d.Kind == "" {
			return nil, false, FieldError(fmt.Sprintf("dates[%d].kind", i), "is required")
		}
		if !validDate(d.Date) {
			return nil, false, FieldError(fmt.Sprintf("dates[%d].date", i), "must be MM-DD or YYYY-MM-DD")
		}
		kept := false
		for _, o := range old {
			if o.Kind == d.Kind && o.Date == d.Date && o.Note == d.Note {
				out, kept = append(out, o), true
				break
			}
		}
		if !kept {
			out = append(out, ImportantDate{Kind: d.Kind, Date: d.Date, Note: d.Note, Source: source, At: now})
			added = true
		}
	}
	return out, added, nil
}

// validDate accepts "MM-DD" (recurring; 02-29 allowed) and "YYYY-MM-DD".
func validDate(s string) bool {
	switch len(s) {
	case 5:
		_, err := time.Parse("2006-01-02", "2000-"+s) // 2000 is a leap year
		return err == nil
	case 10:
		_, err := time.Parse("2006-01-02", s)
		return err == nil
	}
	return false
}

// cleanTags trims and deduplicates tags and checks their bounds.
func cleanTags(in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for i, t := range in {
		t = strings.TrimSpace(t)
		if t == "" || utf8.RuneCountInString(t) > 50 {
			return nil, FieldError(fmt.Sprintf("tags[%d]", i), "must be 1 to 50 characters")
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	if len(out) > maxTags {
		return nil, FieldError("tags", "at most %d tags", maxTags)
	}
	return out, nil
}

// AddNote records an associate's note on a client, authored by the acting
// principal. Who may: as for UpdateProfile.
func (s *Service) AddNote(ctx context.Context, id CustomerID, text string) (*Note, error) {
	p, err := s.canEdit(ctx, id)
	if err != nil {
		return nil, err
	}
	n := &Note{Customer: id, Author: AssociateID(p.Subject), Text: strings.TrimSpace(text), CreatedAt: s.clock.Now().UTC()}
	if n.Text == "" {
		return nil, FieldError("text", "is required")
	}
	if err := Validate(n); err != nil {
		return nil, err
	}
	if err := s.store.AddNote(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

// Notes returns the notes on a client the principal may see, newest first;
// redacted for the CRM team.
func (s *Service) Notes(ctx context.Context, id CustomerID) ([]*Note, error) {
	c, err := s.findReadable(ctx, id)
	if err != nil {
		return nil, err
	}
	ns, err := s.store.Notes(ctx, id)
	if err != nil {
		return nil, err
	}
	return notesFor(ctx, c, ns), nil
}

// MatchText reports whether text contains query, ignoring case. It compares
// characters, not words, so that it works for Chinese, which has no spaces
// between words, as well as for English.
func MatchText(text, query string) bool {
	return strings.Contains(strings.ToLower(text), strings.ToLower(query))
}

// SearchMessages returns, newest first, up to p.Limit messages of a client
// the principal may see whose text contains query (see MatchText). A search
// examines at most MaxSearchScan messages, so a page may hold fewer matches
// than asked, even none, with a cursor to continue; an empty cursor means
// the whole history was searched. The CRM team may not search
// (EFORBIDDEN): a match would tell what a client wrote, however redacted
// the answer.
func (s *Service) SearchMessages(ctx context.Context, id CustomerID, query string, p MessagePage) ([]*Message, string, error) {
	if _, err := s.findReadable(ctx, id); err != nil {
		return nil, "", err
	}
	if err := refuseCRM(ctx, "search a client's messages"); err != nil {
		return nil, "", err
	}
	query = strings.TrimSpace(query)
	if query == "" || utf8.RuneCountInString(query) > MaxSearchQuery {
		return nil, "", FieldError("q", "must be 1 to %d characters", MaxSearchQuery)
	}
	if p.Limit < 0 || p.Limit > MaxPageSize {
		return nil, "", FieldError("limit", "must be between 1 and %d", MaxPageSize)
	}
	if p.Limit == 0 {
		p.Limit = DefaultPageSize
	}
	q := strings.ToLower(query)
	return s.store.SearchMessages(ctx, id, p, func(m *Message) bool {
		return m.Text != "" && strings.Contains(strings.ToLower(m.Text), q)
	}, MaxSearchScan)
}
