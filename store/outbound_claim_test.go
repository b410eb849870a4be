package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// wrote creates a client known by ids who wrote on each channel at at
// (through 微信客服 account wkA on wecom).
func wrote(t *testing.T, db *store.DB, at time.Time, ids ...clienteling.Identity) *clienteling.Customer {
	t.Helper()
	c := &clienteling.Customer{Identities: ids}
	c.Normalize()
	if err := db.CreateCustomers(context.Background(), []*clienteling.Customer{c}); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		in := &clienteling.Message{Customer: c.ID, Direction: "in", Channel: id.Channel, Type: "text", Text: "hi",
			Author: "client", Status: "received", At: at}
		if id.Channel == clienteling.ChannelWeCom {
			in.Account = "wkA"
		}
		if _, err := db.AppendMessage(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func textTo(c *clienteling.Customer, channel, text string, at time.Time) *clienteling.Message {
	return &clienteling.Message{Customer: c.ID, Channel: channel, Type: "text", Text: text, Author: "associate", At: at}
}

// The window opens for 48 hours to the nanosecond and five messages, on
// both channels; templates neither need it nor use it up.
func TestOutboundWindowEdges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := clientelingtest.MustOpenDB(t)
	now := time.Now().UTC()
	for _, channel := range []string{clienteling.ChannelOA, clienteling.ChannelWeCom} {
		t.Run(channel, func(t *testing.T) {
			to := clienteling.Identity{Channel: channel, ExternalID: "x" + channel + now.Format("150405.000000")}
			c := wrote(t, db, now.Add(-clienteling.ServiceWindow), to)
			check := clienteling.CheckServiceWindow
			if err := db.Enqueue(ctx, textTo(c, channel, "at 48h", now), to, check); err != nil {
				t.Fatalf("exactly 48 hours after: %v", err)
			}
			if err := db.Enqueue(ctx, textTo(c, channel, "after", now.Add(time.Nanosecond)), to, check); clienteling.ErrorCode(err) != clienteling.ECONFLICT {
				t.Fatalf("48 hours and 1 ns after: %v, want ECONFLICT", err)
			}
			c2 := wrote(t, db, now.Add(-time.Hour), clienteling.Identity{Channel: channel, ExternalID: to.ExternalID + "b"})
			to2 := c2.Identities[0]
			if channel == clienteling.ChannelOA {
				tpl := &clienteling.Outgoing{Type: "template", Channel: "oa", TemplateID: "T", Data: map[string]clienteling.TemplateValue{"first": {Value: "v"}}}
				m := &clienteling.Message{Customer: c2.ID, Channel: channel, Author: "associate", At: now}
				tpl.Summarize(m)
				if err := db.EnqueueDelivery(ctx, m, clienteling.Delivery{To: to2, Content: tpl}); err != nil {
					t.Fatalf("template: %v", err)
				}
			}
			for i := 1; i <= 5; i++ {
				m := textTo(c2, channel, "m", now)
				if err := db.Enqueue(ctx, m, to2, check); err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if channel == clienteling.ChannelWeCom && m.Account != "wkA" {
					t.Fatalf("account %q, want the one the client wrote to", m.Account)
				}
			}
			if err := db.Enqueue(ctx, textTo(c2, channel, "sixth", now), to2, check); clienteling.ErrorCode(err) != clienteling.ECONFLICT {
				t.Fatalf("sixth: %v, want ECONFLICT", err)
			}
		})
	}
	// A WeCom contact who never wrote through 微信客服 cannot be answered there.
	c := &clienteling.Customer{Identities: []clienteling.Identity{{Channel: "wecom", ExternalID: "wmCONTACT"}}}
	c.Normalize()
	if err := db.CreateCustomers(ctx, []*clienteling.Customer{c}); err != nil {
		t.Fatal(err)
	}
	if err := db.Enqueue(ctx, textTo(c, "wecom", "hi", now), c.Identities[0], nil); clienteling.ErrorCode(err) != clienteling.ECONFLICT {
		t.Fatalf("no kf account: %v, want ECONFLICT", err)
	}
}

// A batch claim takes one message per client, each client's oldest, and a
// client's next only once the previous is finished.
func TestClaimOutboundBatchKeepsClientOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := clientelingtest.MustOpenDB(t)
	now := time.Now().UTC()
	a := wrote(t, db, now.Add(-time.Hour), clienteling.Identity{Channel: "oa", ExternalID: "oA"})
	b := wrote(t, db, now.Add(-time.Hour), clienteling.Identity{Channel: "oa", ExternalID: "oB"})
	for _, x := range []struct {
		c    *clienteling.Customer
		text string
	}{{a, "a1"}, {a, "a2"}, {b, "b1"}, {a, "a3"}, {b, "b2"}} {
		if err := db.Enqueue(ctx, textTo(x.c, "oa", x.text, now), x.c.Identities[0], nil); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(limit int) []string {
		t.Helper()
		tasks, err := db.ClaimOutboundBatch(ctx, limit)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, task := range tasks {
			texts = append(texts, task.Content.Text)
			if err := db.MarkSent(ctx, task.Key, ""); err != nil {
				t.Fatal(err)
			}
		}
		return texts
	}
	for i, want := range []string{"a1 b1", "a2 b2", "a3", ""} {
		var got string
		for j, s := range claim(10) {
			if j > 0 {
				got += " "
			}
			got += s
		}
		if got != want {
			t.Fatalf("claim %d: %q, want %q", i, got, want)
		}
	}
}
