package wxclient

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/credential"
)

func newTestCache(t *testing.T, store TokenStore, clock *fakeClock) *TokenCache {
	t.Helper()
	c, err := NewTokenCache(context.Background(), store, nil)
	if err != nil {
		t.Fatalf("NewTokenCache: %v", err)
	}
	c.now = clock.Now
	return c
}

func TestTokenCache(t *testing.T) {
	clock := newFakeClock()
	c := newTestCache(t, nil, clock)

	if got := c.Get("k"); got != nil {
		t.Fatalf("Get on empty cache = %v, want nil", got)
	}
	if err := c.Set("k", "v", time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := c.Get("k"); got != "v" {
		t.Errorf("Get = %v, want v", got)
	}
	if !c.IsExist("k") {
		t.Error("IsExist = false, want true")
	}
	clock.Advance(time.Minute)
	if got := c.Get("k"); got != nil {
		t.Errorf("Get after expiry = %v, want nil", got)
	}
	if err := c.Set("k", "v", -time.Second); err != nil {
		t.Fatal(err)
	}
	if c.IsExist("k") {
		t.Error("a negative timeout stored a value")
	}
	_ = c.Set("k", 42, time.Minute)
	_ = c.Delete("k")
	if c.IsExist("k") {
		t.Error("IsExist after Delete = true, want false")
	}
}

// TestTokenCacheConcurrent is for the race detector: silenceper's own
// memory cache reads its map without the lock.
func TestTokenCacheConcurrent(t *testing.T) {
	c := newTestCache(t, newMemStore(), newFakeClock())
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			key := fmt.Sprintf("k%d", i%5)
			_ = c.Set(key, "v", time.Minute)
			_ = c.Get(key)
			_ = c.IsExist(key)
			_ = c.Delete(key)
		})
	}
	wg.Wait()
}

func TestTokenCachePersists(t *testing.T) {
	clock := newFakeClock()
	store := newMemStore()
	c := newTestCache(t, store, clock)
	_ = c.Set("ticket", "jsapi-1", time.Hour)
	_ = c.Set("short", "x", time.Minute)
	_ = c.Set("struct", struct{}{}, time.Hour)
	_ = c.Set("gone", "y", time.Hour)
	_ = c.Delete("gone")

	got, ok := store.get("ticket")
	if want := (StoredToken{Value: "jsapi-1", ExpiresAt: clock.Now().Add(time.Hour)}); !ok || got != want {
		t.Fatalf("stored = %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := store.get("struct"); ok {
		t.Error("a non-string value was persisted")
	}
	if _, ok := store.get("gone"); ok {
		t.Error("a deleted value stayed in the store")
	}

	// NewTokenCache compares with the real clock; move the stored expiry
	// instead of the clock.
	store.mu.Lock()
	store.m["ticket"] = StoredToken{Value: "jsapi-1", ExpiresAt: time.Now().Add(time.Hour)}
	store.m["short"] = StoredToken{Value: "x", ExpiresAt: time.Now().Add(-time.Second)}
	store.mu.Unlock()

	restarted, err := NewTokenCache(context.Background(), store, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := restarted.Get("ticket"); got != "jsapi-1" {
		t.Errorf("after restart Get(ticket) = %v, want jsapi-1", got)
	}
	if got := restarted.Get("short"); got != nil {
		t.Errorf("after restart Get(short) = %v, want nil: it had expired", got)
	}
}

// TestTokenCacheWithSilenceper shows the cache serving silenceper's own
// token handle across a restart: the second handle fetches nothing.
func TestTokenCacheWithSilenceper(t *testing.T) {
	f := newFake(t)
	f.serveTokens(7200)
	f.install(t)
	store := newMemStore()

	for run := range 2 {
		c, err := NewTokenCache(context.Background(), store, nil)
		if err != nil {
			t.Fatal(err)
		}
		ak := credential.NewWorkAccessToken("wwcorp", "secret", "1000002", credential.CacheKeyWorkPrefix, c)
		got, err := ak.GetAccessToken()
		if err != nil {
			t.Fatalf("run %d: GetAccessToken: %v", run, err)
		}
		if want := "tok-wecom-1"; got != want {
			t.Errorf("run %d: token = %q, want %q", run, got, want)
		}
	}
	if got := f.count("/wecom/cgi-bin/gettoken"); got != 1 {
		t.Errorf("gettoken requests = %d, want 1", got)
	}
}
