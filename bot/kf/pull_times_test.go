package kf_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// TestPullKeysOnSenderAndBoundsSendTime: two clients' messages with one
// msgid are both kept, and a send_time before 2000 or more than a day
// ahead is kept as sent while the receipt time orders the history.
func TestPullKeysOnSenderAndBoundsSendTime(t *testing.T) {
	fake, api := newAPI(t)
	receipt := time.Now().Truncate(time.Second).UTC()
	db := clientelingtest.MustOpenDB(t, store.Options{Now: clientelingtest.NewClock(receipt).Now})
	implausible := []int64{0, -1, 1 << 62, time.Date(1990, 6, 1, 0, 0, 0, 0, time.UTC).Unix(), receipt.Add(48 * time.Hour).Unix()}
	items := []json.RawMessage{wechattest.KfText("m1", kfID, "wmOTHER", "same msgid, another client", receipt)}
	for i, sent := range implausible {
		who := fmt.Sprintf("wmCLOCK%d", i)
		items = append(items, wechattest.KfText("m1", kfID, who, "before", receipt.Add(-10*time.Second)),
			json.RawMessage(fmt.Sprintf(`{"msgid":"m2","open_kfid":%q,"external_userid":%q,"send_time":%d,"origin":3,"msgtype":"text","text":{"content":"this one"}}`,
				kfID, who, sent)))
	}
	fake.EnqueueKf(kfID, items...)
	p := newPuller(t, db, api)
	if err := p.Notify(ctx, kfID, "tok1"); err != nil {
		t.Fatal(err)
	}
	settled(t, db)

	if got := texts(t, db, "wmOTHER"); !equal(got, []string{"same msgid, another client"}) {
		t.Errorf("the other client's history %q: want their message", got)
	}
	for i, sent := range implausible {
		who := fmt.Sprintf("wmCLOCK%d", i)
		c, err := db.FindCustomerByIdentity(ctx, clienteling.Identity{Channel: clienteling.ChannelWeCom, ExternalID: who})
		if err != nil {
			t.Fatalf("%s: %v", who, err)
		}
		page, _, err := db.Messages(ctx, c.ID, clienteling.MessagePage{})
		if err != nil || len(page) != 2 {
			t.Fatalf("%s: %d messages, %v; want 2", who, len(page), err)
		}
		got := page[0] // newest first
		if got.Text != "this one" || !got.At.Equal(receipt) || got.SentAt == nil || *got.SentAt != sent {
			t.Errorf("send_time %d: newest is %q at %v sent at %v; want the last received, at the receipt time, kept as sent",
				sent, got.Text, got.At, got.SentAt)
		}
	}
}
