package clienteling_test

import (
	"testing"

	"github.com/salonhq/salon/clienteling"
)

func TestDecideLink(t *testing.T) {
	t.Parallel()
	amy := &clienteling.Associate{UserID: "amy", Boutique: "sh-plaza66", Status: "active"}
	ben := &clienteling.Associate{UserID: "ben", Boutique: "bj-skp", Status: "active"}
	gone := &clienteling.Associate{UserID: "gone", Boutique: "bj-skp", Status: "departed"}
	tests := []struct {
		name         string
		advisor      clienteling.AssociateID
		link         clienteling.Link
		associate    *clienteling.Associate
		wantAdvisor  clienteling.AssociateID // "" for no change
		wantUnlinked bool
		wantSubjects []string
	}{
		{"OK/FirstScanLinks", "", clienteling.Link{Associate: "amy"}, amy, "amy", false,
			[]string{"salon.events.customer.linked", "salon.notify.associate.amy"}},
		{"OK/ScanOfAnotherKeepsAdvisor", "amy", clienteling.Link{Associate: "ben"}, ben, "", false,
			[]string{"salon.events.customer.scanned", "salon.notify.associate.amy", "salon.notify.associate.ben"}},
		{"OK/ScanOfOwnAdvisor", "amy", clienteling.Link{Associate: "amy"}, amy, "", false, nil},
		{"ErrUnknownAssociate", "", clienteling.Link{Associate: "nobody"}, nil, "", false,
			[]string{"salon.events.link.unknown_associate"}},
		{"ErrDepartedAssociate", "", clienteling.Link{Associate: "gone"}, gone, "", false,
			[]string{"salon.events.link.unknown_associate"}},
		{"OK/UnlinkByAdvisor", "amy", clienteling.Link{Associate: "amy", Unlink: true}, amy, "", true,
			[]string{"salon.events.customer.unlinked", "salon.notify.boutique.sh-plaza66"}},
		{"OK/UnlinkByAnother", "amy", clienteling.Link{Associate: "ben", Unlink: true}, ben, "", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clienteling.Customer{ID: "C1", Advisor: tt.advisor}
			got := clienteling.DecideLink(c, &tt.link, tt.associate)
			var gotAdvisor clienteling.AssociateID
			if got.SetAdvisor != nil {
				gotAdvisor = got.SetAdvisor.UserID
			}
			if gotAdvisor != tt.wantAdvisor || got.Unlinked != tt.wantUnlinked {
				t.Fatalf("got advisor %q unlinked %v, want %q %v", gotAdvisor, got.Unlinked, tt.wantAdvisor, tt.wantUnlinked)
			}
			var subjects []string
			for _, e := range got.Events {
				subjects = append(subjects, e.Subject)
			}
			if len(subjects) != len(tt.wantSubjects) {
				t.Fatalf("got subjects %v, want %v", subjects, tt.wantSubjects)
			}
			for i := range subjects {
				if subjects[i] != tt.wantSubjects[i] {
					t.Fatalf("got subjects %v, want %v", subjects, tt.wantSubjects)
				}
			}
		})
	}
}
