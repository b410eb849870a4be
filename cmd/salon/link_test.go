package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

// TestQRScanLinksAdvisor: a new client who follows through Amy's personal
// QR code becomes Amy's client, and Amy hears of it; a later scan of
// Sophie's code is recorded and both are told, but Amy stays the advisor.
func TestQRScanLinksAdvisor(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	amy, err := m.Bus.Conn.SubscribeSync("salon.notify.associate.amy")
	if err != nil {
		t.Fatal(err)
	}
	sophie, err := m.Bus.Conn.SubscribeSync("salon.notify.associate.sophie")
	if err != nil {
		t.Fatal(err)
	}
	oa := oaSender(m)
	now := time.Now()
	if status, _ := post(t, m, oa.Safe(wechattest.SubscribeEvent("gh_salon", "oSCANNER", "adv:amy", now).XML())); status != 200 {
		t.Fatalf("subscribe: %d", status)
	}
	c := waitCustomer(t, m, "oSCANNER", func(c *clienteling.Customer) bool { return c.Advisor != "" })
	if c.Advisor != "amy" || c.Boutique != "sh-plaza66" {
		t.Fatalf("advisor %q boutique %q, want amy of sh-plaza66", c.Advisor, c.Boutique)
	}
	note, err := amy.NextMsg(10 * time.Second)
	if err != nil || !bytes.Contains(note.Data, []byte(`"type":"customer.linked"`)) {
		t.Fatalf("amy was not told of her new client: %v %s", err, note.Data)
	}

	if status, _ := post(t, m, oa.Safe(wechattest.ScanEvent("gh_salon", "oSCANNER", "adv:sophie", now.Add(time.Second)).XML())); status != 200 {
		t.Fatalf("scan: %d", status)
	}
	for _, who := range []struct {
		name string
		next func() ([]byte, error)
	}{
		{"amy", func() ([]byte, error) { return next(amy) }},
		{"sophie", func() ([]byte, error) { return next(sophie) }},
	} {
		got, err := who.next()
		if err != nil || !bytes.Contains(got, []byte(`"type":"customer.scanned"`)) {
			t.Fatalf("%s was not told of the second scan: %v %s", who.name, err, got)
		}
	}
	c = waitCustomer(t, m, "oSCANNER", func(*clienteling.Customer) bool { return true })
	if c.Advisor != "amy" {
		t.Fatalf("a scan silently replaced the advisor: now %q", c.Advisor)
	}
}

// next returns the data of the subscription's next message.
func next(sub *nats.Subscription) ([]byte, error) {
	msg, err := sub.NextMsg(10 * time.Second)
	if err != nil {
		return nil, err
	}
	return msg.Data, nil
}
