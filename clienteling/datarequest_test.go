package clienteling_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// The export holds everything typed about the client, unmasked, in their
// profile, messages and notes: it answers the client's access request.
func TestExportCustomerHoldsEverything(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	personal := clientelingtest.SeedPersonalData(t, m.DB, m.Own)
	x, err := m.Service.ExportCustomer(clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin), m.Own.ID)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range append(personal, string(m.Own.ID), m.Own.Identities[0].ExternalID) {
		if !strings.Contains(string(raw), s) {
			t.Errorf("export lacks %q: %s", s, raw)
		}
	}
	if len(x.Messages) == 0 || len(x.Notes) == 0 || !x.ExportedAt.Equal(m.Clock.Now()) {
		t.Errorf("export: %d messages, %d notes, exported at %v (now %v)", len(x.Messages), len(x.Notes), x.ExportedAt, m.Clock.Now())
	}
}

// An erasure wakes whoever publishes customer.erased, which it recorded;
// an erasure that fails wakes nobody.
func TestEraseCustomerWakesTheRelay(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	woken := 0
	m.Service.SetEventNotifier(func() { woken++ })
	ctx := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	if err := m.Service.EraseCustomer(ctx, clienteling.CustomerID(clienteling.NewID())); clienteling.ErrorCode(err) != clienteling.ENOTFOUND || woken != 0 {
		t.Fatalf("unknown id: got %v and %d wakes, want ENOTFOUND and none", err, woken)
	}
	if err := m.Service.EraseCustomer(ctx, m.Own.ID); err != nil || woken != 1 {
		t.Fatalf("got %v and %d wakes, want one", err, woken)
	}
	if _, err := m.Service.ExportCustomer(ctx, m.Own.ID); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("export after erasure: got %v, want ENOTFOUND", err)
	}
}
