package ingress_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// oaText is an Official Account text message with CreateTime written as
// given, which may be anything WeChat (or a forger) sends.
func oaText(from, createTime, content, msgID string) []byte {
	return []byte("<xml><ToUserName><![CDATA[gh_salon]]></ToUserName><FromUserName><![CDATA[" + from + "]]></FromUserName>" +
		"<CreateTime>" + createTime + "</CreateTime><MsgType><![CDATA[text]]></MsgType>" +
		"<Content><![CDATA[" + content + "]]></Content><MsgId>" + msgID + "</MsgId></xml>")
}

// history returns an Official Account client's messages, newest first.
func history(t *testing.T, db *store.DB, openID string) []*clienteling.Message {
	t.Helper()
	c, err := db.FindCustomerByIdentity(t.Context(), clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: openID})
	if err != nil {
		t.Fatalf("client %s: %v", openID, err)
	}
	page, _, err := db.Messages(t.Context(), c.ID, clienteling.MessagePage{Limit: clienteling.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// TestLongTextStoredWhole: a client's text is kept as written, up to what
// the 64 KiB body limit lets through.
func TestLongTextStoredWhole(t *testing.T) {
	db := clientelingtest.MustOpenDB(t)
	srv, oa := newServer(t, db, nil)
	text := strings.Repeat("这款手袋有黑色吗？", 20000/27) + strings.Repeat("x", 20000%27)
	if len(text) != 20000 {
		t.Fatalf("text is %d bytes, want 20000", len(text))
	}
	msg := oaText("oLONG0000001", fmt.Sprint(time.Now().Unix()), text, "7001")
	if status, body := deliver(t, srv.Client(), srv.URL, oa.Safe(msg)); status != 200 || body != "success" {
		t.Fatalf("got %d %q, want 200 success", status, body)
	}
	page := history(t, db, "oLONG0000001")
	if len(page) != 1 || page[0].Text != text {
		t.Fatalf("stored %d messages, the first %d bytes long; want one of %d bytes, whole", len(page), len(page[0].Text), len(text))
	}
}

// TestSameMsgIdFromTwoSenders: WeChat's MsgId is unique per account only in
// practice. Two clients' messages with one MsgId are both kept; a
// redelivery from the same client is still a duplicate.
func TestSameMsgIdFromTwoSenders(t *testing.T) {
	db := clientelingtest.MustOpenDB(t)
	srv, oa := newServer(t, db, nil)
	now := fmt.Sprint(time.Now().Unix())
	for _, d := range []struct{ from, text string }{
		{"oSENDERA0001", "A 的留言"},
		{"oSENDERB0001", "B 的留言"},
		{"oSENDERA0001", "A 的留言"}, // WeChat's retry of the first
	} {
		if status, body := deliver(t, srv.Client(), srv.URL, oa.Safe(oaText(d.from, now, d.text, "6054768590064713728"))); status != 200 || body != "success" {
			t.Fatalf("%s: got %d %q, want 200 success", d.from, status, body)
		}
	}
	for _, want := range []struct{ from, text string }{{"oSENDERA0001", "A 的留言"}, {"oSENDERB0001", "B 的留言"}} {
		page := history(t, db, want.from)
		if len(page) != 1 || page[0].Text != want.text {
			t.Errorf("%s: stored %d messages, want one: %q", want.from, len(page), want.text)
		}
	}
}

// TestRedeliveryAfterUpgradeIsDuplicate: a message stored by an earlier
// release, under the key without its sender, and redelivered just after
// the upgrade is recognised; another client's with the same MsgId is not.
func TestRedeliveryAfterUpgradeIsDuplicate(t *testing.T) {
	db := clientelingtest.MustOpenDB(t)
	srv, oa := newServer(t, db, nil)
	if _, err := db.Receive(t.Context(), &clienteling.Inbound{
		Identity:  clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: "oUPGRADE0001"},
		Message:   clienteling.Message{Type: clienteling.TypeText, Text: "升级前"},
		DedupeKey: "oa|msg|6054768590064713729", // as earlier releases keyed it
	}, clienteling.AnnounceReceived); err != nil {
		t.Fatal(err)
	}
	now := fmt.Sprint(time.Now().Unix())
	for _, from := range []string{"oUPGRADE0001", "oUPGRADE0002"} {
		if status, body := deliver(t, srv.Client(), srv.URL, oa.Safe(oaText(from, now, "升级前", "6054768590064713729"))); status != 200 || body != "success" {
			t.Fatalf("%s: got %d %q, want 200 success", from, status, body)
		}
	}
	if page := history(t, db, "oUPGRADE0001"); len(page) != 1 {
		t.Errorf("the redelivered client has %d messages, want 1", len(page))
	}
	if page := history(t, db, "oUPGRADE0002"); len(page) != 1 {
		t.Errorf("the other client has %d messages, want 1", len(page))
	}
}

// TestImplausibleCreateTimeKeptAsSent: a CreateTime before 2000 or more
// than a day after receipt is kept as WeChat sent it, and the receipt time
// places the message in the history: after what the client wrote before.
func TestImplausibleCreateTimeKeptAsSent(t *testing.T) {
	receipt := time.Now().Truncate(time.Second).UTC()
	db := clientelingtest.MustOpenDB(t, store.Options{Now: clientelingtest.NewClock(receipt).Now})
	srv, oa := newServer(t, db, nil)
	earlier := receipt.Add(-10 * time.Second)
	tests := []struct {
		name       string
		createTime int64
		plausible  bool
	}{
		{"Zero", 0, false},
		{"MinusOne", -1, false},
		{"Huge", 1 << 62, false},
		{"Year1990", time.Date(1990, 6, 1, 12, 0, 0, 0, time.UTC).Unix(), false},
		{"TwoDaysAhead", receipt.Add(48 * time.Hour).Unix(), false},
		{"Year2000", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), true},
		{"AnHourAgo", receipt.Add(-time.Hour).Unix(), true},
		{"ADayAhead", receipt.Add(24 * time.Hour).Unix(), true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := fmt.Sprintf("oCLOCK%06d", i)
			for j, m := range [][]byte{
				oaText(from, fmt.Sprint(earlier.Unix()), "before", fmt.Sprint(9000+2*i)),
				oaText(from, fmt.Sprint(tt.createTime), "this one", fmt.Sprint(9001+2*i)),
			} {
				if status, body := deliver(t, srv.Client(), srv.URL, oa.Safe(m)); status != 200 || body != "success" {
					t.Fatalf("message %d: got %d %q, want 200 success", j, status, body)
				}
			}
			page := history(t, db, from)
			if len(page) != 2 {
				t.Fatalf("stored %d messages, want 2", len(page))
			}
			got := page[0] // newest first
			if tt.plausible {
				if got.Text != "this one" {
					got = page[1] // sent before "before", and ordered so
				}
				if !got.At.Equal(time.Unix(tt.createTime, 0)) || got.SentAt != nil {
					t.Fatalf("at %v, sent at %v: want at CreateTime and no sent at", got.At, got.SentAt)
				}
				return
			}
			if got.Text != "this one" || page[1].Text != "before" {
				t.Fatalf("history %q, %q: want the message received last first", got.Text, page[1].Text)
			}
			if !got.At.Equal(receipt) {
				t.Errorf("at %v, want the receipt time %v", got.At, receipt)
			}
			if got.SentAt == nil || *got.SentAt != tt.createTime {
				t.Errorf("sent at %v, want %d as sent", got.SentAt, tt.createTime)
			}
		})
	}
}
