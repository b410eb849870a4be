package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// demoVVIP is a top-tier demo client of amy's.
const demoVVIP = "oDEMOWK59PFkl0JfI2yyVlbPegBP"

var shanghaiTime = time.FixedZone("CST", 8*3600)

// waitNotice waits for a notification of type typ on sub.
func waitNotice(t *testing.T, next func() ([]byte, error), typ string) []byte {
	t.Helper()
	for {
		data, err := next()
		if err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if bytes.Contains(data, []byte(`"type":"`+typ+`"`)) {
			return data
		}
	}
}

// The reply-due clock end to end: a top-tier client writes at noon; five
// minutes on the injected clock later amy is reminded; Salon is stopped,
// ten more minutes pass, and at the next start the escalation fires for
// the boutique's managers.
func TestReplyDueAndEscalationSurviveRestart(t *testing.T) {
	t.Parallel()
	clock := clientelingtest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, shanghaiTime)) // a Monday
	dir := t.TempDir()
	inDir := func(c *Config) { c.DataDir = dir }
	m := mustRunMainAt(t, clock, inDir)
	amy, err := m.Bus.Conn.SubscribeSync("salon.notify.associate.amy")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cb := oaSender(m).Safe(wechattest.TextMsg("gh_salon", demoVVIP, "Is the Lumière bag in stock?", now.UnixNano(), now).XML())
	if status, _ := post(t, m, cb); status != 200 {
		t.Fatalf("inbound: %d", status)
	}
	waitNotice(t, func() ([]byte, error) { return next(amy) }, clienteling.EventMessageReceived)
	c := waitCustomer(t, m, demoVVIP, func(*clienteling.Customer) bool { return true })

	var conv clienteling.Conversation
	if got := call(t, m, "GET", "/api/v1/customers/"+string(c.ID)+"/conversation", testAdminToken, nil, &conv); got != 200 {
		t.Fatalf("conversation: %d", got)
	}
	if conv.Assignee != "amy" || !conv.Due.Equal(clock.Now().Add(5*time.Minute)) {
		t.Fatalf("conversation: %+v", conv)
	}

	clock.Advance(5 * time.Minute)
	waitNotice(t, func() ([]byte, error) { return next(amy) }, clienteling.EventReplyDue)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	clock.Advance(10 * time.Minute)
	m = mustRunMainAt(t, clock, inDir)
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		call(t, m, "GET", "/api/v1/customers/"+string(c.ID)+"/conversation", testAdminToken, nil, &conv)
		if !conv.Escalated {
			return fmt.Errorf("not escalated after restart: %+v", conv)
		}
		return nil
	})
	// The managers' notification is in the notify stream, relayed once.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cons, err := m.Bus.JS.OrderedConsumer(ctx, "SALON_NOTIFY", jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"salon.notify.boutique.sh-plaza66"}})
	if err != nil {
		t.Fatal(err)
	}
	waitNotice(t, func() ([]byte, error) {
		msg, err := cons.Next(jetstream.FetchMaxWait(10 * time.Second))
		if err != nil {
			return nil, err
		}
		return msg.Data(), nil
	}, clienteling.EventConversationEscalated)

	// The managers see it among the escalated.
	var list struct{ Conversations []clienteling.Conversation }
	manager := tokenFor(t, m, "chenjing", "manager")
	if got := call(t, m, "GET", "/api/v1/conversations?escalated=true", manager, nil, &list); got != 200 || len(list.Conversations) != 1 {
		t.Fatalf("escalated list: %d %+v", got, list)
	}
}

// A manager moves a waiting conversation to another associate of the
// boutique; an associate may not, and a manager may not reach outside
// their boutique.
func TestManagerAssignsConversation(t *testing.T) {
	t.Parallel()
	clock := clientelingtest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, shanghaiTime))
	m := mustRunMainAt(t, clock)
	now := time.Now()
	cb := oaSender(m).Safe(wechattest.TextMsg("gh_salon", demoVVIP, "hello", now.UnixNano(), now).XML())
	if status, _ := post(t, m, cb); status != 200 {
		t.Fatalf("inbound: %d", status)
	}
	c := waitCustomer(t, m, demoVVIP, func(*clienteling.Customer) bool { return true })
	path := "/api/v1/customers/" + string(c.ID) + "/conversation/assign"
	amy := tokenFor(t, m, "amy", "associate")
	if got := call(t, m, "POST", path, amy, map[string]string{"associate": "amy"}, nil); got != 403 {
		t.Fatalf("associate assigning: %d", got)
	}
	liwei := tokenFor(t, m, "liwei", "manager") // Beijing's manager
	if got := call(t, m, "POST", path, liwei, map[string]string{"associate": "liwei"}, nil); got != 404 {
		t.Fatalf("other boutique's manager: %d", got)
	}
	chen := tokenFor(t, m, "chenjing", "manager")
	var e struct{ Error struct{ Field string } }
	if got := call(t, m, "POST", path, chen, map[string]string{"associate": "liwei"}, &e); got != 400 || e.Error.Field != "associate" {
		t.Fatalf("assigning to another boutique's associate: %d %+v", got, e)
	}
	if got := call(t, m, "POST", path, chen, map[string]string{}, &e); got != 400 || e.Error.Field != "associate" {
		t.Fatalf("assigning to nobody: %d %+v", got, e)
	}
	var conv clienteling.Conversation
	if got := call(t, m, "POST", path, chen, map[string]string{"associate": "chenjing"}, &conv); got != 200 || conv.Assignee != "chenjing" ||
		conv.Routing[len(conv.Routing)-1].By != "chenjing" {
		t.Fatalf("assign: %d %+v", got, conv)
	}
	var list struct{ Conversations []clienteling.Conversation }
	if got := call(t, m, "GET", "/api/v1/conversations", amy, nil, &list); got != 200 || len(list.Conversations) != 0 {
		t.Fatalf("amy still has it: %d %+v", got, list)
	}
	if got := call(t, m, "GET", "/api/v1/conversations?assignee=chenjing", chen, nil, &list); got != 200 || len(list.Conversations) != 1 {
		t.Fatalf("chenjing's list: %d %+v", got, list)
	}
}

// An associate sets themself away; their clients then wait in the
// boutique's queue, offered to a colleague on duty (a Tuesday afternoon,
// when chenjing works).
func TestAwayAdvisorRoutesToBoutique(t *testing.T) {
	t.Parallel()
	clock := clientelingtest.NewClock(time.Date(2026, 11, 24, 14, 0, 0, 0, shanghaiTime))
	m := mustRunMainAt(t, clock)
	amy := tokenFor(t, m, "amy", "associate")
	if got := call(t, m, "PATCH", "/api/v1/associates/amy", amy, map[string]string{"status": "away"}, nil); got != 200 {
		t.Fatalf("away: %d", got)
	}
	if got := call(t, m, "PATCH", "/api/v1/associates/amy", amy, map[string]string{"status": "departed"}, nil); got != 403 {
		t.Fatalf("self-departure: %d", got)
	}
	if got := call(t, m, "PATCH", "/api/v1/associates/chenjing", amy, map[string]string{"status": "away"}, nil); got != 404 {
		t.Fatalf("setting a colleague away: %d", got)
	}
	var e struct{ Error struct{ Field string } }
	if got := call(t, m, "PATCH", "/api/v1/associates/amy", amy, map[string]string{"status": "asleep"}, &e); got != 400 || e.Error.Field != "status" {
		t.Fatalf("bad status: %d %+v", got, e)
	}
	chen := tokenFor(t, m, "chenjing", "manager")
	badHours := map[string]any{"hours": []map[string]string{{"day": "mon", "open": "19:00", "close": "10:00"}}}
	if got := call(t, m, "PATCH", "/api/v1/associates/amy", chen, badHours, &e); got != 400 || !strings.HasPrefix(e.Error.Field, "hours[0]") {
		t.Fatalf("hours closing before opening: %d %+v", got, e)
	}
	queue, err := m.Bus.Conn.SubscribeSync("salon.notify.boutique.sh-plaza66")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	cb := oaSender(m).Safe(wechattest.TextMsg("gh_salon", demoVVIP, "hello", now.UnixNano(), now).XML())
	if status, _ := post(t, m, cb); status != 200 {
		t.Fatalf("inbound: %d", status)
	}
	waitNotice(t, func() ([]byte, error) { return next(queue) }, clienteling.EventConversationQueued)
	c := waitCustomer(t, m, demoVVIP, func(*clienteling.Customer) bool { return true })
	var conv clienteling.Conversation
	call(t, m, "GET", "/api/v1/customers/"+string(c.ID)+"/conversation", testAdminToken, nil, &conv)
	if conv.Assignee != "chenjing" || !conv.Queue || conv.Routing[0].Reason != clienteling.RouteAdvisorAway {
		t.Fatalf("conversation: %+v", conv)
	}
}
