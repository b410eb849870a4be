package clientelingtest

import (
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/store"
)

// Personal details of a client, each in the form people type it. A reader
// without the right to personal data (the CRM team) must receive none of
// them, in whatever field they were recorded.
const (
	PersonalPhone      = "+8613800138000" // as recorded, E.164
	PersonalPhoneTyped = "138 0013 8000"  // as typed
	PersonalEmail      = "lin.xy@example.com"
	PersonalIDNumber   = "310101199001011234" // a mainland resident ID card
	PersonalAddress    = "南京西路1266号"
	PersonalBirthDate  = "1990-01-01"
	PersonalPlace      = "31.230416" // a shared location's latitude
)

// SeedPersonalData records personal details of client c wherever staff or
// the client can type them: the profile (phone, tags, preference values,
// the note of an important date), messages the client wrote (a text, a
// shared link, a shared location) and an associate's note. c is updated to
// the customer as stored. It returns every string that must not reach a
// reader without the right to personal data: the details above, c's name
// and each of c's channel ids.
func SeedPersonalData(tb testing.TB, db *store.DB, c *clienteling.Customer) []string {
	tb.Helper()
	ctx := clienteling.WithPrincipal(tb.Context(), clienteling.System())
	typed := "mobile " + PersonalPhoneTyped + ", mail " + PersonalEmail + ", ID " + PersonalIDNumber + ", 送到" + PersonalAddress
	stored, err := db.UpdateCustomer(ctx, c.ID, func(s *clienteling.Customer) error {
		s.Phone = PersonalPhone
		s.Tags = append(s.Tags, PersonalEmail, PersonalPhoneTyped)
		p := &s.Preferences
		p.Notes = append(p.Notes, clienteling.Preference{Value: typed, Source: "associate:" + string(s.Advisor)})
		p.Dislikes = append(p.Dislikes, clienteling.Preference{Value: "calls to " + PersonalPhoneTyped + " after 9pm"})
		p.Dates = append(p.Dates, clienteling.ImportantDate{Kind: "birthday", Date: PersonalBirthDate,
			Note: "send flowers to " + PersonalAddress})
		return nil
	})
	if err != nil {
		tb.Fatalf("seed the profile: %v", err)
	}
	*c = *stored
	for i, m := range []clienteling.Message{
		{Type: clienteling.TypeText, Text: "我的手机" + PersonalPhoneTyped + "，邮箱" + PersonalEmail +
			"，身份证" + PersonalIDNumber + "，请寄到" + PersonalAddress + "，我是" + c.Name},
		{Type: clienteling.TypeLink, Text: c.Name + " 的名片",
			Media: "https://example.com/card?tel=13800138000&mail=" + PersonalEmail},
		{Type: clienteling.TypeLocation, Text: PersonalAddress + " (" + PersonalPlace + ", 121.473701)"},
	} {
		m.Channel = c.Identities[0].Channel
		if _, err := db.Receive(ctx, &clienteling.Inbound{Identity: c.Identities[0], Message: m,
			DedupeKey: "personal:" + string(c.ID) + ":" + string(rune('a'+i))}, clienteling.AnnounceReceived); err != nil {
			tb.Fatalf("seed a message: %v", err)
		}
	}
	if err := db.AddNote(ctx, &clienteling.Note{Customer: c.ID, Author: c.Advisor,
		Text: c.Name + " (openid " + c.Identities[0].ExternalID + ") " + typed}); err != nil {
		tb.Fatalf("seed a note: %v", err)
	}
	out := []string{PersonalPhone, "13800138000", PersonalPhoneTyped, PersonalEmail, PersonalIDNumber, PersonalAddress,
		PersonalBirthDate, PersonalPlace, c.Name}
	for _, id := range c.Identities {
		out = append(out, id.ExternalID)
	}
	return out
}
