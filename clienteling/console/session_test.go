package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/console"
)

// TestStateChangeNeedsTheSessionsCSRFToken: a note posted without the
// token, or with another session's, is refused and stores nothing; with
// it, it is stored.
func TestStateChangeNeedsTheSessionsCSRFToken(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	amy := r.signIn(t, "amy")
	other := r.signIn(t, "amy")
	path := "/clients/" + string(r.Own.ID) + "/notes"
	for name, form := range map[string]url.Values{
		"none":            {"text": {"prefers the green"}},
		"another session": {"text": {"prefers the green"}, "csrf": {formToken(t, other.mustBeSignedIn(t).body)}},
		"forged":          {"text": {"prefers the green"}, "csrf": {"forged"}},
	} {
		if a := amy.post(t, path, form); a.status != http.StatusForbidden {
			t.Errorf("%s token: %d, want 403", name, a.status)
		}
	}
	if n := notes(t, r); n != 0 {
		t.Fatalf("%d notes stored by refused requests", n)
	}
	token := formToken(t, amy.mustBeSignedIn(t).body)
	if a := amy.post(t, path, url.Values{"text": {"prefers the green"}, "csrf": {token}}); a.status != http.StatusSeeOther {
		t.Fatalf("with the token: %d: %s", a.status, a.body)
	}
	if n := notes(t, r); n != 1 {
		t.Fatalf("%d notes stored, want 1", n)
	}
}

func notes(t *testing.T, r *rig) int {
	t.Helper()
	ns, err := r.Service.Notes(clienteling.WithPrincipal(context.Background(), clientelingtest.AsAdmin), r.Own.ID)
	if err != nil {
		t.Fatal(err)
	}
	return len(ns)
}

// TestSessionEndsWhenIdle: a session used within SessionIdle goes on; one
// left alone for it ends.
func TestSessionEndsWhenIdle(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	amy := r.signIn(t, "amy")
	r.Clock.Advance(clienteling.SessionIdle - time.Minute)
	amy.mustBeSignedIn(t)
	r.Clock.Advance(clienteling.SessionIdle - time.Minute)
	amy.mustBeSignedIn(t)
	r.Clock.Advance(clienteling.SessionIdle)
	amy.mustBeSignedOut(t)
}

// TestSessionEndsAtItsAbsoluteExpiry: however busy, a session ends
// SessionLifetime after sign-in.
func TestSessionEndsAtItsAbsoluteExpiry(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	amy := r.signIn(t, "amy")
	step := clienteling.SessionIdle - time.Hour
	for elapsed := step; elapsed < clienteling.SessionLifetime; elapsed += step {
		r.Clock.Advance(step)
		amy.mustBeSignedIn(t)
	}
	r.Clock.Advance(step)
	amy.mustBeSignedOut(t)
}

// TestSignOutEndsTheSession: after signing out, the old cookie opens
// nothing, even replayed.
func TestSignOutEndsTheSession(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	amy := r.signIn(t, "amy")
	u, _ := url.Parse(r.url)
	kept := amy.Jar.Cookies(u)
	if a := amy.post(t, "/signout", url.Values{"csrf": {formToken(t, amy.mustBeSignedIn(t).body)}}); a.status != http.StatusSeeOther || a.location != "/signin" {
		t.Fatalf("sign out: %d to %q", a.status, a.location)
	}
	amy.mustBeSignedOut(t)
	replay := r.browser(t)
	replay.Jar.SetCookies(u, kept)
	replay.mustBeSignedOut(t)
}

// TestSignInLinkWorksOnce: the second use of a link, or a use after
// SignInLinkLifetime, signs nobody in.
func TestSignInLinkWorksOnce(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	link := r.issueLink(t, "amy")
	first := r.browser(t)
	if a := first.useLink(t, link); a.status != http.StatusSeeOther {
		t.Fatalf("first use: %d: %s", a.status, a.body)
	}
	first.mustBeSignedIn(t)
	second := r.browser(t)
	if a := second.useLink(t, link); a.status != http.StatusUnauthorized {
		t.Fatalf("second use: %d, want 401", a.status)
	}
	second.mustBeSignedOut(t)

	late := r.issueLink(t, "amy")
	r.Clock.Advance(clienteling.SignInLinkLifetime)
	b := r.browser(t)
	if a := b.useLink(t, late); a.status != http.StatusUnauthorized {
		t.Fatalf("use after %s: %d, want 401", clienteling.SignInLinkLifetime, a.status)
	}
	b.mustBeSignedOut(t)
}

// TestSignInLinkFormNeedsItsCookie: a sign-in posted from elsewhere (no
// matching sign-in cookie) is refused, and the link stays unused.
func TestSignInLinkFormNeedsItsCookie(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	link := r.issueLink(t, "amy")
	b := r.browser(t)
	if a := b.post(t, "/signin/link", url.Values{"csrf": {"guessed-token-123456"}, "t": {link}}); a.status != http.StatusForbidden {
		t.Fatalf("cross-site sign-in: %d, want 403", a.status)
	}
	if a := b.useLink(t, link); a.status != http.StatusSeeOther {
		t.Fatalf("the link was spent by a refused request: %d", a.status)
	}
}

// TestDepartureEndsSessions: once an associate has departed, their open
// session opens nothing.
func TestDepartureEndsSessions(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	amy := r.signIn(t, "amy")
	u, _ := url.Parse(r.url)
	var secret string
	for _, ck := range amy.Jar.Cookies(u) {
		if ck.Name == console.SessionCookie {
			secret = ck.Value
		}
	}
	departed := clienteling.StatusDeparted
	if _, err := r.Service.UpdateAssociate(clienteling.WithPrincipal(context.Background(), clientelingtest.AsAdmin), "amy",
		&clienteling.AssociatePatch{Status: &departed}); err != nil {
		t.Fatal(err)
	}
	// Ended in the departure's transaction, not only refused when used.
	if _, err := r.DB.FindSession(context.Background(), clienteling.HashSecret(secret)); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("the departed associate's session is still stored: %v", err)
	}
	amy.mustBeSignedOut(t)
	if a := r.browser(t).useLink(t, r.issueLinkMayFail(t, "amy")); a.status == http.StatusSeeOther {
		t.Fatal("a departed associate signed in")
	}
}

func (r *rig) issueLinkMayFail(t *testing.T, id clienteling.AssociateID) string {
	secret, _, err := r.Service.IssueSignInLink(clienteling.WithPrincipal(context.Background(), clientelingtest.AsAdmin), id)
	if err == nil {
		t.Fatalf("a sign-in link was issued for departed %s", id)
	}
	return secret
}

// TestAnotherAssociatesClientIsNotFound: amy opening sophie's client sees
// the "not your client" page, 404, and nothing of the client.
func TestAnotherAssociatesClientIsNotFound(t *testing.T) {
	t.Parallel()
	r := newRig(t, func(c *console.Config) {})
	amy := r.signIn(t, "amy")
	for _, path := range []string{"/clients/" + string(r.Sophies.ID), "/clients/" + string(r.Sophies.ID) + "/thread",
		"/clients/" + string(r.Sophies.ID) + "/messages?before=zzz"} {
		a := amy.get(t, path)
		if a.status != http.StatusNotFound {
			t.Fatalf("%s: %d, want 404", path, a.status)
		}
		if !strings.Contains(a.body, "not-your-client") || strings.Contains(a.body, r.Sophies.Name) {
			t.Fatalf("%s: not the not-your-client page, or it shows the client:\n%s", path, a.body)
		}
	}
	if a := amy.get(t, "/clients/"+string(r.Own.ID)); a.status != http.StatusOK || !strings.Contains(a.body, r.Own.Name) {
		t.Fatalf("own client: %d", a.status)
	}
}

// TestSessionCookie: HttpOnly, SameSite=Lax, and Secure behind an https
// public URL.
func TestSessionCookie(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		public string
		secure bool
	}{{"", false}, {"https://salon.example.com", true}} {
		r := newRig(t, func(c *console.Config) { c.PublicURL = tc.public })
		b := r.browser(t)
		a := b.useLink(t, r.issueLink(t, "amy"))
		var found bool
		for _, ck := range (&http.Response{Header: a.header}).Cookies() {
			if ck.Name != console.SessionCookie {
				continue
			}
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure != tc.secure {
				t.Errorf("public URL %q: cookie HttpOnly=%v SameSite=%v Secure=%v", tc.public, ck.HttpOnly, ck.SameSite, ck.Secure)
			}
		}
		if !found {
			t.Fatalf("public URL %q: no session cookie set", tc.public)
		}
	}
}
