package wxclient

import (
	"context"
	"fmt"

	"github.com/silenceper/wechat/v2/officialaccount"
	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
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
