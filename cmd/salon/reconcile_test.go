package main

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// `salon serve` is killed (SIGKILL) while WeChat holds a reply's send, so
// the message is left sending. Started again on the same data dir, it
// fails that message as interrupted (it may or may not have reached the
// client, and is never sent twice) and the client's next reply goes out:
// a message left sending would hold back every later one.
func TestServeReconcilesAfterCrash(t *testing.T) {
	t.Parallel()
	bin := buildSalon(t)
	fake := wechattest.Start(t, wechattest.Options{})
	dataDir := t.TempDir()
	env := childEnv(dataDir, fake)

	first := startServing(t, env, bin, "serve")
	first.clientWrites(t, fake, "oCRASHRECON01", "黑色款还有吗？", 1)
	var list struct{ Customers []struct{ ID string } }
	if got := first.call(t, "GET", "/api/v1/customers", nil, &list); got != 200 || len(list.Customers) != 1 {
		t.Fatalf("customers: %d, %d customers, want 200 and the one who wrote", got, len(list.Customers))
	}
	customer := list.Customers[0].ID

	fake.Script(outbound.CustomSendPath, wechattest.Fault{Hang: true})
	var held clienteling.Message
	if got := first.call(t, "POST", "/api/v1/customers/"+customer+"/messages",
		map[string]string{"type": "text", "text": "première réponse"}, &held); got != 202 {
		t.Fatalf("first reply: got %d, want 202", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := fake.WaitArrived(ctx, outbound.CustomSendPath, 1); err != nil {
		t.Fatal(err)
	}
	first.kill(t, syscall.SIGKILL)

	second := startServing(t, env, bin, "serve")
	got := second.waitFinal(t, customer, string(held.ID))
	if got.Status != clienteling.StatusFailed || got.ErrorReason != clienteling.ReasonInterrupted {
		t.Fatalf("the reply held at the crash: %s %q, want failed %q", got.Status, got.ErrorReason, clienteling.ReasonInterrupted)
	}
	var next clienteling.Message
	if code := second.call(t, "POST", "/api/v1/customers/"+customer+"/messages",
		map[string]string{"type": "text", "text": "deuxième réponse"}, &next); code != 202 {
		t.Fatalf("next reply: got %d, want 202", code)
	}
	if got := second.waitFinal(t, customer, string(next.ID)); got.Status != clienteling.StatusSent {
		t.Fatalf("next reply: %s (%d %s), want sent", got.Status, got.ErrorCode, got.ErrorReason)
	}
	var firsts int
	for _, c := range fake.CallsTo(outbound.CustomSendPath) {
		if strings.Contains(string(c.Body), "première") {
			firsts++
		}
	}
	if firsts != 1 {
		t.Fatalf("the held reply reached WeChat %d times, want once (never resent)", firsts)
	}
}

// waitFinal polls the child's history until message id is sent or failed.
func (c *servingChild) waitFinal(t *testing.T, customer, id string) clienteling.Message {
	t.Helper()
	var final clienteling.Message
	clientelingtest.CheckFor(t, 30*time.Second, func() error {
		var h struct{ Messages []clienteling.Message }
		c.call(t, "GET", "/api/v1/customers/"+customer+"/messages", nil, &h)
		for _, m := range h.Messages {
			if string(m.ID) == id && (m.Status == clienteling.StatusSent || m.Status == clienteling.StatusFailed) {
				final = m
				return nil
			}
		}
		return fmt.Errorf("message %s: no final status: %+v", id, h.Messages)
	})
	return final
}
