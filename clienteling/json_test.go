package clienteling_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// Times that were never set are left out of JSON answers, not written as
// the year 1: a client whose consent was never updated, a conversation not
// yet answered, a card never opened.
func TestUnsetTimesAreOmitted(t *testing.T) {
	t.Parallel()
	set := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		v    any
	}{
		{"Consent", clienteling.Consent{Contact: true}},
		{"Preference", clienteling.Preference{Value: "black"}},
		{"SizePreference", clienteling.SizePreference{Category: "shoes", Size: "37"}},
		{"ImportantDate", clienteling.ImportantDate{Kind: "birthday", Date: "05-12"}},
		{"Conversation", clienteling.Conversation{Customer: "c1", State: "waiting", WaitingSince: set}},
		{"Card", clienteling.Card{CreatedAt: set}},
		{"Order", clienteling.Order{CreatedAt: set}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(b), "0001-01-01") {
				t.Errorf("%s", b)
			}
		})
	}
}
