package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// setStatus sets an associate's status as the API does.
func setStatus(t testing.TB, db *store.DB, id clienteling.AssociateID, status string) {
	t.Helper()
	if _, err := db.UpdateAssociate(ctx, id, func(a *clienteling.Associate) error {
		a.Status = status
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// amysClientWrote creates another top-tier client of amy's, who writes.
func amysClientWrote(t testing.TB, db *store.DB, openid string) clienteling.CustomerID {
	t.Helper()
	c := newCustomer(openid)
	c.Tier, c.Advisor, c.Boutique = clienteling.TierTop, "amy", "sh-plaza66"
	id := mustCreateCustomer(t, db, c).ID
	if _, err := db.Receive(ctx, inbound("oa", openid, "", "oa:"+openid, "hello"), clienteling.AnnounceReceived); err != nil {
		t.Fatal(err)
	}
	return id
}

func lastReason(c *clienteling.Conversation) string { return c.Routing[len(c.Routing)-1].Reason }

// Going away or leaving hands amy's waiting conversations to sophie, on
// duty, at once, with the events of an offer, keeping their due time; the
// conversation amy answered stays hers; coming back takes nothing back.
func TestGoingAwayHandsWaitingConversationsOver(t *testing.T) {
	t.Parallel()
	for status, reason := range map[string]string{
		clienteling.StatusAway:     clienteling.RouteAdvisorAway,
		clienteling.StatusDeparted: clienteling.RouteAdvisorDeparted,
	} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			clock, db, first := vipWrote(t, time.Date(2026, 11, 23, 12, 0, 0, 0, cst), clienteling.StatusActive, "hello")
			second := amysClientWrote(t, db, "oSecond")
			answered := amysClientWrote(t, db, "oAnswered")
			reply := &clienteling.Message{Customer: answered, Channel: "oa", Type: "text", Text: "Bonjour",
				Author: clienteling.AuthorAssociate, Associate: "amy", At: clock.Now()}
			if err := db.Enqueue(ctx, reply, clienteling.Identity{Channel: "oa", ExternalID: "oAnswered"}, nil); err != nil {
				t.Fatal(err)
			}
			before, _ := db.Conversation(ctx, first)
			drainSubjects(t, db)

			clock.Advance(time.Minute)
			setStatus(t, db, "amy", status)
			for _, id := range []clienteling.CustomerID{first, second} {
				conv, err := db.Conversation(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if conv.Assignee != "sophie" || !conv.Queue || conv.Boutique != "sh-plaza66" || lastReason(conv) != reason ||
					!conv.Due.Equal(before.Due) || !conv.Routing[len(conv.Routing)-1].At.Equal(clock.Now()) {
					t.Fatalf("%s: %+v", id, conv)
				}
			}
			got := drainSubjects(t, db)
			want := []string{
				"salon.notify.boutique.sh-plaza66 conversation.queued", "salon.notify.associate.sophie conversation.assigned",
				"salon.notify.boutique.sh-plaza66 conversation.queued", "salon.notify.associate.sophie conversation.assigned",
			}
			if !slices.Equal(got, want) {
				t.Fatalf("events: %v, want %v", got, want)
			}
			if conv, _ := db.Conversation(ctx, answered); conv.Assignee != "amy" || conv.Waiting() || len(conv.Routing) != 1 {
				t.Fatalf("answered conversation moved: %+v", conv)
			}
			if list, _ := db.Conversations(ctx, clienteling.ConversationFilter{Assignee: "amy"}); len(list) != 0 {
				t.Fatalf("amy still carries: %v", list)
			}

			setStatus(t, db, "amy", clienteling.StatusActive)
			if list, _ := db.Conversations(ctx, clienteling.ConversationFilter{Assignee: "sophie"}); len(list) != 2 {
				t.Fatalf("coming back took conversations back: sophie has %v", list)
			}
			if got := drainSubjects(t, db); len(got) != 0 {
				t.Fatalf("coming back announced: %v", got)
			}
			if err := db.VerifyIndexes(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// With nobody else on duty, amy's conversation waits in the queue,
// unassigned, and is offered at the reminder, due when it was.
func TestGoingAwayWithNobodyOnDutyQueuesUntilTheReminder(t *testing.T) {
	t.Parallel()
	for status, reason := range map[string]string{
		clienteling.StatusAway:     clienteling.RouteAdvisorAway,
		clienteling.StatusDeparted: clienteling.RouteAdvisorDeparted,
	} {
		t.Run(status, func(t *testing.T) {
			t.Parallel()
			clock := clientelingtest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, cst))
			db := clientelingtest.MustOpenDB(t, store.Options{Now: clock.Now})
			id := seedDesk(t, db, clienteling.StatusActive)
			setStatus(t, db, "sophie", clienteling.StatusAway)
			setStatus(t, db, "chenjing", clienteling.StatusAway)
			if _, err := db.Receive(ctx, inbound("oa", "oVIP", "", "oa:1", "hello"), clienteling.AnnounceReceived); err != nil {
				t.Fatal(err)
			}
			before, _ := db.Conversation(ctx, id)
			drainSubjects(t, db)

			setStatus(t, db, "amy", status)
			conv, _ := db.Conversation(ctx, id)
			if conv.Assignee != "" || !conv.Queue || lastReason(conv) != reason || !conv.Due.Equal(before.Due) {
				t.Fatalf("queued: %+v", conv)
			}
			if got := drainSubjects(t, db); !slices.Equal(got, []string{"salon.notify.boutique.sh-plaza66 conversation.queued"}) {
				t.Fatalf("events: %v", got)
			}
			if list, _ := db.Conversations(ctx, clienteling.ConversationFilter{Boutique: "sh-plaza66"}); len(list) != 1 || list[0].Assignee != "" {
				t.Fatalf("boutique queue: %v", list)
			}

			setStatus(t, db, "sophie", clienteling.StatusActive)
			clock.Set(before.Due)
			if n, _, err := db.FireTimers(ctx, clock.Now(), 100); n != 1 || err != nil {
				t.Fatalf("fire: %d %v", n, err)
			}
			conv, _ = db.Conversation(ctx, id)
			if conv.Assignee != "sophie" || lastReason(conv) != clienteling.RouteReoffered {
				t.Fatalf("at the reminder: %+v", conv)
			}
			if got := drainSubjects(t, db); !has(got, "salon.notify.associate.sophie conversation.assigned") {
				t.Fatalf("sophie not told: %v", got)
			}
		})
	}
}
