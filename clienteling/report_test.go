package clienteling_test

import (
	"errors"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// TestEngagementFigures checks the report against figures worked out by
// hand from a known history: the maison's three clients each wrote once at
// noon on 23 November; then amy's client writes twice more and amy answers
// twice and sends a card, sophie answers her client once.
func TestEngagementFigures(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	ctx := clienteling.WithPrincipal(t.Context(), clientelingtest.AsCRM)
	noon := m.Clock.Now()
	add := func(c *clienteling.Customer, dir string, who clienteling.AssociateID, typ string, after time.Duration) {
		t.Helper()
		msg := &clienteling.Message{ID: clienteling.MessageID(clienteling.NewID()), Customer: c.ID, Direction: dir, Channel: "oa",
			Type: typ, Text: "…", Status: clienteling.StatusSent, At: noon.Add(after)}
		msg.Author = clienteling.AuthorClient
		if dir == clienteling.DirectionIn {
			msg.Status = clienteling.StatusReceived
		} else {
			msg.Author, msg.Associate = clienteling.AuthorAssociate, who
		}
		if _, err := m.DB.AppendMessage(ctx, msg); err != nil {
			t.Fatal(err)
		}
	}
	// amy's client: waiting since noon; amy answers at 12:05 (300 s),
	// the client writes at 12:10 and 12:11, amy answers at 12:40 (1800 s
	// from 12:10) and sends a card at 12:41 (nobody waits: no response).
	add(m.Own, clienteling.DirectionOut, "amy", clienteling.TypeText, 5*time.Minute)
	add(m.Own, clienteling.DirectionIn, "", clienteling.TypeText, 10*time.Minute)
	add(m.Own, clienteling.DirectionIn, "", clienteling.TypeText, 11*time.Minute)
	add(m.Own, clienteling.DirectionOut, "amy", clienteling.TypeText, 40*time.Minute)
	add(m.Own, clienteling.DirectionOut, "amy", clienteling.TypeCard, 41*time.Minute)
	// sophie's client: answered at 13:00 (3600 s). The next day's message
	// falls outside the range.
	add(m.Sophies, clienteling.DirectionOut, "sophie", clienteling.TypeText, time.Hour)
	add(m.Sophies, clienteling.DirectionIn, "", clienteling.TypeText, 24*time.Hour)

	rep, err := m.Service.Engagement(ctx, clienteling.EngagementFilter{From: "2026-11-23", To: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	byAssociate := map[clienteling.AssociateID]clienteling.EngagementRow{}
	for _, r := range rep.Associates {
		byAssociate[r.Associate] = r
	}
	amy, sophie, ben := byAssociate["amy"], byAssociate["sophie"], byAssociate["ben"]
	if amy.MessagesIn != 3 || amy.MessagesOut != 3 || amy.ClientsWriting != 1 || amy.Responses != 2 || amy.CardsSent != 1 {
		t.Errorf("amy: %+v; want 3 in, 3 out, 1 client writing, 2 responses, 1 card", amy)
	}
	// Nearest rank over [300, 1800]: p50 the first, p90 the second.
	if amy.FirstResponseP50 != 300 || amy.FirstResponseP90 != 1800 {
		t.Errorf("amy's first responses p50 %v p90 %v, want 300 and 1800", amy.FirstResponseP50, amy.FirstResponseP90)
	}
	if sophie.MessagesIn != 1 || sophie.MessagesOut != 1 || sophie.Responses != 1 || sophie.FirstResponseP50 != 3600 {
		t.Errorf("sophie: %+v; want 1 in, 1 out, one response of 3600 s", sophie)
	}
	if ben.MessagesIn != 1 || ben.Responses != 0 {
		t.Errorf("ben: %+v; want 1 in, no response", ben)
	}
	if rep.Total.MessagesIn != 5 || rep.Total.MessagesOut != 4 || rep.Total.ClientsWriting != 3 || rep.Total.Responses != 3 {
		t.Errorf("total: %+v; want 5 in, 4 out, 3 clients writing, 3 responses", rep.Total)
	}
	// Over [300, 1800, 3600]: p50 is 1800, p90 3600.
	if rep.Total.FirstResponseP50 != 1800 || rep.Total.FirstResponseP90 != 3600 {
		t.Errorf("total p50 %v p90 %v, want 1800 and 3600", rep.Total.FirstResponseP50, rep.Total.FirstResponseP90)
	}
	if len(rep.Boutiques) != 2 || rep.Boutiques[0].Boutique != "bj-skp" || rep.Boutiques[1].MessagesIn != 4 {
		t.Errorf("boutiques: %+v; want bj-skp, then sh-plaza66 with 4 in", rep.Boutiques)
	}

	// The next day holds only sophie's client's message, still unanswered.
	next, err := m.Service.Engagement(ctx, clienteling.EngagementFilter{From: "2026-11-24", To: "2026-11-24"})
	if err != nil {
		t.Fatal(err)
	}
	if next.Total.MessagesIn != 1 || next.Total.Responses != 0 {
		t.Errorf("next day: %+v; want 1 in, no response", next.Total)
	}
}

func TestEngagementScopeAndRange(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	day := clienteling.EngagementFilter{From: "2026-11-23", To: "2026-11-23"}
	if _, err := m.Service.Engagement(clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate), day); clienteling.ErrorCode(err) != clienteling.EFORBIDDEN {
		t.Errorf("associate: got %v, want %s", err, clienteling.EFORBIDDEN)
	}
	manager := clienteling.WithPrincipal(t.Context(), clientelingtest.AsManager)
	rep, err := m.Service.Engagement(manager, day)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range append(rep.Boutiques, rep.Associates...) {
		if r.Boutique != "sh-plaza66" {
			t.Errorf("the manager of sh-plaza66 sees %+v", r)
		}
	}
	other := day
	other.Boutique = "bj-skp"
	if _, err := m.Service.Engagement(manager, other); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Errorf("another boutique's report: got %v, want %s", err, clienteling.ENOTFOUND)
	}
	crm := clienteling.WithPrincipal(t.Context(), clientelingtest.AsCRM)
	for _, tc := range []struct{ from, to, field string }{
		{"2026-11-24", "2026-11-23", "to"},
		{"2026-01-01", "2027-01-02", "to"},
		{"23/11/2026", "2026-11-23", "from"},
		{"2026-11-23", "", "to"},
	} {
		_, err := m.Service.Engagement(crm, clienteling.EngagementFilter{From: tc.from, To: tc.to})
		var e *clienteling.Error
		if clienteling.ErrorCode(err) != clienteling.EINVALID || !errors.As(err, &e) || e.Field != tc.field {
			t.Errorf("%s..%s: got %v, want %s on %s", tc.from, tc.to, err, clienteling.EINVALID, tc.field)
		}
	}
	if _, err := m.Service.Engagement(crm, clienteling.EngagementFilter{From: "2026-01-01", To: "2027-01-01"}); err != nil {
		t.Errorf("366 days: %v", err)
	}
}
