package clienteling

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"sync"
	"time"
)

// TokenPrefix starts every bearer token Salon issues, so that a leaked one is
// easy to recognise in a secret scanner.
const TokenPrefix = "slt_"

// Bounds of a token's lifetime asked at issue, in seconds: from a minute
// (a script's one run) to a year (an integration renewed yearly).
const (
	MinTokenLifetime = 60
	MaxTokenLifetime = 365 * 24 * 60 * 60
)

// LastUseInterval is how stale a token's recorded last use may grow: its
// use is written at most once per interval, so that authenticating a
// request stays a read and never costs a commit.
const LastUseInterval = time.Minute

// TokenID names an issued token in lists and revocations: the first 8
// bytes of its secret's SHA-256, in hex. It says nothing of the secret and
// lets the store find the token by prefix without a second index.
type TokenID string

// tokenIDBytes is how many bytes of the hash a TokenID shows.
const tokenIDBytes = 8

// TokenIDOf returns the id of the token whose secret hashes to hash.
func TokenIDOf(hash [32]byte) TokenID { return TokenID(hex.EncodeToString(hash[:tokenIDBytes])) }

// Prefix returns the leading bytes of the hash id names, or false if id is
// not a token id.
func (id TokenID) Prefix() ([]byte, bool) {
	b, err := hex.DecodeString(string(id))
	if err != nil || len(b) != tokenIDBytes || hex.EncodeToString(b) != string(id) {
		return nil, false
	}
	return b, true
}

// Token is an issued bearer token. Only the hash of its secret is stored.
type Token struct {
	ID      TokenID `json:"id"`
	Subject string  `json:"subject" validate:"required,max=64"`
	Role    string  `json:"role" validate:"required,oneof=associate manager crm admin"`
	// Brand limits an admin or CRM token to one brand (see brand.go);
	// empty is group-wide. Associates and managers are limited by their
	// boutique already, and take none.
	Brand BrandID `json:"brand,omitempty" validate:"omitempty,slug"`
	// ExpiresIn asks at issue for the token to expire this many seconds
	// later; zero means never. Not stored: ExpiresAt is.
	ExpiresIn  int64     `json:"expires_in,omitzero"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"` // to within LastUseInterval
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// TokenStore keeps issued tokens by the SHA-256 of their secret.
type TokenStore interface {
	// CreateToken stores t under hash and sets t.ID. ECONFLICT if a token
	// with the same id exists.
	CreateToken(ctx context.Context, hash [32]byte, t *Token) error
	// FindToken returns the token stored under hash, or ENOTFOUND.
	FindToken(ctx context.Context, hash [32]byte) (*Token, error)
	// Tokens returns every issued token, revoked and expired ones included,
	// in no particular order.
	Tokens(ctx context.Context) ([]*Token, error)
	// RevokeToken marks token id revoked at at, unless it already is, and
	// returns it. ENOTFOUND if there is no such token.
	RevokeToken(ctx context.Context, id TokenID, at time.Time) (*Token, error)
	// TouchToken records that token id was used at at, unless a later use
	// is recorded. ENOTFOUND if there is no such token.
	TouchToken(ctx context.Context, id TokenID, at time.Time) error
	// AdminTokenHash returns the stored hash of the bootstrap admin token, or
	// ENOTFOUND before the first start.
	AdminTokenHash(ctx context.Context) ([32]byte, error)
	// SetAdminTokenHash stores the hash of the bootstrap admin token.
	SetAdminTokenHash(ctx context.Context, hash [32]byte) error
}

// NewSecret returns a fresh bearer token secret and its hash.
func NewSecret() (secret string, hash [32]byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("clienteling: no randomness: " + err.Error())
	}
	secret = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashSecret(secret)
}

// HashSecret returns the hash under which a token secret is stored.
func HashSecret(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// Authenticate returns the principal a bearer token secret stands for.
// EUNAUTHORIZED if it stands for nobody: unknown, revoked, expired, or an
// associate's who is gone. It records the token's use at most once per
// LastUseInterval, so that it is a read on almost every call.
func (s *Service) Authenticate(ctx context.Context, secret string) (*Principal, error) {
	if secret == "" || len(secret) > 256 {
		return nil, Errorf(EUNAUTHORIZED, "missing or malformed bearer token")
	}
	hash := HashSecret(secret)
	if admin, err := s.store.AdminTokenHash(ctx); err == nil && subtle.ConstantTimeCompare(admin[:], hash[:]) == 1 {
		return &Principal{Subject: "admin", Role: RoleAdmin}, nil
	} else if err != nil && ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	t, err := s.store.FindToken(ctx, hash)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHORIZED, "unknown bearer token")
	} else if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	if !t.RevokedAt.IsZero() {
		return nil, Errorf(EUNAUTHORIZED, "revoked bearer token")
	}
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return nil, Errorf(EUNAUTHORIZED, "expired bearer token")
	}
	p := &Principal{Subject: t.Subject, Role: t.Role, Brand: t.Brand}
	if t.Role == RoleAssociate || t.Role == RoleManager {
		a, err := s.store.FindAssociate(ctx, AssociateID(t.Subject))
		if ErrorCode(err) == ENOTFOUND {
			return nil, Errorf(EUNAUTHORIZED, "token of an unknown associate")
		} else if err != nil {
			return nil, err
		}
		// Departure revokes tokens; this also covers those of associates
		// who left before it did.
		if a.Status == StatusDeparted {
			return nil, Errorf(EUNAUTHORIZED, "token of a departed associate")
		}
		p.Boutique = a.Boutique
	}
	s.recordUse(ctx, t, now)
	return p, nil
}

// recordUse writes t's last use unless one within LastUseInterval is
// stored or being written. A failed write is forgotten, not returned: the
// caller holds a valid token, and the time is a hint for whoever prunes
// tokens, which the next use after the interval writes again.
func (s *Service) recordUse(ctx context.Context, t *Token, now time.Time) {
	if now.Sub(t.LastUsedAt) < LastUseInterval || !s.tokenUses.claim(t.ID, now) {
		return
	}
	if err := s.store.TouchToken(ctx, t.ID, now.UTC()); err != nil {
		s.tokenUses.release(t.ID)
	}
}

// tokenUses remembers when this process last wrote each token's use, so
// that concurrent requests with one token, which all read the same stale
// time, write it once.
type tokenUses struct {
	mu      sync.Mutex
	written map[TokenID]time.Time
}

// claim reports whether the caller should write id's use at now, and if
// so notes it as written.
func (u *tokenUses) claim(id TokenID, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if last, ok := u.written[id]; ok && now.Sub(last) < LastUseInterval {
		return false
	}
	if u.written == nil {
		u.written = map[TokenID]time.Time{}
	}
	u.written[id] = now
	return true
}

// release forgets a claim whose write failed.
func (u *tokenUses) release(id TokenID) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.written, id)
}

// IssueToken creates a bearer token for t.Subject with t.Role, expiring
// after t.ExpiresIn seconds if set, and returns its secret, which is shown
// once and never stored. Admin only. Associate and manager tokens must
// name an existing associate of that role or wider. An admin limited to a
// brand issues only within it: tokens of its brand's associates, and admin
// and CRM tokens limited to its brand, never a group-wide one.
func (s *Service) IssueToken(ctx context.Context, t *Token) (string, error) {
	if err := require(ctx, RoleAdmin); err != nil {
		return "", err
	}
	if err := Validate(t); err != nil {
		return "", err
	}
	if t.ExpiresIn != 0 && (t.ExpiresIn < MinTokenLifetime || t.ExpiresIn > MaxTokenLifetime) {
		return "", FieldError("expires_in", "must be from %d (a minute) to %d (a year) seconds, or absent for a token that does not expire",
			MinTokenLifetime, MaxTokenLifetime)
	}
	if err := s.checkTokenBrand(ctx, t); err != nil {
		return "", err
	}
	if t.Role == RoleAssociate || t.Role == RoleManager {
		a, err := s.store.FindAssociate(ctx, AssociateID(t.Subject))
		if ErrorCode(err) == ENOTFOUND || (err == nil && s.associateInScope(ctx, a) != nil) {
			// Another brand's associate is not shown to a brand-limited
			// admin: naming one is naming nobody.
			return "", FieldError("subject", "no associate with this userid")
		} else if err != nil {
			return "", err
		}
		if t.Role == RoleManager && a.Role != StaffManager {
			return "", FieldError("role", "the associate is not a manager")
		}
		if a.Status == StatusDeparted {
			return "", FieldError("subject", "the associate has departed")
		}
	}
	t.CreatedAt = s.clock.Now().UTC()
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = time.Time{}, time.Time{}, time.Time{}
	if t.ExpiresIn != 0 {
		t.ExpiresAt = t.CreatedAt.Add(time.Duration(t.ExpiresIn) * time.Second)
	}
	secret, hash := NewSecret()
	if err := s.store.CreateToken(ctx, hash, t); err != nil {
		return "", err
	}
	return secret, nil
}

// Tokens lists the issued tokens, oldest first, without their secrets,
// which are not stored. Admin only; an admin limited to a brand sees the
// tokens within it (see tokenInScope). The bootstrap admin token is not
// among them: `salon token rotate-admin` replaces it.
func (s *Service) Tokens(ctx context.Context) ([]*Token, error) {
	if err := require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	all, err := s.store.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	ts := all[:0]
	for _, t := range all {
		if ok, err := s.tokenInScope(ctx, t); err != nil {
			return nil, err
		} else if ok {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b *Token) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return ts, nil
}

// RevokeToken revokes token id at once: its next request is refused. A
// revoked token stays listed, with the time of its revocation; revoking it
// again changes nothing. Admin only; a token outside a brand-limited
// admin's view is ENOTFOUND to it.
func (s *Service) RevokeToken(ctx context.Context, id TokenID) (*Token, error) {
	if err := require(ctx, RoleAdmin); err != nil {
		return nil, err
	}
	if _, ok := id.Prefix(); !ok {
		return nil, FieldError("id", "is not a token id (16 lowercase hex digits)")
	}
	if p := PrincipalFrom(ctx); p.Brand != "" {
		t, err := s.findToken(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok, err := s.tokenInScope(ctx, t); err != nil {
			return nil, err
		} else if !ok {
			return nil, Errorf(ENOTFOUND, "token not found")
		}
	}
	return s.store.RevokeToken(ctx, id, s.clock.Now().UTC())
}

// findToken returns the issued token id, or ENOTFOUND. Tokens are few, so
// a brand-limited revocation may afford a scan.
func (s *Service) findToken(ctx context.Context, id TokenID) (*Token, error) {
	ts, err := s.store.Tokens(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "token not found")
}

// checkTokenBrand checks the brand asked for t: a slug that some boutique
// carries, only for the admin and CRM roles, and, when the issuer is
// limited to a brand, that brand (EFORBIDDEN otherwise: a brand's admin
// never mints a group-wide token).
func (s *Service) checkTokenBrand(ctx context.Context, t *Token) error {
	if t.Brand != "" && t.Role != RoleAdmin && t.Role != RoleCRM {
		return FieldError("brand", "is only for admin and crm tokens: an associate's or manager's view follows their boutique")
	}
	if p := PrincipalFrom(ctx); p.Brand != "" && (t.Role == RoleAdmin || t.Role == RoleCRM) && t.Brand != p.Brand {
		return outsideBrand(p.Brand, "brand", "may only issue admin and crm tokens limited to brand %s", p.Brand)
	}
	if t.Brand == "" {
		return nil
	}
	if ok, err := s.brandCarried(ctx, t.Brand); err != nil {
		return err
	} else if !ok {
		return FieldError("brand", "no boutique carries this brand")
	}
	return nil
}

// tokenInScope reports whether the acting admin may see token t: any,
// group-wide; limited to a brand, the admin and CRM tokens limited to that
// brand and the tokens of associates who work for it.
func (s *Service) tokenInScope(ctx context.Context, t *Token) (bool, error) {
	sc, err := s.scope(ctx)
	if err != nil || sc == nil {
		return sc == nil, err
	}
	if t.Role == RoleAdmin || t.Role == RoleCRM {
		return t.Brand == sc.brand, nil
	}
	a, err := s.store.FindAssociate(ctx, AssociateID(t.Subject))
	if ErrorCode(err) == ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return sc.hasAssociate(a), nil
}
