package clienteling

import (
	"fmt"
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

// testBoutique opens 10:00-22:00 every day in Shanghai.
func testBoutique() *Boutique {
	var hours Weekly
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		hours = append(hours, Shift{Day: d, Open: "10:00", Close: "22:00"})
	}
	return &Boutique{ID: "sh-plaza66", Name: "Plaza 66", City: "Shanghai", Timezone: "Asia/Shanghai", Hours: hours}
}

func assoc(id, role, status string) *Associate {
	return &Associate{UserID: AssociateID(id), Name: id, Boutique: "sh-plaza66", Role: role, Status: status}
}

func TestRoute(t *testing.T) {
	t.Parallel()
	open := time.Date(2026, 11, 23, 12, 0, 0, 0, cst)   // a Monday at noon
	closed := time.Date(2026, 11, 23, 23, 0, 0, 0, cst) // after closing
	amy := assoc("amy", StaffAssociate, StatusActive)
	away := assoc("amy", StaffAssociate, StatusAway)
	departed := assoc("amy", StaffAssociate, StatusDeparted)
	lateShift := assoc("amy", StaffAssociate, StatusActive)
	lateShift.Hours = Weekly{{Day: "mon", Open: "18:00", Close: "22:00"}}
	sophie := assoc("sophie", StaffAssociate, StatusActive)
	ben := assoc("ben", StaffAssociate, StatusActive)
	chen := assoc("chenjing", StaffManager, StatusActive)
	staff := []StaffLoad{{sophie, 3}, {ben, 1}, {chen, 0}}

	cases := []struct {
		name       string
		now        time.Time
		advisor    *Associate
		hadAdvisor bool
		boutique   *Boutique
		staff      []StaffLoad
		assignee   AssociateID
		queue      bool
		reason     string
	}{
		{"advisor on duty", open, amy, true, testBoutique(), staff, "amy", false, RouteAdvisorOnDuty},
		{"advisor away: least loaded associate", open, away, true, testBoutique(), staff, "ben", true, RouteAdvisorAway},
		{"advisor departed", open, departed, true, testBoutique(), staff, "ben", true, RouteAdvisorDeparted},
		{"advisor unknown", open, nil, true, testBoutique(), staff, "ben", true, RouteAdvisorDeparted},
		{"advisor off duty by own hours", open, lateShift, true, testBoutique(), staff, "ben", true, RouteAdvisorOffDuty},
		{"no advisor", open, nil, false, testBoutique(), staff, "ben", true, RouteNoAdvisor},
		{"ties go by userid", open, nil, false, testBoutique(),
			[]StaffLoad{{sophie, 1}, {ben, 1}}, "ben", true, RouteNoAdvisor},
		{"managers only when no associate is on duty", open, nil, false, testBoutique(),
			[]StaffLoad{{assoc("ben", StaffAssociate, StatusAway), 0}, {chen, 9}}, "chenjing", true, RouteNoAdvisor},
		{"boutique closed: queued, nobody assigned", closed, amy, true, testBoutique(), staff, "", true, RouteAdvisorOffDuty},
		{"no boutique at all", open, nil, false, nil, nil, "", true, RouteNoAdvisor},
		{"nobody on staff", open, nil, false, testBoutique(), nil, "", true, RouteNoAdvisor},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := Route(RouteInput{Now: tc.now, Advisor: tc.advisor, HadAdvisor: tc.hadAdvisor, Boutique: tc.boutique, Staff: tc.staff})
			if d.Assignee != tc.assignee || d.Queue != tc.queue || d.Reason != tc.reason {
				t.Fatalf("got assignee %q queue %v reason %q; want %q %v %q", d.Assignee, d.Queue, d.Reason, tc.assignee, tc.queue, tc.reason)
			}
			if tc.boutique != nil && d.Boutique != tc.boutique.ID {
				t.Fatalf("boutique %q", d.Boutique)
			}
		})
	}
}

func TestSLAClock(t *testing.T) {
	t.Parallel()
	sla := DefaultSLA()
	b := testBoutique()
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, cst) }
	cases := []struct {
		name          string
		tier          string
		since         time.Time
		due, escalate time.Time
	}{
		{"top tier inside hours", TierTop, at(23, 12, 0), at(23, 12, 5), at(23, 12, 10)},
		{"others inside hours", TierVIP, at(23, 12, 0), at(23, 12, 15), at(23, 12, 30)},
		{"after closing: next opening + 30 min", TierTop, at(23, 22, 30), at(24, 10, 30), at(24, 11, 0)},
		{"before opening the same day", TierClient, at(24, 8, 0), at(24, 10, 30), at(24, 11, 0)},
	}
	for _, tc := range cases {
		due, esc := sla.Clock(tc.tier, tc.since, b)
		if !due.Equal(tc.due) || !esc.Equal(tc.escalate) {
			t.Errorf("%s: due %v escalate %v; want %v %v", tc.name, due, esc, tc.due, tc.escalate)
		}
	}
	// A boutique open only on weekdays: Saturday's message waits for Monday.
	b.Hours = Weekly{{Day: "mon", Open: "10:00", Close: "19:00"}, {Day: "fri", Open: "10:00", Close: "19:00"}}
	if due, _ := sla.Clock(TierVIP, at(28, 15, 0), b); !due.Equal(at(30, 10, 30)) {
		t.Errorf("weekend: due %v", due)
	}
	// No hours: always open.
	if due, _ := sla.Clock(TierVIP, at(28, 3, 0), &Boutique{Timezone: "Asia/Shanghai"}); !due.Equal(at(28, 3, 15)) {
		t.Errorf("always open: due %v", due)
	}
}

func TestSLAValidate(t *testing.T) {
	t.Parallel()
	if err := DefaultSLA().Validate(); err != nil {
		t.Fatal(err)
	}
	bad := DefaultSLA()
	bad.AfterHours = 0
	if err := bad.Validate(); ErrorField(err) != "sla_after_hours" {
		t.Fatalf("got %v", err)
	}
	bad = DefaultSLA()
	bad.Top = 48 * time.Hour
	if err := bad.Validate(); ErrorField(err) != "sla_top" {
		t.Fatalf("got %v", err)
	}
}

func TestDeskLifecycle(t *testing.T) {
	t.Parallel()
	d := NewDesk()
	b := testBoutique()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, cst)
	c := &Customer{ID: "01JCUSTOMER000000000000001", Tier: TierTop, Advisor: "amy"}
	conv, events := d.Open(nil, c, RouteInput{Now: now, Advisor: assoc("amy", StaffAssociate, StatusActive), HadAdvisor: true, Boutique: b})
	if !conv.Waiting() || conv.Assignee != "amy" || len(events) != 0 || len(conv.Routing) != 1 {
		t.Fatalf("open: %+v %v", conv, events)
	}
	if at, stage := conv.NextTimer(); stage != StageRemind || !at.Equal(now.Add(5*time.Minute)) {
		t.Fatalf("timer %v %s", at, stage)
	}
	conv, events = d.Fire(conv, StageRemind, RouteInput{})
	if at, stage := conv.NextTimer(); stage != StageEscalate || !at.Equal(now.Add(10*time.Minute)) || events[0].Subject != "salon.notify.associate.amy" {
		t.Fatalf("after reminder: %v %s %v", at, stage, events)
	}
	conv, events = d.Fire(conv, StageEscalate, RouteInput{})
	if !conv.Escalated || events[1].Subject != "salon.notify.boutique.sh-plaza66" {
		t.Fatalf("escalation: %+v %v", conv, events)
	}
	if _, stage := conv.NextTimer(); stage != "" {
		t.Fatalf("escalated conversation keeps a timer %s", stage)
	}
	conv, events = Answer(conv, "amy", now.Add(12*time.Minute))
	if conv.Waiting() || events[0].Data.(ConversationAnswer).ResponseSeconds != 720 {
		t.Fatalf("answer: %+v %v", conv, events)
	}
	if _, events = Answer(conv, "amy", now); events != nil {
		t.Fatal("answering an answered conversation announced again")
	}
	for i := 0; i < 30; i++ {
		d.Assign(conv, assoc("sophie", StaffAssociate, StatusActive), "chenjing", now)
	}
	if len(conv.Routing) != maxRoutingHistory {
		t.Fatalf("routing history grows without bound: %d", len(conv.Routing))
	}
}

// BenchmarkRoute is one routing decision for a client whose advisor is
// away, in a boutique of 30 associates: the path that ranks everyone.
func BenchmarkRoute(b *testing.B) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, cst)
	var staff []StaffLoad
	for i := 0; i < 30; i++ {
		staff = append(staff, StaffLoad{Associate: assoc(fmt.Sprintf("a%02d", i), StaffAssociate, StatusActive), Open: i % 7})
	}
	in := RouteInput{Now: now, Advisor: assoc("amy", StaffAssociate, StatusAway), HadAdvisor: true, Boutique: testBoutique(), Staff: staff}
	b.ReportAllocs()
	for b.Loop() {
		if d := Route(in); d.Assignee == "" {
			b.Fatal("nobody chosen")
		}
	}
}
