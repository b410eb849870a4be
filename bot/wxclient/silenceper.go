package wxclient

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/silenceper/wechat/v2/officialaccount"
	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/work"
	workconfig "github.com/silenceper/wechat/v2/work/config"
	"github.com/silenceper/wechat/v2/work/kf"
)

// NewOfficialAccount returns silenceper's Official Account client for cfg
// with p, which must hold the same appid's credential, as its only token
// source. cfg is copied; a nil Cache is replaced by a memory TokenCache,
// since silenceper panics without one and keeps js tickets in it.
func NewOfficialAccount(cfg *oaconfig.Config, p *AccessTokenProvider) (*officialaccount.OfficialAccount, error) {
	if err := p.matches(OA, cfg.AppID); err != nil {
		return nil, err
	}
	c := *cfg
	if c.Cache == nil {
		c.Cache = newMemoryCache()
	}
	oa := officialaccount.NewOfficialAccount(&c)
	oa.SetAccessTokenHandle(p)
	return oa, nil
}

// NewWork returns silenceper's WeCom client for cfg with p, which must hold
// the same corpid's credential, as the token source of everything reached
// through it (GetExternalContact, GetMessage, ...) except GetKF, whose
// client builds its own token source: use NewKF for customer service.
func NewWork(cfg *workconfig.Config, p *AccessTokenProvider) (*work.Work, error) {
	if err := p.matches(WeCom, cfg.CorpID); err != nil {
		return nil, err
	}
	c := *cfg
	if c.Cache == nil {
		c.Cache = newMemoryCache()
	}
	wk := work.NewWork(&c)
	// Work has no setter, but every client it hands out shares this context.
	wk.GetContext().AccessTokenHandle = p
	return wk, nil
}

// NewKF returns silenceper's WeCom customer service client for cfg with p
// as its token source. The kf client offers no way to replace its token
// handle, so p is slipped in through its cache: see
// AccessTokenProvider.Cache.
func NewKF(cfg *workconfig.Config, p *AccessTokenProvider) (*kf.Client, error) {
	if err := p.matches(WeCom, cfg.CorpID); err != nil {
		return nil, err
	}
	c := *cfg
	next := c.Cache
	if next == nil {
		next = newMemoryCache()
	}
	c.Cache = p.Cache(next)
	return kf.NewClient(&c)
}

func (p *AccessTokenProvider) matches(f Family, id string) error {
	if p == nil {
		return fmt.Errorf("wxclient: nil access token provider")
	}
	if p.cred.Family != f || p.cred.ID != id {
		return fmt.Errorf("wxclient: provider for %s cannot serve %s %q", p.cred, f, id)
	}
	return nil
}

func newMemoryCache() *TokenCache {
	// Without a store NewTokenCache neither does I/O nor fails.
	c, _ := NewTokenCache(context.Background(), nil, nil)
	return c
}

// Cache returns a cache.Cache that answers the keys silenceper's own token
// handles (credential.DefaultAccessToken, StableAccessToken,
// WorkAccessToken) look up for p's credential with p's token, and passes
// every other key to next. Use it where silenceper builds a token handle
// that cannot be replaced, as kf.NewClient does. silenceper's attempts to
// store a token of its own under those keys are ignored: p owns the token.
// If p fails, Get answers nil and silenceper fetches on its own, through the
// same installed client and base.
func (p *AccessTokenProvider) Cache(next cache.Cache) cache.Cache {
	return &providerCache{p: p, next: next}
}

type providerCache struct {
	p    *AccessTokenProvider
	next cache.Cache
}

func (c *providerCache) Get(key string) any {
	if !c.p.ownsCacheKey(key) {
		return c.next.Get(key)
	}
	// silenceper passes no context; the client's timeout bounds the wait.
	token, err := c.p.Token(context.Background())
	if err != nil {
		return nil
	}
	return token
}

func (c *providerCache) IsExist(key string) bool {
	return c.Get(key) != nil
}

func (c *providerCache) Set(key string, val any, timeout time.Duration) error {
	if c.p.ownsCacheKey(key) {
		return nil
	}
	return c.next.Set(key, val, timeout)
}

func (c *providerCache) Delete(key string) error {
	if c.p.ownsCacheKey(key) {
		return nil
	}
	return c.next.Delete(key)
}

// ownsCacheKey reports whether key is one silenceper's token handles build
// for p's credential; the formats are those of credential's
// default_access_token.go.
func (p *AccessTokenProvider) ownsCacheKey(key string) bool {
	id := p.cred.ID
	switch p.cred.Family {
	case OA:
		prefix := credential.CacheKeyOfficialAccountPrefix
		return key == prefix+"_access_token_"+id || key == prefix+"_stable_access_token_"+id
	case WeCom:
		// With an AgentID set the key gains "_AGENTID".
		base := credential.CacheKeyWorkPrefix + "_access_token_" + id
		return key == base || strings.HasPrefix(key, base+"_")
	}
	return false
}
