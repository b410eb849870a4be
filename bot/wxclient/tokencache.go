package wxclient

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/cache"
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

// TokenCache is a race-free implementation of silenceper's cache.Cache, for
// the Cache field of its configs (which it requires and also uses for js
// tickets). String values are written through to an optional TokenStore;
// other values live in memory only. The zero value is not usable; call
// NewTokenCache.
type TokenCache struct {
	store  TokenStore
	logger *slog.Logger
	now    func() time.Time

	// saveMu orders writes to the store the way they hit the map, without
	// holding mu (and so every Get) across disk I/O.
	saveMu sync.Mutex
	mu     sync.Mutex
	m      map[string]cacheEntry
}

type cacheEntry struct {
	val       any
	expiresAt time.Time
}

var _ cache.Cache = (*TokenCache)(nil)

// NewTokenCache returns an empty cache, or with a non-nil store one filled
// with the store's unexpired tokens. A nil logger discards; the cache logs
// only store failures, never values.
func NewTokenCache(ctx context.Context, store TokenStore, logger *slog.Logger) (*TokenCache, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &TokenCache{store: store, logger: logger, now: time.Now, m: make(map[string]cacheEntry)}
	if store == nil {
		return c, nil
	}
	stored, err := store.LoadTokens(ctx)
	if err != nil {
		return nil, fmt.Errorf("wxclient: load tokens: %w", err)
	}
	now := c.now()
	for key, t := range stored {
		if t.Value != "" && now.Before(t.ExpiresAt) {
			c.m[key] = cacheEntry{val: t.Value, expiresAt: t.ExpiresAt}
		}
	}
	return c, nil
}

// Get returns the value under key, or nil if there is none or it expired.
func (c *TokenCache) Get(key string) any {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil
	}
	if !c.now().Before(e.expiresAt) {
		delete(c.m, key)
		return nil
	}
	return e.val
}

// IsExist reports whether Get would return a value for key.
func (c *TokenCache) IsExist(key string) bool {
	return c.Get(key) != nil
}

// Set keeps val under key for timeout. A timeout of zero or less stores
// nothing and deletes key: silenceper subtracts a safety margin from a
// token's lifetime, and a negative result must not mean "forever". A store
// failure is logged, not returned: silenceper would otherwise fail an API
// call over a token it already holds.
func (c *TokenCache) Set(key string, val any, timeout time.Duration) error {
	if timeout <= 0 {
		return c.Delete(key)
	}
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	expiresAt := c.now().Add(timeout)
	c.mu.Lock()
	c.m[key] = cacheEntry{val: val, expiresAt: expiresAt}
	c.mu.Unlock()
	if s, ok := val.(string); ok {
		c.save(key, StoredToken{Value: s, ExpiresAt: expiresAt})
	}
	return nil
}

// Delete removes key from the cache and the store.
func (c *TokenCache) Delete(key string) error {
	c.saveMu.Lock()
	defer c.saveMu.Unlock()
	c.mu.Lock()
	_, had := c.m[key]
	delete(c.m, key)
	c.mu.Unlock()
	if had {
		c.save(key, StoredToken{})
	}
	return nil
}

func (c *TokenCache) save(key string, t StoredToken) {
	if c.store == nil {
		return
	}
	// silenceper's cache interface carries no context; the store is local.
	if err := c.store.SaveToken(context.Background(), key, t); err != nil {
		c.logger.Warn("wxclient: token not persisted", "key", key, "err", err)
	}
}
