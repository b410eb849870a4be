package wxclient

import (
	"context"
	"time"
)

// StoredToken is an access token or ticket as kept across restarts. It is
// an alias of a struct of standard types, not a type of its own, so that
// the database package implements TokenStore with an identical struct of
// its own, without importing this package.
type StoredToken = struct {
	// Value is the token itself. It is a credential: never log it.
	Value string
	// ExpiresAt is when WeChat stops accepting it.
	ExpiresAt time.Time
}

// TokenStore persists tokens so that a restart reuses them instead of
// spending WeChat's daily fetch quota (2 000 a day for an Official Account).
// It uses only standard types (StoredToken is an alias) so that the
// database package can implement it without importing this one.
// Implementations must be safe for concurrent use.
type TokenStore interface {
	// LoadTokens returns every stored token by key, expired ones included
	// (the caller drops them); an empty store returns an empty map.
	LoadTokens(ctx context.Context) (map[string]StoredToken, error)
	// SaveToken stores t under key, replacing what was there; a t with an
	// empty Value deletes key.
	SaveToken(ctx context.Context, key string, t StoredToken) error
}
