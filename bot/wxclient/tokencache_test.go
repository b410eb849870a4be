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

// TestTokenCacheConcurrent: silenceper's own memory cache reads its map
// without the lock (the race detector watches this test). Callers sharing
// one token handle over the cache fetch the token once between them, while
// other keys are written, read and deleted around it, and every write
// reaches the database as it hit the cache.
func TestTokenCacheConcurrent(t *testing.T) {
	f := newFake(t)
	f.serveTokens(7200)
	f.install(t)
	db := newTokenDB(t)
	c := newTestCache(t, db, newFakeClock())
	ak := credential.NewWorkAccessToken("wwcorp", "secret", "1000002", credential.CacheKeyWorkPrefix, c)

	const callers = 50
	tokens := make([]string, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			tok, err := ak.GetAccessToken()
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
			tokens[i] = tok
		})
		wg.Go(func() {
			key, value := fmt.Sprintf("ticket-%d", i), fmt.Sprintf("v%d", i)
			if err := c.Set(key, value, time.Minute); err != nil {
				t.Errorf("set %s: %v", key, err)
			}
			if got := c.Get(key); got != value {
				t.Errorf("get %s = %v, want %s", key, got, value)
			}
			if i%2 == 1 {
				_ = c.Delete(key)
				if c.IsExist(key) {
					t.Errorf("%s exists after its delete", key)
				}
			}
		})
	}
	wg.Wait()
	if got := f.count("/wecom/cgi-bin/gettoken"); got != 1 {
		t.Errorf("gettoken requests = %d for %d callers, want 1", got, callers)
	}
	for i, tok := range tokens {
		if tok != "tok-wecom-1" {
			t.Fatalf("caller %d got %q, want the one token tok-wecom-1", i, tok)
		}
	}
	for i := range callers {
		key := fmt.Sprintf("ticket-%d", i)
		got, ok := storedToken(t, db, key)
		if want := i%2 == 0; ok != want || (ok && got.Value != fmt.Sprintf("v%d", i)) {
			t.Errorf("stored %s = %+v, %v; want present=%v", key, got, ok, want)
		}
	}
}

func TestTokenCachePersists(t *testing.T) {
	clock := newFakeClock()
	db := newTokenDB(t)
	c := newTestCache(t, db, clock)
	_ = c.Set("ticket", "jsapi-1", time.Hour)
	_ = c.Set("short", "x", time.Minute)
	_ = c.Set("struct", struct{}{}, time.Hour)
	_ = c.Set("gone", "y", time.Hour)
	_ = c.Delete("gone")

	got, ok := storedToken(t, db, "ticket")
	if want := (StoredToken{Value: "jsapi-1", ExpiresAt: clock.Now().Add(time.Hour)}); !ok || got != want {
		t.Fatalf("stored = %+v, %v; want %+v", got, ok, want)
	}
	if _, ok := storedToken(t, db, "struct"); ok {
		t.Error("a non-string value was persisted")
	}
	if _, ok := storedToken(t, db, "gone"); ok {
		t.Error("a deleted value stayed in the store")
	}

	// NewTokenCache compares with the real clock; move the stored expiry
	// instead of the clock.
	putToken(t, db, "ticket", StoredToken{Value: "jsapi-1", ExpiresAt: time.Now().Add(time.Hour)})
	putToken(t, db, "short", StoredToken{Value: "x", ExpiresAt: time.Now().Add(-time.Second)})

	restarted, err := NewTokenCache(context.Background(), db, nil)
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
	db := newTokenDB(t)

	for run := range 2 {
		c, err := NewTokenCache(context.Background(), db, nil)
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
