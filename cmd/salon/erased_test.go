package main

import (
	"context"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

// A client erased between WeChat's delivery of their message and its
// retries (about 15 seconds apart) stays erased: the redelivered callback
// is answered success and recreates no client under the erased openid.
func TestOACallbackRedeliveryToErasedClient(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	ctx := clienteling.WithPrincipal(context.Background(), clienteling.System())
	openid := clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: "oERASEDCB0001"}
	cb := oaSender(m).Safe(wechattest.TextMsg("gh_salon", openid.ExternalID, "请删除我的资料", 6054768590064799999, time.Now()).XML())
	if status, body := post(t, m, cb); status != 200 || body != "success" {
		t.Fatalf("delivery: got %d %q, want 200 success", status, body)
	}
	c, err := m.DB.FindCustomerByIdentity(ctx, openid)
	if err != nil {
		t.Fatal(err)
	}
	before, err := m.DB.FindCustomers(ctx, clienteling.CustomerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// What `salon erase customer ID` does.
	if err := m.DB.DeleteCustomer(ctx, c.ID); err != nil {
		t.Fatal(err)
	}

	for i := range 3 {
		if status, body := post(t, m, cb); status != 200 || body != "success" {
			t.Fatalf("redelivery %d: got %d %q, want 200 success", i, status, body)
		}
	}
	if got, err := m.DB.FindCustomerByIdentity(ctx, openid); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("the erased openid after redelivery: got %+v %v, want ENOTFOUND", got, err)
	}
	after, err := m.DB.FindCustomers(ctx, clienteling.CustomerFilter{})
	if err != nil || len(after) != len(before)-1 {
		t.Fatalf("%d customers after erasure and redelivery, %d before erasure (%v): want one fewer", len(after), len(before), err)
	}
}
