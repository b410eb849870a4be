package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

// TestProfileAPI: over real HTTP, an associate updates her client's
// preferences and each change records who and when; staff outside the
// client's book see nothing and the CRM team may not write; notes are kept
// with their author; a search finds a Chinese phrase in the demo history.
func TestProfileAPI(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	// The demo client who asked Amy about the black bag.
	c, err := m.DB.FindCustomerByIdentity(t.Context(), clienteling.Identity{Channel: "oa", ExternalID: "oDEMOWK59PFkl0JfI2yyVlbPegBP"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Advisor != "amy" {
		t.Fatalf("demo client's advisor is %q, want amy", c.Advisor)
	}
	base := "/api/v1/customers/" + string(c.ID)
	amy := issueToken(t, m, "amy", "associate")
	chen := issueToken(t, m, "chenjing", "manager")
	sophie := issueToken(t, m, "sophie", "associate")
	crm := issueToken(t, m, "crm-team", "crm")

	colours := append(c.Preferences.Colours, clienteling.Preference{Value: "酒红色", Source: "forged", At: c.CreatedAt})
	var got clienteling.Customer
	if code := call(t, m, "PATCH", base+"/profile", amy, map[string]any{
		"colours": colours, "tags": []string{"bags", "VIC"},
		"dates": []map[string]string{{"kind": "birthday", "date": "03-08"}},
	}, &got); code != http.StatusOK {
		t.Fatalf("amy's update: %d", code)
	}
	byValue := map[string]clienteling.Preference{}
	for _, p := range got.Preferences.Colours {
		byValue[p.Value] = p
	}
	if p := byValue["酒红色"]; p.Source != "associate:amy" || p.At.IsZero() || p.At.Equal(c.CreatedAt) {
		t.Fatalf("new colour recorded as %+v, want source associate:amy and the time of the change", p)
	}
	for _, old := range c.Preferences.Colours {
		if p := byValue[old.Value]; p.Source != old.Source {
			t.Fatalf("unchanged colour %q: source %q, want %q kept", old.Value, p.Source, old.Source)
		}
	}
	if len(got.Preferences.Dates) != 1 || got.Preferences.Dates[0].Source != "associate:amy" || strings.Join(got.Tags, ",") != "bags,VIC" {
		t.Fatalf("dates %+v, tags %v", got.Preferences.Dates, got.Tags)
	}
	if code := call(t, m, "GET", base, amy, nil, &got); code != http.StatusOK || len(got.Preferences.Colours) != len(colours) {
		t.Fatalf("read back: %d, colours %+v", code, got.Preferences.Colours)
	}

	for _, tc := range []struct {
		name, token string
		body        any
		want        int
	}{
		{"ManagerOK", chen, map[string]any{"tags": []string{"bags"}}, http.StatusOK},
		{"ErrOtherBoutique", sophie, map[string]any{"tags": []string{"x"}}, http.StatusNotFound},
		{"ErrCRMReadOnly", crm, map[string]any{"tags": []string{"x"}}, http.StatusForbidden},
		{"ErrUnknownField", amy, `{"colour": []}`, http.StatusBadRequest},
		{"ErrBadDate", amy, map[string]any{"dates": []map[string]string{{"kind": "birthday", "date": "13-40"}}}, http.StatusBadRequest},
		{"ErrEmptyValue", amy, map[string]any{"materials": []map[string]string{{"value": " "}}}, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code := call(t, m, "PATCH", base+"/profile", tc.token, tc.body, nil); code != tc.want {
				t.Fatalf("got %d, want %d", code, tc.want)
			}
		})
	}

	var note clienteling.Note
	if code := call(t, m, "POST", base+"/notes", amy, map[string]string{"text": "周末来店，想看黑色中号"}, &note); code != http.StatusCreated {
		t.Fatalf("add note: %d", code)
	}
	if code := call(t, m, "POST", base+"/notes", sophie, map[string]string{"text": "x"}, nil); code != http.StatusNotFound {
		t.Fatalf("sophie's note: %d, want 404", code)
	}
	if code := call(t, m, "POST", base+"/notes", crm, map[string]string{"text": "x"}, nil); code != http.StatusForbidden {
		t.Fatalf("crm's note: %d, want 403", code)
	}
	var notes struct{ Notes []clienteling.Note }
	if code := call(t, m, "GET", base+"/notes", chen, nil, &notes); code != http.StatusOK ||
		len(notes.Notes) != 1 || notes.Notes[0].Author != "amy" || notes.Notes[0].CreatedAt.IsZero() || notes.Notes[0].ID != note.ID {
		t.Fatalf("notes: %d, %+v", code, notes.Notes)
	}
	if code := call(t, m, "GET", base+"/notes", sophie, nil, nil); code != http.StatusNotFound {
		t.Fatalf("sophie reads notes: %d, want 404", code)
	}

	var page struct {
		Messages []clienteling.Message
		Next     string
	}
	if code := call(t, m, "GET", base+"/messages?limit=1&q="+url.QueryEscape("黑色"), amy, nil, &page); code != http.StatusOK ||
		len(page.Messages) != 1 || !strings.Contains(page.Messages[0].Text, "黑色") || page.Next == "" {
		t.Fatalf("search: %d, %+v", code, page)
	}
	first := page.Messages[0].ID
	if code := call(t, m, "GET", base+"/messages?limit=1&q="+url.QueryEscape("黑色")+"&before="+page.Next, amy, nil, &page); code != http.StatusOK ||
		len(page.Messages) != 1 || !strings.Contains(page.Messages[0].Text, "黑色") || page.Messages[0].ID == first {
		t.Fatalf("search, second page: %d, %+v", code, page)
	}
	if code := call(t, m, "GET", base+"/messages?q=", amy, nil, nil); code != http.StatusBadRequest {
		t.Fatalf("empty query: %d, want 400", code)
	}
	if code := call(t, m, "GET", base+"/messages?q=x", sophie, nil, nil); code != http.StatusNotFound {
		t.Fatalf("sophie searches: %d, want 404", code)
	}
}
