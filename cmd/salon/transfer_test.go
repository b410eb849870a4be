package main

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

// TestTransferAPI: over real HTTP, a manager moves a departing associate's
// book within their boutique and is told how many moved; the new advisor
// hears of it on NATS. Refused transfers answer 4xx and change nothing.
func TestTransferAPI(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	book := func(who string) []*clienteling.Customer {
		t.Helper()
		id := clienteling.AssociateID(who)
		cs, err := m.DB.FindCustomers(t.Context(), clienteling.CustomerFilter{Advisor: &id})
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	amys := book("amy")
	if len(amys) == 0 {
		t.Fatal("the demo gives amy no clients")
	}
	sophies := book("sophie")
	if len(sophies) == 0 {
		t.Fatal("the demo gives sophie no clients")
	}
	if got := call(t, m, "POST", "/api/v1/associates", testAdminToken,
		map[string]string{"userid": "left", "name": "Left Already", "boutique": "sh-plaza66", "role": "associate", "status": "departed"}, nil); got != http.StatusCreated {
		t.Fatalf("create departed associate: %d", got)
	}
	amyToken := issueToken(t, m, "amy", "associate")
	chenToken := issueToken(t, m, "chenjing", "manager")
	notes, err := m.Bus.Conn.SubscribeSync("salon.notify.associate.chenjing")
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name  string
		token string
		body  any
		want  int
	}{
		{"ErrAssociateForbidden", amyToken, map[string]any{"from": "amy", "to": "chenjing"}, http.StatusForbidden},
		{"ErrManagerAcrossBoutiques", chenToken, map[string]any{"from": "amy", "to": "sophie"}, http.StatusNotFound},
		{"ErrUnknownTarget", testAdminToken, map[string]any{"from": "amy", "to": "ghost"}, http.StatusNotFound},
		{"ErrDepartedTarget", testAdminToken, map[string]any{"from": "amy", "to": "left"}, http.StatusConflict},
		{"ErrClientNotInBook", testAdminToken, map[string]any{"from": "amy", "to": "chenjing",
			"customers": []clienteling.CustomerID{amys[0].ID, sophies[0].ID}}, http.StatusBadRequest},
		{"ErrUnknownField", testAdminToken, `{"from":"amy","to":"chenjing","everyone":true}`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := call(t, m, "POST", "/api/v1/transfers", tc.token, tc.body, nil); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
			if got := len(book("amy")); got != len(amys) {
				t.Fatalf("amy's book has %d clients after a refused transfer, want %d", got, len(amys))
			}
		})
	}

	var out struct{ Moved int }
	if got := call(t, m, "POST", "/api/v1/transfers", chenToken,
		map[string]any{"from": "amy", "to": "chenjing", "reason": "amy moves to Beijing"}, &out); got != http.StatusOK || out.Moved != len(amys) {
		t.Fatalf("transfer: %d, moved %d; want 200, %d", got, out.Moved, len(amys))
	}
	if got := len(book("amy")); got != 0 {
		t.Fatalf("amy still has %d clients", got)
	}
	for _, c := range amys {
		got, err := m.DB.FindCustomerByID(t.Context(), c.ID)
		if err != nil || got.Advisor != "chenjing" {
			t.Fatalf("client %s: advisor %v, %v; want chenjing", c.ID, got, err)
		}
	}
	note, err := next(notes)
	if err != nil || !bytes.Contains(note, []byte(`"type":"customer.transferred"`)) {
		t.Fatalf("chenjing was not told of her new clients: %v %s", err, note)
	}
}
