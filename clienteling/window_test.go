package clienteling_test

import (
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// TestCheckServiceWindow holds the window rule next to its code: 48 hours
// after the client's last message, and five messages since it, both
// inclusive.
func TestCheckServiceWindow(t *testing.T) {
	t.Parallel()
	wrote := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		w     clienteling.Window
		now   time.Time
		allow bool
	}{
		{"OK/JustWrote", clienteling.Window{LastInbound: wrote}, wrote, true},
		{"OK/At48Hours", clienteling.Window{LastInbound: wrote}, wrote.Add(48 * time.Hour), true},
		{"ErrConflict/48HoursAnd1ns", clienteling.Window{LastInbound: wrote}, wrote.Add(48*time.Hour + time.Nanosecond), false},
		{"ErrConflict/NeverWrote", clienteling.Window{}, wrote, false},
		{"OK/FifthMessage", clienteling.Window{LastInbound: wrote, Sent: 4}, wrote.Add(time.Hour), true},
		{"ErrConflict/SixthMessage", clienteling.Window{LastInbound: wrote, Sent: 5}, wrote.Add(time.Hour), false},
		{"ErrConflict/SixthMessageAt48Hours", clienteling.Window{LastInbound: wrote, Sent: 5}, wrote.Add(48 * time.Hour), false},
		{"OK/FifthMessageAt48Hours", clienteling.Window{LastInbound: wrote, Sent: 4}, wrote.Add(48 * time.Hour), true},
		// The clock of a machine in another zone reads the same instant.
		{"OK/At48HoursInShanghai", clienteling.Window{LastInbound: wrote},
			wrote.Add(48 * time.Hour).In(time.FixedZone("CST", 8*3600)), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := clienteling.CheckServiceWindow(tt.w, tt.now)
			if got := err == nil; got != tt.allow {
				t.Fatalf("got %v, want allowed=%v", err, tt.allow)
			}
			if err != nil && clienteling.ErrorCode(err) != clienteling.ECONFLICT {
				t.Fatalf("got code %q, want ECONFLICT", clienteling.ErrorCode(err))
			}
		})
	}
}

// TestUsesWindow: every free-form kind needs the window and uses a slot of
// it; templates and 微信客服 welcomes have their own allowances.
func TestUsesWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    clienteling.Outgoing
		want bool
	}{
		{"Text", clienteling.Outgoing{Type: clienteling.TypeText, Text: "您好"}, true},
		{"Image", clienteling.Outgoing{Type: clienteling.TypeImage, MediaID: "MEDIA"}, true},
		{"News", clienteling.Outgoing{Type: clienteling.TypeNews, Title: "t", URL: "https://example.com"}, true},
		{"Link", clienteling.Outgoing{Type: clienteling.TypeLink, Title: "t", URL: "https://example.com", ThumbMediaID: "T"}, true},
		{"MiniProgram", clienteling.Outgoing{Type: clienteling.TypeMiniProgram, Title: "t", AppID: "wxapp", PagePath: "p", ThumbMediaID: "T"}, true},
		{"Template", clienteling.Outgoing{Type: clienteling.TypeTemplate, TemplateID: "TPL"}, false},
		{"Welcome", clienteling.Outgoing{Type: clienteling.TypeText, Text: "欢迎", WelcomeCode: "CODE"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.o.UsesWindow(); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSendKeepsTheWindow sends through the Service, on a real database, on
// each client channel: the rule as associates meet it, with failed
// messages giving their slot back and templates outside the window.
func TestSendKeepsTheWindow(t *testing.T) {
	t.Parallel()
	admin := clienteling.WithPrincipal(t.Context(), &clienteling.Principal{Subject: "ops", Role: clienteling.RoleAdmin})
	system := clienteling.WithPrincipal(t.Context(), clienteling.System())
	channels := []struct {
		name string
		id   clienteling.Identity
	}{
		{"OA", clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: "oWINDOW000001"}},
		{"KF", clienteling.Identity{Channel: clienteling.ChannelWeCom, ExternalID: "wmWINDOW00001"}},
	}
	for _, ch := range channels {
		t.Run(ch.name, func(t *testing.T) {
			wrote := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
			clock := clientelingtest.NewClock(wrote)
			db := clientelingtest.MustOpenDB(t, store.Options{Now: clock.Now})
			svc := clienteling.NewService(db, clock)
			r, err := db.Receive(system, &clienteling.Inbound{Identity: ch.id, DedupeKey: ch.id.Channel + ":window",
				Message: clienteling.Message{Type: clienteling.TypeText, Text: "在吗？", Account: "wkWINDOWKF01"}}, clienteling.AnnounceReceived)
			if err != nil {
				t.Fatal(err)
			}
			customer := r.Customer.ID
			send := func() error {
				t.Helper()
				_, err := svc.Send(admin, customer, &clienteling.Outgoing{Type: clienteling.TypeText, Channel: ch.id.Channel, Text: "您好"})
				return err
			}

			for i := 1; i <= clienteling.ServiceWindowMessages; i++ {
				if err := send(); err != nil {
					t.Fatalf("message %d of %d: %v", i, clienteling.ServiceWindowMessages, err)
				}
			}
			if err := send(); clienteling.ErrorCode(err) != clienteling.ECONFLICT {
				t.Fatalf("sixth message: got %v, want ECONFLICT", err)
			}

			// Two sends fail at WeChat: their slots come back, and two more fit.
			for range 2 {
				task, err := db.ClaimOutbound(system)
				if err != nil || task == nil {
					t.Fatalf("claim: %v %v", task, err)
				}
				if err := db.MarkFailed(system, task.Key, 45047, "out of response count limit"); err != nil {
					t.Fatal(err)
				}
			}
			for i := 1; i <= 2; i++ {
				if err := send(); err != nil {
					t.Fatalf("message %d after two failed: %v", i, err)
				}
			}
			if err := send(); clienteling.ErrorCode(err) != clienteling.ECONFLICT {
				t.Fatalf("sixth live message: got %v, want ECONFLICT", err)
			}

			// A fresh client message opens a new window, which closes 48 hours on.
			clock.Advance(time.Hour)
			if _, err := db.Receive(system, &clienteling.Inbound{Identity: ch.id, DedupeKey: ch.id.Channel + ":window-2",
				Message: clienteling.Message{Type: clienteling.TypeText, Text: "好的", Account: "wkWINDOWKF01"}}, clienteling.AnnounceReceived); err != nil {
				t.Fatal(err)
			}
			clock.Advance(48 * time.Hour)
			if err := send(); err != nil {
				t.Fatalf("at 48 hours: %v", err)
			}
			clock.Advance(time.Nanosecond)
			if err := send(); clienteling.ErrorCode(err) != clienteling.ECONFLICT {
				t.Fatalf("at 48 hours and 1 ns: got %v, want ECONFLICT", err)
			}
			if ch.id.Channel != clienteling.ChannelOA {
				return
			}
			// Templates have their own quota: outside the window they still go.
			tpl := &clienteling.Outgoing{Type: clienteling.TypeTemplate, TemplateID: "TPL_APPOINTMENT",
				Data: map[string]clienteling.TemplateValue{"first": {Value: "您的预约已确认"}}}
			if _, err := svc.Send(admin, customer, tpl); err != nil {
				t.Fatalf("template outside the window: %v", err)
			}
		})
	}
}
