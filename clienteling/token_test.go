package clienteling_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// issue returns a fresh secret for t, issued by an admin.
func issue(tb testing.TB, m *clientelingtest.Maison, t *clienteling.Token) string {
	tb.Helper()
	secret, err := m.Service.IssueToken(clienteling.WithPrincipal(tb.Context(), clientelingtest.AsAdmin), t)
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// storedToken returns the token of secret as stored.
func storedToken(tb testing.TB, m *clientelingtest.Maison, secret string) *clienteling.Token {
	tb.Helper()
	t, err := m.DB.FindToken(tb.Context(), clienteling.HashSecret(secret))
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func TestTokenExpires(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	secret := issue(t, m, &clienteling.Token{Subject: "crm-team", Role: clienteling.RoleCRM, ExpiresIn: 3600})
	if got, want := storedToken(t, m, secret).ExpiresAt, m.Clock.Now().Add(time.Hour); !got.Equal(want) {
		t.Fatalf("expires at %v, want %v", got, want)
	}
	if _, err := m.Service.Authenticate(t.Context(), secret); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	m.Clock.Advance(time.Hour)
	if _, err := m.Service.Authenticate(t.Context(), secret); clienteling.ErrorCode(err) != clienteling.EUNAUTHORIZED {
		t.Fatalf("at expiry: got %v, want %s", err, clienteling.EUNAUTHORIZED)
	}
}

func TestIssueTokenRefusesBadLifetimes(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	ctx := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	for _, seconds := range []int64{-1, clienteling.MinTokenLifetime - 1, clienteling.MaxTokenLifetime + 1} {
		_, err := m.Service.IssueToken(ctx, &clienteling.Token{Subject: "crm-team", Role: clienteling.RoleCRM, ExpiresIn: seconds})
		if clienteling.ErrorCode(err) != clienteling.EINVALID || clienteling.ErrorField(err) != "expires_in" {
			t.Errorf("expires_in %d: got %v, want %s naming expires_in", seconds, err, clienteling.EINVALID)
		}
	}
	ts, err := m.Service.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 0 {
		t.Fatalf("refused issues stored %d tokens", len(ts))
	}
}

// TestTokenUseWrittenOncePerInterval: authenticating is a read; the last
// use is written once per interval, however many requests share a token.
func TestTokenUseWrittenOncePerInterval(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	secret := issue(t, m, &clienteling.Token{Subject: "amy", Role: clienteling.RoleAssociate})
	if got := storedToken(t, m, secret).LastUsedAt; !got.IsZero() {
		t.Fatalf("unused token has last use %v", got)
	}
	first := m.Clock.Now()
	authenticate := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, err := m.Service.Authenticate(context.Background(), secret); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	authenticate(1)
	if got := storedToken(t, m, secret).LastUsedAt; !got.Equal(first) {
		t.Fatalf("last use %v, want %v", got, first)
	}

	pagesWritten := func() int64 { s := m.DB.Bolt().Stats(); return s.TxStats.GetWrite() }
	writes := pagesWritten()
	m.Clock.Advance(clienteling.LastUseInterval - time.Second)
	authenticate(100)
	if got := pagesWritten() - writes; got != 0 {
		t.Errorf("100 uses within the interval wrote %d pages, want none", got)
	}
	if got := storedToken(t, m, secret).LastUsedAt; !got.Equal(first) {
		t.Errorf("last use moved to %v within the interval", got)
	}

	m.Clock.Advance(time.Second)
	authenticate(50)
	if got, want := storedToken(t, m, secret).LastUsedAt, first.Add(clienteling.LastUseInterval); !got.Equal(want) {
		t.Fatalf("after the interval: last use %v, want %v", got, want)
	}
}

// TestDepartureRevokesTokens: a departed associate's tokens are revoked,
// and stay so if they come back.
func TestDepartureRevokesTokens(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	amys := issue(t, m, &clienteling.Token{Subject: "amy", Role: clienteling.RoleAssociate})
	sophies := issue(t, m, &clienteling.Token{Subject: "sophie", Role: clienteling.RoleAssociate})
	asManager := clienteling.WithPrincipal(t.Context(), clientelingtest.AsManager)
	for _, status := range []string{clienteling.StatusDeparted, clienteling.StatusActive} {
		if _, err := m.Service.UpdateAssociate(asManager, "amy", &clienteling.AssociatePatch{Status: &status}); err != nil {
			t.Fatal(err)
		}
	}
	if got := storedToken(t, m, amys).RevokedAt; !got.Equal(m.Clock.Now()) {
		t.Errorf("amy's token revoked at %v, want %v", got, m.Clock.Now())
	}
	if _, err := m.Service.Authenticate(t.Context(), amys); clienteling.ErrorCode(err) != clienteling.EUNAUTHORIZED {
		t.Errorf("amy back after departing: got %v, want %s", err, clienteling.EUNAUTHORIZED)
	}
	if got := storedToken(t, m, sophies).RevokedAt; !got.IsZero() {
		t.Errorf("sophie's token revoked at %v by amy's departure", got)
	}
	if _, err := m.Service.Authenticate(t.Context(), sophies); err != nil {
		t.Errorf("sophie: %v", err)
	}

	departed := clienteling.StatusDeparted
	asAdmin := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	if _, err := m.Service.UpdateAssociate(asAdmin, "ben", &clienteling.AssociatePatch{Status: &departed}); err != nil {
		t.Fatal(err)
	}
	_, err := m.Service.IssueToken(asAdmin, &clienteling.Token{Subject: "ben", Role: clienteling.RoleAssociate})
	if clienteling.ErrorCode(err) != clienteling.EINVALID || clienteling.ErrorField(err) != "subject" {
		t.Errorf("a token for departed ben: got %v, want %s naming subject", err, clienteling.EINVALID)
	}
}

func TestRevokeToken(t *testing.T) {
	t.Parallel()
	m := clientelingtest.NewMaison(t)
	ctx := clienteling.WithPrincipal(t.Context(), clientelingtest.AsAdmin)
	secret := issue(t, m, &clienteling.Token{Subject: "crm-team", Role: clienteling.RoleCRM})
	id := storedToken(t, m, secret).ID
	revoked, err := m.Service.RevokeToken(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Service.Authenticate(t.Context(), secret); clienteling.ErrorCode(err) != clienteling.EUNAUTHORIZED {
		t.Fatalf("revoked token: got %v, want %s", err, clienteling.EUNAUTHORIZED)
	}
	m.Clock.Advance(time.Hour)
	again, err := m.Service.RevokeToken(ctx, id)
	if err != nil || !again.RevokedAt.Equal(revoked.RevokedAt) {
		t.Fatalf("revoking again: %v, revoked at %v, want %v", err, again.RevokedAt, revoked.RevokedAt)
	}
	for _, tt := range []struct {
		name string
		id   clienteling.TokenID
		code string
	}{
		{"ErrNotFound", "00000000000000ff", clienteling.ENOTFOUND},
		{"ErrMalformed", "not-a-token", clienteling.EINVALID},
		{"ErrUpperCase", clienteling.TokenID("ABCDEF0123456789"), clienteling.EINVALID},
	} {
		if _, err := m.Service.RevokeToken(ctx, tt.id); clienteling.ErrorCode(err) != tt.code {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.code)
		}
	}
	for _, p := range []*clienteling.Principal{clientelingtest.AsAssociate, clientelingtest.AsManager, clientelingtest.AsCRM} {
		if _, err := m.Service.RevokeToken(clienteling.WithPrincipal(t.Context(), p), id); clienteling.ErrorCode(err) != clienteling.EFORBIDDEN {
			t.Errorf("%s revokes: got %v, want %s", p.Role, err, clienteling.EFORBIDDEN)
		}
	}
}

// BenchmarkAuthenticate is the cost every API request pays: with the last
// use written once a minute, a read transaction or two.
func BenchmarkAuthenticate(b *testing.B) {
	m := clientelingtest.NewMaison(b)
	secret := issue(b, m, &clienteling.Token{Subject: "amy", Role: clienteling.RoleAssociate})
	ctx := context.Background()
	for b.Loop() {
		if _, err := m.Service.Authenticate(ctx, secret); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTouchToken is what writing the last use on every request would
// add to each: one commit.
func BenchmarkTouchToken(b *testing.B) {
	m := clientelingtest.NewMaison(b)
	secret := issue(b, m, &clienteling.Token{Subject: "amy", Role: clienteling.RoleAssociate})
	id := storedToken(b, m, secret).ID
	at := m.Clock.Now()
	for b.Loop() {
		at = at.Add(time.Second)
		if err := m.DB.TouchToken(context.Background(), id, at); err != nil {
			b.Fatal(err)
		}
	}
}
