package store_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

var cst = time.FixedZone("CST", 8*3600)

// seedDesk creates a boutique open 10:00-22:00 every day, its staff, and
// a top-tier client of amy's.
func seedDesk(t testing.TB, db *store.DB, amyStatus string) clienteling.CustomerID {
	t.Helper()
	var hours clienteling.Weekly
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		hours = append(hours, clienteling.Shift{Day: d, Open: "10:00", Close: "22:00"})
	}
	if err := db.CreateBoutique(ctx, &clienteling.Boutique{ID: "sh-plaza66", Name: "Plaza 66", City: "Shanghai",
		Timezone: "Asia/Shanghai", Hours: hours}); err != nil {
		t.Fatal(err)
	}
	err := db.CreateAssociates(ctx, []*clienteling.Associate{
		{UserID: "amy", Name: "Amy", Boutique: "sh-plaza66", Role: "associate", Status: amyStatus},
		{UserID: "sophie", Name: "Sophie", Boutique: "sh-plaza66", Role: "associate", Status: "active"},
		{UserID: "chenjing", Name: "Chen Jing", Boutique: "sh-plaza66", Role: "manager", Status: "active"},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := newCustomer("oVIP")
	c.Tier, c.Advisor, c.Boutique = clienteling.TierTop, "amy", "sh-plaza66"
	return mustCreateCustomer(t, db, c).ID
}

// drainSubjects empties the outbox and returns each event's subject and type.
func drainSubjects(t testing.TB, db *store.DB) []string {
	t.Helper()
	pending, err := db.PendingEvents(ctx, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var keys []uint64
	for _, e := range pending {
		var p struct{ Type string }
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Subject+" "+p.Type)
		keys = append(keys, e.Key)
	}
	if err := db.AckEvents(ctx, keys); err != nil {
		t.Fatal(err)
	}
	return out
}

// vipWrote opens a database on a manual clock at now, seeds the desk with
// amy in amyStatus, and has amy's top-tier client write text.
func vipWrote(t testing.TB, now time.Time, amyStatus, text string) (*clientelingtest.Clock, *store.DB, clienteling.CustomerID) {
	t.Helper()
	clock := clientelingtest.NewClock(now)
	db := clientelingtest.MustOpenDB(t, store.Options{Now: clock.Now})
	id := seedDesk(t, db, amyStatus)
	if _, err := db.Receive(ctx, inbound("oa", "oVIP", "", "oa:1", text), clienteling.AnnounceReceived); err != nil {
		t.Fatal(err)
	}
	return clock, db, id
}

func has(list []string, want string) bool {
	for _, s := range list {
		if s == want {
			return true
		}
	}
	return false
}

func TestReceiveRoutesAndTimesTheConversation(t *testing.T) {
	t.Parallel()
	clock, db, id := vipWrote(t, time.Date(2026, 11, 23, 12, 0, 0, 0, cst), clienteling.StatusActive, "Is the bag in stock?")
	conv, err := db.Conversation(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !conv.Waiting() || conv.Assignee != "amy" || conv.Routing[0].Reason != clienteling.RouteAdvisorOnDuty ||
		!conv.Due.Equal(clock.Now().Add(5*time.Minute)) {
		t.Fatalf("conversation: %+v", conv)
	}
	if got := drainSubjects(t, db); !has(got, "salon.notify.associate.amy message.received") {
		t.Fatalf("amy not notified: %v", got)
	}

	// A second message while waiting keeps the clock and the assignee.
	clock.Advance(time.Minute)
	if _, err := db.Receive(ctx, inbound("oa", "oVIP", "", "oa:2", "Size 37"), clienteling.AnnounceReceived); err != nil {
		t.Fatal(err)
	}
	again, _ := db.Conversation(ctx, id)
	if !again.Due.Equal(conv.Due) || len(again.Routing) != 1 {
		t.Fatalf("second message re-routed or re-timed: %+v", again)
	}

	// Events (a menu click) open no conversation for a client with none.
	ev := inbound("oa", "oFollower", "", "oa:ev", "")
	ev.Message.Type, ev.Message.Text = clienteling.TypeEvent, "subscribe"
	r, err := db.Receive(ctx, ev, clienteling.AnnounceReceived)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Conversation(ctx, r.Customer.ID); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("an event opened a conversation: %v", err)
	}
}

func TestReceiveQueuesWhenTheAdvisorIsAway(t *testing.T) {
	t.Parallel()
	_, db, id := vipWrote(t, time.Date(2026, 11, 23, 12, 0, 0, 0, cst), clienteling.StatusAway, "hello")
	conv, _ := db.Conversation(ctx, id)
	if conv.Assignee != "sophie" || !conv.Queue || conv.Routing[0].Reason != clienteling.RouteAdvisorAway {
		t.Fatalf("conversation: %+v", conv)
	}
	got := drainSubjects(t, db)
	for _, want := range []string{"salon.notify.boutique.sh-plaza66 conversation.queued",
		"salon.notify.associate.sophie conversation.assigned", "salon.notify.associate.sophie message.received"} {
		if !has(got, want) {
			t.Errorf("missing %q in %v", want, got)
		}
	}

	// A new client with no boutique lands in the first boutique's queue and
	// joins it, so that its managers see them; sophie now has one waiting,
	// so the tie goes to whoever has fewer: nobody else is on duty but
	// sophie (amy is away), and managers come last.
	r, err := db.Receive(ctx, inbound("oa", "oNew", "", "oa:n", "hi"), clienteling.AnnounceReceived)
	if err != nil {
		t.Fatal(err)
	}
	if r.Customer.Boutique != "sh-plaza66" || r.Conversation.Assignee != "sophie" || r.Conversation.Routing[0].Reason != clienteling.RouteNoAdvisor {
		t.Fatalf("new client: %+v %+v", r.Customer, r.Conversation)
	}
	list, err := db.Conversations(ctx, clienteling.ConversationFilter{Assignee: "sophie"})
	if err != nil || len(list) != 2 || list[0].Customer != id {
		t.Fatalf("sophie's waiting list: %v %v", list, err)
	}

	// A manager assigns the first to chenjing.
	conv, err = db.AssignConversation(ctx, id, "chenjing", "chenjing")
	if err != nil || conv.Assignee != "chenjing" || conv.Routing[1].Reason != clienteling.RouteManagerAssigned {
		t.Fatalf("assign: %+v %v", conv, err)
	}
	if list, _ := db.Conversations(ctx, clienteling.ConversationFilter{Assignee: "sophie"}); len(list) != 1 {
		t.Fatalf("sophie still carries the reassigned conversation: %v", list)
	}
	if _, err := db.AssignConversation(ctx, id, "nobody", "chenjing"); clienteling.ErrorField(err) != "associate" {
		t.Fatalf("assign to unknown: %v", err)
	}
}

// The reply-due clock: a reminder at the due time, an escalation at twice
// the time, both surviving a restart of the database in between.
func TestTimersFireAcrossRestart(t *testing.T) {
	t.Parallel()
	clock := clientelingtest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, cst))
	path := filepath.Join(t.TempDir(), store.FileName)
	open := func() *store.DB {
		db, err := store.Open(path, store.Options{Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	id := seedDesk(t, db, clienteling.StatusActive)
	if _, err := db.Receive(ctx, inbound("oa", "oVIP", "", "oa:1", "hello"), clienteling.AnnounceReceived); err != nil {
		t.Fatal(err)
	}
	drainSubjects(t, db)
	if n, next, err := db.FireTimers(ctx, clock.Now().Add(4*time.Minute), 100); n != 0 || err != nil || !next.Equal(clock.Now().Add(5*time.Minute).UTC()) {
		t.Fatalf("early: %d %v %v", n, next, err)
	}
	db.Close()

	clock.Advance(5 * time.Minute)
	db = open()
	if n, _, err := db.FireTimers(ctx, clock.Now(), 100); n != 1 || err != nil {
		t.Fatalf("reminder: %d %v", n, err)
	}
	if got := drainSubjects(t, db); !has(got, "salon.notify.associate.amy reply.due") {
		t.Fatalf("no reminder: %v", got)
	}
	db.Close()

	clock.Advance(time.Hour) // the service was down past the escalation
	db = open()
	defer db.Close()
	if n, next, err := db.FireTimers(ctx, clock.Now(), 100); n != 1 || err != nil || !next.IsZero() {
		t.Fatalf("escalation: %d %v %v", n, next, err)
	}
	if got := drainSubjects(t, db); !has(got, "salon.notify.boutique.sh-plaza66 conversation.escalated") {
		t.Fatalf("no escalation: %v", got)
	}
	conv, _ := db.Conversation(ctx, id)
	if !conv.Escalated || !conv.Reminded {
		t.Fatalf("conversation: %+v", conv)
	}
	if list, _ := db.Conversations(ctx, clienteling.ConversationFilter{Boutique: "sh-plaza66", Escalated: true}); len(list) != 1 {
		t.Fatalf("escalated list: %v", list)
	}
	drainSubjects(t, db)
	if err := db.DeleteCustomer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if got := drainSubjects(t, db); len(got) != 1 || got[0] != "salon.events.customer.erased customer.erased" {
		t.Fatalf("erasure announced %v, want one customer.erased", got)
	}
	if err := db.VerifyIndexes(); err != nil {
		t.Fatal(err)
	}
}

// A client who writes at night waits for the morning: nobody is assigned,
// and the reminder at opening + 30 minutes offers the conversation to
// whoever is then on duty.
func TestNightMessageIsOfferedAtTheReminder(t *testing.T) {
	t.Parallel()
	clock := clientelingtest.NewClock(time.Date(2026, 11, 23, 23, 0, 0, 0, cst))
	db := clientelingtest.MustOpenDB(t, store.Options{Now: clock.Now})
	id := seedDesk(t, db, clienteling.StatusAway)
	r, err := db.Receive(ctx, inbound("oa", "oVIP", "", "oa:1", "hello"), clienteling.AnnounceReceived)
	if err != nil {
		t.Fatal(err)
	}
	if r.Conversation.Assignee != "" || !r.Conversation.Due.Equal(time.Date(2026, 11, 24, 10, 30, 0, 0, cst)) {
		t.Fatalf("night: %+v", r.Conversation)
	}
	if got := drainSubjects(t, db); !has(got, "salon.notify.boutique.sh-plaza66 message.received") {
		t.Fatalf("boutique not told: %v", got)
	}
	clock.Advance(11*time.Hour + 30*time.Minute)
	if n, _, err := db.FireTimers(ctx, clock.Now(), 100); n != 1 || err != nil {
		t.Fatalf("fire: %d %v", n, err)
	}
	conv, _ := db.Conversation(ctx, id)
	if conv.Assignee != "sophie" || conv.Routing[len(conv.Routing)-1].Reason != clienteling.RouteReoffered {
		t.Fatalf("morning: %+v", conv)
	}
	got := drainSubjects(t, db)
	if !has(got, "salon.notify.associate.sophie reply.due") || !has(got, "salon.notify.associate.sophie conversation.assigned") {
		t.Fatalf("sophie not told: %v", got)
	}
}

// An associate's reply answers the conversation in the transaction that
// queues it: the timers go, the loads drop, the response time is told.
func TestReplyAnswersTheConversation(t *testing.T) {
	t.Parallel()
	clock, db, id := vipWrote(t, time.Date(2026, 11, 23, 12, 0, 0, 0, cst), clienteling.StatusActive, "hello")
	drainSubjects(t, db)
	clock.Advance(90 * time.Second)
	reply := &clienteling.Message{Customer: id, Channel: "oa", Type: "text", Text: "Bonjour", Author: clienteling.AuthorAssociate,
		Associate: "amy", At: clock.Now()}
	if err := db.Enqueue(ctx, reply, clienteling.Identity{Channel: "oa", ExternalID: "oVIP"}, nil); err != nil {
		t.Fatal(err)
	}
	conv, _ := db.Conversation(ctx, id)
	if conv.Waiting() || conv.AnsweredBy != "amy" {
		t.Fatalf("conversation: %+v", conv)
	}
	if n, next, err := db.FireTimers(ctx, clock.Now().Add(time.Hour), 100); n != 0 || !next.IsZero() || err != nil {
		t.Fatalf("timers left after the answer: %d %v %v", n, next, err)
	}
	if list, _ := db.Conversations(ctx, clienteling.ConversationFilter{Assignee: "amy"}); len(list) != 0 {
		t.Fatalf("amy still owes: %v", list)
	}
	pending, _ := db.PendingEvents(ctx, 100)
	var answered bool
	for _, e := range pending {
		answered = answered || (e.Subject == "salon.events.conversation.answered" && strings.Contains(string(e.Payload), `"response_seconds":90`))
	}
	if !answered {
		t.Fatal("no conversation.answered event with the response time")
	}
	// The client writes again: a new wait begins.
	if _, err := db.Receive(ctx, inbound("oa", "oVIP", "", "oa:2", "merci"), clienteling.AnnounceReceived); err != nil {
		t.Fatal(err)
	}
	if conv, _ := db.Conversation(ctx, id); !conv.Waiting() || !conv.WaitingSince.Equal(clock.Now()) {
		t.Fatalf("second wait: %+v", conv)
	}
}

// A colleague covering for an advisor who is away may read the client and
// answer; nobody else in the boutique may, and the cover ends when a
// manager hands the conversation to someone else.
func TestCoveringAssociateMayServeTheClient(t *testing.T) {
	t.Parallel()
	clock := clientelingtest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, cst))
	db := clientelingtest.MustOpenDB(t, store.Options{Now: clock.Now})
	id := seedDesk(t, db, clienteling.StatusAway)
	if err := db.CreateAssociates(ctx, []*clienteling.Associate{{UserID: "zoe", Name: "Zoe", Boutique: "sh-plaza66", Role: "associate", Status: "away"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Receive(ctx, inbound("oa", "oVIP", "", "oa:1", "hello"), clienteling.AnnounceReceived); err != nil {
		t.Fatal(err)
	}
	svc := clienteling.NewService(db, clock)
	as := func(who string) context.Context {
		return clienteling.WithPrincipal(ctx, &clienteling.Principal{Subject: who, Role: clienteling.RoleAssociate, Boutique: "sh-plaza66"})
	}
	if _, err := svc.FindCustomerByID(as("sophie"), id); err != nil {
		t.Fatalf("sophie covers amy's client: %v", err)
	}
	if _, _, err := svc.Messages(as("sophie"), id, clienteling.MessagePage{}); err != nil {
		t.Fatalf("sophie reads the history: %v", err)
	}
	if _, err := svc.FindCustomerByID(as("zoe"), id); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("zoe, not covering: %v", err)
	}
	if _, err := db.AssignConversation(ctx, id, "chenjing", "chenjing"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FindCustomerByID(as("sophie"), id); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("sophie after reassignment: %v", err)
	}
}
