package clienteling

import (
	"context"
	"strings"
)

// The CRM team reads every boutique's clients for the figures, never to
// reach a person: what they receive holds no phone number, e-mail or
// street address, no ID or passport number, no WeChat identifier and no
// name. Contact fields are masked (Customer.Masked); whatever staff or a
// client typed is passed through RedactText, with the client's recorded
// details as known strings, since a client writes their own name and
// number in forms no pattern foresees.

// forCRM reports whether the acting principal is the CRM team.
func forCRM(ctx context.Context) bool {
	p := PrincipalFrom(ctx)
	return p != nil && p.Role == RoleCRM
}

// refuseCRM answers EFORBIDDEN to the CRM team for what would find a
// person rather than read the figures: a lookup by WeChat identity, or a
// search of a history (searching for a phone number would tell whether the
// client gave it, redacted or not).
func refuseCRM(ctx context.Context, what string) error {
	if forCRM(ctx) {
		return Errorf(EFORBIDDEN, "the crm role may not %s", what)
	}
	return nil
}

// known returns what is recorded of c that names them, for RedactText:
// name, phone (also without its country code), unionid and channel ids.
func (c *Customer) known() []string {
	k := []string{c.Name, c.Phone, string(c.UnionID)}
	if national, ok := strings.CutPrefix(c.Phone, "+86"); ok {
		k = append(k, national)
	}
	for _, id := range c.Identities {
		k = append(k, id.ExternalID)
	}
	return k
}

// Redacted returns a copy of m for a reader who may see what was said but
// not who said it: every free-text field through RedactText with known,
// and a shared location, which is a place and its coordinates, replaced
// whole.
func (m *Message) Redacted(known ...string) *Message {
	r := *m
	r.Text = RedactText(m.Text, known...)
	if m.Type == TypeLocation && m.Text != "" {
		r.Text = RedactedAddress
	}
	r.Media = RedactText(m.Media, known...)
	r.ErrorReason = RedactText(m.ErrorReason, known...)
	return &r
}

// Redacted returns a copy of n with its text through RedactText.
func (n *Note) Redacted(known ...string) *Note {
	r := *n
	r.Text = RedactText(n.Text, known...)
	return &r
}

// messagesFor returns ms as the acting principal may read them: as stored,
// or redacted for the CRM team. c is the client as stored.
func messagesFor(ctx context.Context, c *Customer, ms []*Message) []*Message {
	if !forCRM(ctx) {
		return ms
	}
	known := c.known()
	out := make([]*Message, len(ms))
	for i, m := range ms {
		out[i] = m.Redacted(known...)
	}
	return out
}

// notesFor is messagesFor for notes.
func notesFor(ctx context.Context, c *Customer, ns []*Note) []*Note {
	if !forCRM(ctx) {
		return ns
	}
	known := c.known()
	out := make([]*Note, len(ns))
	for i, n := range ns {
		out[i] = n.Redacted(known...)
	}
	return out
}

// redacted returns the preferences with every typed value through
// RedactText, and full dates (a birth date is half an ID number) cut to
// month and day, which still tell when a gesture is due.
func (p Preferences) redacted(known []string) Preferences {
	values := func(in []Preference) []Preference {
		if in == nil {
			return nil
		}
		out := make([]Preference, len(in))
		for i, v := range in {
			v.Value, v.Source = RedactText(v.Value, known...), RedactText(v.Source, known...)
			out[i] = v
		}
		return out
	}
	r := Preferences{Colours: values(p.Colours), Materials: values(p.Materials), Categories: values(p.Categories),
		Dislikes: values(p.Dislikes), Notes: values(p.Notes)}
	if p.Sizes != nil {
		r.Sizes = make([]SizePreference, len(p.Sizes))
		for i, s := range p.Sizes {
			s.Category, s.Size = RedactText(s.Category, known...), RedactText(s.Size, known...)
			s.Source = RedactText(s.Source, known...)
			r.Sizes[i] = s
		}
	}
	if p.Dates != nil {
		r.Dates = make([]ImportantDate, len(p.Dates))
		for i, d := range p.Dates {
			if len(d.Date) == len("2006-01-02") {
				d.Date = d.Date[len("2006-"):]
			}
			d.Kind, d.Note = RedactText(d.Kind, known...), RedactText(d.Note, known...)
			d.Source = RedactText(d.Source, known...)
			r.Dates[i] = d
		}
	}
	return r
}
