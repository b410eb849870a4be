package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

func TestNotesRoundTripAndErasure(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	c := mustCreateCustomer(t, db, newCustomer("oNotes"))
	other := mustCreateCustomer(t, db, newCustomer("oNotesOther"))
	at := time.Date(2026, 5, 20, 10, 0, 0, 0, time.UTC)
	for i, text := range []string{"喜欢黑色", "Prefers morning visits", "same time, later note"} {
		n := &clienteling.Note{Customer: c.ID, Author: "amy", Text: text, CreatedAt: at.Add(time.Duration(min(i, 1)) * time.Hour)}
		if err := db.AddNote(ctx, n); err != nil {
			t.Fatal(err)
		}
		if n.ID == "" {
			t.Fatal("no id set")
		}
	}
	if err := db.AddNote(ctx, &clienteling.Note{Customer: other.ID, Author: "amy", Text: "someone else"}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Notes(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, n := range got {
		texts = append(texts, n.Text)
		if n.Customer != c.ID || n.Author != "amy" || n.CreatedAt.IsZero() {
			t.Fatalf("note %+v", n)
		}
	}
	if want := "[same time, later note Prefers morning visits 喜欢黑色]"; fmt.Sprint(texts) != want {
		t.Fatalf("got %v, want %s (newest first)", texts, want)
	}
	if !got[2].CreatedAt.Equal(at) {
		t.Fatalf("time %v, want %v", got[2].CreatedAt, at)
	}

	err = db.AddNote(ctx, &clienteling.Note{Customer: clienteling.CustomerID(clienteling.NewID()), Author: "amy", Text: "x"})
	if clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("note on no one: %v, want not found", err)
	}

	if err := db.DeleteCustomer(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Notes(ctx, c.ID); err != nil || len(got) != 0 {
		t.Fatalf("after erasure: %d notes, %v", len(got), err)
	}
	if got, err := db.Notes(ctx, other.ID); err != nil || len(got) != 1 {
		t.Fatalf("another client's notes after erasure: %d, %v", len(got), err)
	}
}

func TestSearchMessages(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	c := mustCreateCustomer(t, db, newCustomer("oSearch"))
	other := mustCreateCustomer(t, db, newCustomer("oSearchOther"))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ms []*clienteling.Message
	for i := 0; i < 300; i++ {
		text := fmt.Sprintf("message %d", i)
		switch i % 10 {
		case 3:
			text = fmt.Sprintf("第%d条：黑色中号有货吗？", i)
		case 7:
			text = fmt.Sprintf("%d: the BLACK one, please", i)
		}
		ms = append(ms, textMessage(c.ID, text, base.Add(time.Duration(i)*time.Minute)))
	}
	ms = append(ms, textMessage(other.ID, "黑色 black", base))
	if err := db.AppendMessages(ctx, ms); err != nil {
		t.Fatal(err)
	}
	match := func(q string) func(*clienteling.Message) bool {
		return func(m *clienteling.Message) bool { return clienteling.MatchText(m.Text, q) }
	}
	// all pages through a search, and the texts found in order.
	all := func(t *testing.T, q string, limit, maxScan int) (found []string, pages int) {
		t.Helper()
		cursor := ""
		for {
			page, next, err := db.SearchMessages(ctx, c.ID, clienteling.MessagePage{Limit: limit, Before: cursor}, match(q), maxScan)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(page) > limit {
				t.Fatalf("page of %d, limit %d", len(page), limit)
			}
			for _, m := range page {
				if m.Customer != c.ID {
					t.Fatal("another client's message")
				}
				found = append(found, m.Text)
			}
			if next == "" {
				return found, pages
			}
			cursor = next
		}
	}
	for _, tc := range []struct {
		name           string
		q              string
		limit, maxScan int
		want, first    string
		wantPages      int
	}{
		{"Chinese", "黑色", 7, 20000, "30", "第293条：黑色中号有货吗？", 5},
		{"EnglishAnyCase", "black", 100, 20000, "30", "297: the BLACK one, please", 1},
		{"BoundedScan", "黑色", 100, 45, "30", "第293条：黑色中号有货吗？", 7},
		{"NoMatch", "红色", 10, 20000, "0", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found, pages := all(t, tc.q, tc.limit, tc.maxScan)
			if fmt.Sprint(len(found)) != tc.want || pages != tc.wantPages {
				t.Fatalf("found %d in %d pages, want %s in %d", len(found), pages, tc.want, tc.wantPages)
			}
			if len(found) > 0 && found[0] != tc.first {
				t.Fatalf("first %q, want %q", found[0], tc.first)
			}
			seen := map[string]bool{}
			for _, f := range found {
				if seen[f] {
					t.Fatalf("%q found twice", f)
				}
				seen[f] = true
			}
		})
	}
	if _, _, err := db.SearchMessages(ctx, c.ID, clienteling.MessagePage{Before: "!!"}, match("x"), 10); clienteling.ErrorCode(err) != clienteling.EINVALID {
		t.Fatalf("malformed cursor: %v", err)
	}
}
