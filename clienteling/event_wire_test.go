package clienteling

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestEventWire pins the data of each event as integrations and associates'
// devices read it: the same fields, the same values.
func TestEventWire(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	c := &Customer{ID: "C1", Advisor: "amy", Boutique: "sh"}
	m := &Message{ID: "M1", Customer: "C1", Channel: ChannelOA, Type: TypeText, Text: "hello"}
	conv := &Conversation{Customer: "C1", State: ConversationWaiting, Assignee: "amy", Boutique: "sh", WaitingSince: at, Due: at.Add(time.Hour)}
	sent := &Message{ID: "M2", Customer: "C1", Channel: ChannelOA, Type: TypeText, Status: StatusSent, WeChatID: "W9"}
	failed := &Message{ID: "M3", Customer: "C1", Channel: ChannelOA, Type: TypeText, Status: StatusFailed, Associate: "amy", ErrorCode: 45015, ErrorReason: "window closed"}
	amy := &Associate{UserID: "amy", Boutique: "sh"}
	bob := &Associate{UserID: "bob", Boutique: "sh"}
	_, answered := Answer(&Conversation{Customer: "C1", State: ConversationWaiting, WaitingSince: at}, "amy", at.Add(90*time.Second))
	_, due := NewDesk().Fire(&Conversation{Customer: "C1", State: ConversationWaiting, Assignee: "amy", Boutique: "sh", WaitingSince: at, Due: at.Add(time.Hour)}, StageRemind, RouteInput{Now: at})
	cases := []struct {
		name   string
		events []Event
		want   []string // each event's subject, then its data
	}{
		{"Received", AnnounceReceived(&Receipt{Customer: c, Message: m, NewCustomer: true, Conversation: conv}), []string{
			"salon.events.message.received", `{"customer":"C1","message":"M1","channel":"oa","type":"text"}`,
			"salon.events.customer.created", `{"customer":"C1","channel":"oa"}`,
			"salon.notify.associate.amy", `{"customer":"C1","message":"M1","type":"text","preview":"hello","due":"2026-11-24T10:00:00Z"}`,
		}},
		{"ReceivedNoConversation", AnnounceReceived(&Receipt{Customer: &Customer{ID: "C1", Boutique: "sh"}, Message: &Message{ID: "M1", Channel: ChannelOA, Type: TypeImage}}), []string{
			"salon.events.message.received", `{"customer":"C1","message":"M1","channel":"oa","type":"image"}`,
			"salon.notify.boutique.sh", `{"customer":"C1","message":"M1","type":"image","preview":""}`,
		}},
		{"Sent", AnnounceDelivery(sent), []string{
			"salon.events.message.sent", `{"customer":"C1","message":"M2","channel":"oa","type":"text","status":"sent","wechat_id":"W9"}`,
		}},
		{"Failed", AnnounceDelivery(failed), []string{
			"salon.events.message.failed", `{"customer":"C1","message":"M3","channel":"oa","type":"text","status":"failed","error_code":45015,"error_reason":"window closed","suggestion":"` + Suggestion(failed) + `"}`,
			"salon.notify.associate.amy", `{"customer":"C1","message":"M3","channel":"oa","type":"text","status":"failed","error_code":45015,"error_reason":"window closed","suggestion":"` + Suggestion(failed) + `"}`,
		}},
		{"Linked", DecideLink(&Customer{ID: "C1"}, &Link{Associate: "amy", Source: "oa_qr"}, amy).Events, []string{
			"salon.events.customer.linked", `{"customer":"C1","associate":"amy","source":"oa_qr","state":""}`,
			"salon.notify.associate.amy", `{"customer":"C1","associate":"amy","source":"oa_qr","state":""}`,
		}},
		{"Scanned", DecideLink(c, &Link{Associate: "bob", Source: "oa_qr"}, bob).Events, []string{
			"salon.events.customer.scanned", `{"customer":"C1","advisor":"amy","scanned":"bob","source":"oa_qr"}`,
			"salon.notify.associate.amy", `{"customer":"C1","advisor":"amy","scanned":"bob","source":"oa_qr"}`,
			"salon.notify.associate.bob", `{"customer":"C1","advisor":"amy","scanned":"bob","source":"oa_qr"}`,
		}},
		{"CardSent", AnnounceCard(&Card{ID: "K1", Customer: "C1", Associate: "amy", Boutique: "sh", SKU: "BAG-1", Message: "M4", Channel: ChannelOA,
			Price: Money{Amount: 2850000, Currency: "CNY"}, Note: "for you", ExpiresAt: at.Add(7 * 24 * time.Hour)}), []string{
			"salon.events.card.sent", `{"card":"K1","customer":"C1","associate":"amy","boutique":"sh","sku":"BAG-1","message":"M4","channel":"oa","amount":2850000,"currency":"CNY","expires_at":"2026-12-01T09:00:00Z"}`,
		}},
		{"Answered", answered, []string{
			"salon.events.conversation.answered", `{"customer":"C1","by":"amy","response_seconds":90,"escalated":false}`,
		}},
		{"ReplyDue", due, []string{
			"salon.notify.associate.amy", `{"customer":"C1","assignee":"amy","boutique":"sh","waiting_since":"2026-11-24T09:00:00Z","due":"2026-11-24T10:00:00Z"}`,
			"salon.events.reply.due", `{"customer":"C1","assignee":"amy","boutique":"sh","waiting_since":"2026-11-24T09:00:00Z","due":"2026-11-24T10:00:00Z"}`,
		}},
		{"TransferNotice", AnnounceTransfer(&Transfer{From: "amy", To: "bob", Reason: "moves"}, bob, []CustomerID{"C1", "C2"}), []string{
			"salon.notify.associate.bob", `{"from":"amy","to":"bob","count":2,"customers":["C1","C2"],"reason":"moves"}`,
			"salon.notify.associate.amy", `{"from":"amy","to":"bob","count":2,"customers":["C1","C2"],"reason":"moves"}`,
		}},
		{"TransferFailed", AnnounceTransferFailed(nil, "bob", TransferRefused)(&Receipt{Customer: c, Message: m}), []string{
			"salon.events.customer.transfer_failed", `{"customer":"C1","to":"bob","reason":"customer_refused","source":"wecom","message":"M1"}`,
			"salon.notify.associate.bob", `{"customer":"C1","to":"bob","reason":"customer_refused","source":"wecom","message":"M1"}`,
			"salon.notify.boutique.sh", `{"customer":"C1","to":"bob","reason":"customer_refused","source":"wecom","message":"M1"}`,
		}},
		{"DateUpcoming", DateReminders(&Customer{ID: "C1", Advisor: "amy", Preferences: Preferences{Dates: []ImportantDate{{Kind: "birthday", Date: "12-01"}}}},
			time.UTC, at.Add(-time.Hour), at), []string{
			"salon.notify.associate.amy", `{"customer":"C1","kind":"birthday","date":"2026-12-01"}`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := len(tc.events), len(tc.want)/2; got != want {
				t.Fatalf("got %d events, want %d", got, want)
			}
			for i, e := range tc.events {
				checkAgainstTable(t, e)
				if got, want := e.Subject, tc.want[2*i]; got != want {
					t.Errorf("event %d: subject %s, want %s", i, got, want)
				}
				raw, err := json.Marshal(e.Data)
				if err != nil {
					t.Fatal(err)
				}
				var got, want any
				if err := json.Unmarshal(raw, &got); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal([]byte(tc.want[2*i+1]), &want); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("event %d on %s:\n got %s\nwant %s", i, e.Subject, raw, tc.want[2*i+1])
				}
			}
		})
	}
}
