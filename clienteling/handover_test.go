package clienteling_test

import (
	"encoding/json"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// outboxHas reports whether an event of type typ to subject waits in the
// outbox.
func outboxHas(t *testing.T, m *clientelingtest.Maison, subject, typ string) bool {
	t.Helper()
	pending, err := m.DB.PendingEvents(t.Context(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pending {
		var p struct{ Type string }
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if e.Subject == subject && p.Type == typ {
			return true
		}
	}
	return false
}

// An associate who sets themself away hands their waiting conversation to
// a colleague on duty; a manager recording a departure does the same.
func TestUpdateAssociateHandsConversationsOver(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	amy := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAssociate)
	manager := clienteling.WithPrincipal(t.Context(), clientelingtest.AsManager)
	status := func(s string) *clienteling.AssociatePatch { return &clienteling.AssociatePatch{Status: &s} }

	if _, err := m.Service.UpdateAssociate(amy, "amy", status(clienteling.StatusAway)); err != nil {
		t.Fatal(err)
	}
	conv, err := m.Service.Conversation(manager, m.Own.ID)
	if err != nil {
		t.Fatal(err)
	}
	if conv.Assignee != "sophie" || !conv.Queue || conv.Routing[len(conv.Routing)-1].Reason != clienteling.RouteAdvisorAway {
		t.Fatalf("after amy went away: %+v", conv)
	}
	for _, e := range [][2]string{{"salon.notify.boutique.sh-plaza66", clienteling.EventConversationQueued},
		{"salon.notify.associate.sophie", clienteling.EventConversationAssigned}} {
		if !outboxHas(t, m, e[0], e[1]) {
			t.Errorf("no %s to %s in the outbox", e[1], e[0])
		}
	}

	// sophie leaves: amy is away, so both go to the manager on duty.
	if _, err := m.Service.UpdateAssociate(manager, "sophie", status(clienteling.StatusDeparted)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []clienteling.CustomerID{m.Own.ID, m.Sophies.ID} {
		conv, err := m.Service.Conversation(manager, id)
		if err != nil {
			t.Fatal(err)
		}
		if conv.Assignee != "chenjing" || conv.Routing[len(conv.Routing)-1].Reason != clienteling.RouteAdvisorDeparted {
			t.Fatalf("after sophie left: %+v", conv)
		}
	}
	if !outboxHas(t, m, "salon.notify.associate.chenjing", clienteling.EventConversationAssigned) {
		t.Error("chenjing not told")
	}
}
