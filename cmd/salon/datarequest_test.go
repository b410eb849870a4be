package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

// A client's export and erasure requests are answered while serve runs,
// through the API, by the same commands that work on a stopped data dir.
func TestExportEraseThroughRunningServer(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	ctx := clienteling.WithPrincipal(context.Background(), clienteling.System())
	env := map[string]string{"SALON_DATA_DIR": m.Config.DataDir}
	openid := clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: "oONLINEDSR0001"}
	cb := oaSender(m).Safe(wechattest.TextMsg("gh_salon", openid.ExternalID, "请把我的资料发给我", 6054768590064790001, time.Now()).XML())
	if status, body := post(t, m, cb); status != 200 || body != "success" {
		t.Fatalf("delivery: got %d %q, want 200 success", status, body)
	}
	c, err := m.DB.FindCustomerByIdentity(ctx, openid)
	if err != nil {
		t.Fatal(err)
	}
	id := string(c.ID)
	online := func(args ...string) (string, error) {
		stdout, _, err := runSalon(t, env, append(args, "--url", m.URL(), "--token", testAdminToken)...)
		return stdout, err
	}

	t.Run("ErrInUseWithoutToken", func(t *testing.T) {
		for _, cmd := range []string{"export", "erase"} {
			_, _, err := runSalon(t, env, cmd, "customer", id)
			if err == nil || !strings.Contains(err.Error(), "database is in use: pass --token to go through the running server") {
				t.Errorf("%s while serve runs, without --token: got %v, want the database in use", cmd, err)
			}
		}
	})

	t.Run("ErrNotAdmin", func(t *testing.T) {
		for _, role := range []struct{ subject, role string }{{"amy", "associate"}, {"chenjing", "manager"}, {"crm-desk", "crm"}} {
			token := issueToken(t, m, role.subject, role.role)
			for _, cmd := range []string{"export", "erase"} {
				_, _, err := runSalon(t, env, cmd, "customer", id, "--url", m.URL(), "--token", token)
				if clienteling.ErrorCode(err) != clienteling.EFORBIDDEN {
					t.Errorf("%s as %s: got %v, want forbidden", cmd, role.role, err)
				}
			}
			if got := call(t, m, "DELETE", "/api/v1/customers/"+id, token, nil, nil); got != http.StatusForbidden {
				t.Errorf("DELETE as %s: got %d, want 403", role.role, got)
			}
		}
		if _, err := m.DB.FindCustomerByID(ctx, c.ID); err != nil {
			t.Fatalf("a refused erasure erased: %v", err)
		}
	})

	t.Run("ErrUnknownCustomer", func(t *testing.T) {
		unknown := clienteling.NewID()
		for _, cmd := range []string{"export", "erase"} {
			if _, err := online(cmd, "customer", unknown); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
				t.Errorf("%s of an unknown id: got %v, want not found", cmd, err)
			}
		}
		if got := call(t, m, "DELETE", "/api/v1/customers/"+unknown, testAdminToken, nil, nil); got != http.StatusNotFound {
			t.Errorf("DELETE of an unknown id: got %d, want 404", got)
		}
	})

	stdout, err := online("export", "customer", id)
	if err != nil {
		t.Fatalf("export through the server: %v", err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("export is not a JSON object: %v: %s", err, stdout)
	}
	for _, key := range []string{"customer", "exported_at", "messages", "notes"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("export lacks %q: %s", key, stdout)
		}
	}
	if !strings.Contains(string(doc["customer"]), openid.ExternalID) || !strings.Contains(string(doc["messages"]), "请把我的资料发给我") {
		t.Errorf("export lacks the client's openid or message: %s", stdout)
	}

	erased, err := m.Bus.Conn.SubscribeSync(clienteling.EventSubject(clienteling.EventCustomerErased))
	if err != nil {
		t.Fatal(err)
	}
	before, err := m.DB.FindCustomers(ctx, clienteling.CustomerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if stdout, err := online("erase", "customer", id); err != nil || !strings.Contains(stdout, "erased") {
		t.Fatalf("erase through the server: %v %q", err, stdout)
	}
	event, err := erased.NextMsg(10 * time.Second)
	if err != nil || !strings.Contains(string(event.Data), id) {
		t.Fatalf("no customer.erased event for %s on NATS: %v", id, err)
	}
	if _, err := online("export", "customer", id); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("export after erasure: got %v, want not found", err)
	}
	// WeChat redelivers a message it thinks unanswered: the erased client
	// must not come back.
	if status, body := post(t, m, cb); status != 200 || body != "success" {
		t.Fatalf("redelivery: got %d %q, want 200 success", status, body)
	}
	if got, err := m.DB.FindCustomerByIdentity(ctx, openid); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("the erased openid after redelivery: got %+v %v, want ENOTFOUND", got, err)
	}
	after, err := m.DB.FindCustomers(ctx, clienteling.CustomerFilter{})
	if err != nil || len(after) != len(before)-1 {
		t.Fatalf("%d customers after erasure and redelivery, %d before (%v): want one fewer", len(after), len(before), err)
	}
}
