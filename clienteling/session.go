package clienteling

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"
)

// Prefixes of the console's secrets, so that a leaked one is recognised
// and never mistaken for a bearer token.
const (
	SessionPrefix    = "sls_"
	SignInLinkPrefix = "sli_"
)

// Lifetimes of the console's sign-in: a session ends after SessionIdle
// without a request, and SessionLifetime after sign-in whatever happens; a
// sign-in link must be opened within SignInLinkLifetime, once.
const (
	SessionIdle        = 12 * time.Hour
	SessionLifetime    = 7 * 24 * time.Hour
	SignInLinkLifetime = 15 * time.Minute
	// sessionTouchInterval is how stale a session's last use may be
	// stored, so that most requests only read.
	sessionTouchInterval = time.Minute
)

// Session is a member of staff signed in to the console. It is stored
// under the SHA-256 of its secret, which only the browser's cookie holds.
type Session struct {
	Subject    AssociateID
	Role       string // RoleAssociate or RoleManager
	CSRF       string // the form token of every state-changing request
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute: CreatedAt + SessionLifetime
}

// SignInLink lets one associate sign in once, before ExpiresAt.
type SignInLink struct {
	Subject   AssociateID
	IssuedBy  string
	ExpiresAt time.Time
}

// SessionStore keeps console sessions and sign-in links by the hash of
// their secrets.
type SessionStore interface {
	CreateSession(ctx context.Context, hash [32]byte, s *Session) error
	// FindSession returns the session stored under hash, or ENOTFOUND.
	FindSession(ctx context.Context, hash [32]byte) (*Session, error)
	// TouchSession records a use at at. ENOTFOUND if it is gone.
	TouchSession(ctx context.Context, hash [32]byte, at time.Time) error
	// DeleteSession ends a session; one already gone is no error.
	DeleteSession(ctx context.Context, hash [32]byte) error
	CreateSignInLink(ctx context.Context, hash [32]byte, l *SignInLink) error
	// RedeemSignInLink deletes the link stored under link and stores the
	// session that open makes of it under session, in one transaction, so
	// that a link signs in once. ENOTFOUND for an unknown or used link.
	RedeemSignInLink(ctx context.Context, link, session [32]byte, open func(*SignInLink) (*Session, error)) (*Session, error)
}

// newConsoleSecret returns a fresh secret with prefix, and its hash.
func newConsoleSecret(prefix string) (string, [32]byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("clienteling: no randomness: " + err.Error())
	}
	secret := prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashSecret(secret)
}

// staffRole returns the console role of an active associate, or
// EUNAUTHORIZED for one who is unknown or has departed.
func (s *Service) staffRole(ctx context.Context, id AssociateID) (*Associate, string, error) {
	a, err := s.store.FindAssociate(ctx, id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, "", Errorf(EUNAUTHORIZED, "no such associate")
	} else if err != nil {
		return nil, "", err
	}
	if a.Status == StatusDeparted {
		return nil, "", Errorf(EUNAUTHORIZED, "the associate has departed")
	}
	if a.Role == StaffManager {
		return a, RoleManager, nil
	}
	return a, RoleAssociate, nil
}

// newSession makes the session of associate id with role, signed in now.
func (s *Service) newSession(id AssociateID, role string) *Session {
	now := s.clock.Now().UTC()
	csrf, _ := newConsoleSecret("")
	return &Session{Subject: id, Role: role, CSRF: csrf, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionLifetime)}
}

// IssueSignInLink makes a single-use sign-in link secret for associate id,
// valid for SignInLinkLifetime: an admin for anyone, a manager for the
// associates of their boutique. EINVALID (field "associate") for an
// unknown associate or one who left; ENOTFOUND, for a manager, for one of
// another boutique, and for a brand-limited admin, of another brand.
func (s *Service) IssueSignInLink(ctx context.Context, id AssociateID) (string, *SignInLink, error) {
	if err := require(ctx, RoleAdmin, RoleManager); err != nil {
		return "", nil, err
	}
	if err := Validate(&struct {
		Associate AssociateID `json:"associate" validate:"required,userid"`
	}{id}); err != nil {
		return "", nil, err
	}
	a, _, err := s.staffRole(ctx, id)
	if ErrorCode(err) == EUNAUTHORIZED {
		return "", nil, FieldError("associate", "no active associate with this userid")
	} else if err != nil {
		return "", nil, err
	}
	p := PrincipalFrom(ctx)
	if p.Role == RoleManager && a.Boutique != p.Boutique {
		// Another boutique's staff are not shown to a manager.
		return "", nil, Errorf(ENOTFOUND, "no such associate")
	}
	if err := s.associateInScope(ctx, a); err != nil {
		// Nor another maison's to a brand-limited admin.
		return "", nil, err
	}
	secret, hash := newConsoleSecret(SignInLinkPrefix)
	l := &SignInLink{Subject: id, IssuedBy: p.Subject, ExpiresAt: s.clock.Now().UTC().Add(SignInLinkLifetime)}
	if err := s.store.CreateSignInLink(ctx, hash, l); err != nil {
		return "", nil, err
	}
	return secret, l, nil
}

// RedeemSignInLink uses a sign-in link once and returns the new session's
// secret. EUNAUTHORIZED for a link unknown, used, expired, or of an
// associate who has left since.
func (s *Service) RedeemSignInLink(ctx context.Context, link string) (string, *Session, error) {
	if link == "" || len(link) > 256 {
		return "", nil, Errorf(EUNAUTHORIZED, "malformed sign-in link")
	}
	secret, hash := newConsoleSecret(SessionPrefix)
	sess, err := s.store.RedeemSignInLink(ctx, HashSecret(link), hash, func(l *SignInLink) (*Session, error) {
		if !s.clock.Now().Before(l.ExpiresAt) {
			return nil, Errorf(EUNAUTHORIZED, "expired sign-in link")
		}
		_, role, err := s.staffRole(ctx, l.Subject)
		if err != nil {
			return nil, err
		}
		return s.newSession(l.Subject, role), nil
	})
	if ErrorCode(err) == ENOTFOUND {
		return "", nil, Errorf(EUNAUTHORIZED, "unknown or used sign-in link")
	} else if err != nil {
		return "", nil, err
	}
	return secret, sess, nil
}

// StartSession signs associate id in after an adapter proved who they are
// (WeCom web authorisation, the sandbox's demo staff). Salon's own
// principal only: no member of staff may open a session for another.
func (s *Service) StartSession(ctx context.Context, id AssociateID) (string, *Session, error) {
	if p := PrincipalFrom(ctx); p == nil || *p != *System() {
		return "", nil, Errorf(EFORBIDDEN, "only Salon itself starts sessions")
	}
	_, role, err := s.staffRole(ctx, id)
	if err != nil {
		return "", nil, err
	}
	secret, hash := newConsoleSecret(SessionPrefix)
	sess := s.newSession(id, role)
	if err := s.store.CreateSession(ctx, hash, sess); err != nil {
		return "", nil, err
	}
	return secret, sess, nil
}

// ResumeSession returns the principal and session a session secret stands
// for. EUNAUTHORIZED for one unknown, idle for SessionIdle, older than
// SessionLifetime, or of an associate who has left; such a session is
// deleted.
func (s *Service) ResumeSession(ctx context.Context, secret string) (*Principal, *Session, error) {
	if secret == "" || len(secret) > 256 {
		return nil, nil, Errorf(EUNAUTHORIZED, "no session")
	}
	hash := HashSecret(secret)
	sess, err := s.store.FindSession(ctx, hash)
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, Errorf(EUNAUTHORIZED, "unknown session")
	} else if err != nil {
		return nil, nil, err
	}
	now := s.clock.Now()
	end := func(why string) (*Principal, *Session, error) {
		_ = s.store.DeleteSession(ctx, hash)
		return nil, nil, Errorf(EUNAUTHORIZED, "%s", why)
	}
	if !now.Before(sess.ExpiresAt) {
		return end("session expired")
	}
	if now.Sub(sess.LastSeenAt) >= SessionIdle {
		return end("session idle too long")
	}
	a, role, err := s.staffRole(ctx, sess.Subject)
	if ErrorCode(err) == EUNAUTHORIZED {
		return end("session of an associate who has left")
	} else if err != nil {
		return nil, nil, err
	}
	if now.Sub(sess.LastSeenAt) >= sessionTouchInterval {
		if err := s.store.TouchSession(ctx, hash, now.UTC()); err == nil {
			sess.LastSeenAt = now.UTC()
		}
	}
	return &Principal{Subject: string(sess.Subject), Role: role, Boutique: a.Boutique}, sess, nil
}

// EndSession signs a session out; an unknown one is no error.
func (s *Service) EndSession(ctx context.Context, secret string) error {
	if secret == "" || len(secret) > 256 {
		return nil
	}
	return s.store.DeleteSession(ctx, HashSecret(secret))
}
