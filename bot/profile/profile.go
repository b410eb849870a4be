// Package profile fills in what WeChat knows of a new client: the language
// their WeChat is set to (so the bot answers in it) and their unionid (so
// the same person writing on another channel is one client). It runs after
// the acknowledgement, never on its path, from tasks the store wrote in the
// receiving transaction, so a crash or an outage of WeChat's API delays a
// profile but never loses it.
package profile

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"time"

	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/locales"
)

// Store is what the enricher needs of storage.
type Store = clienteling.ProfileStore

// Fetcher calls WeChat's API with an access token: a
// *wxclient.AccessTokenProvider.
type Fetcher interface {
	GetJSON(ctx context.Context, path string, query url.Values, out any) error
}

// Enricher works through pending profiles.
type Enricher struct {
	store Store
	oa    Fetcher // nil without an Official Account
	log   *slog.Logger
	wake  *clienteling.Waker
	// MaxBackoff caps the wait while WeChat's API is failing.
	MaxBackoff time.Duration
}

// New returns an enricher; oa may be nil, in which case profiles are
// cleared without a fetch.
func New(s Store, oa Fetcher, log *slog.Logger) *Enricher {
	return &Enricher{store: s, oa: oa, log: log, wake: clienteling.NewWaker(), MaxBackoff: time.Minute}
}

// Wake says new clients arrived. It never blocks.
func (e *Enricher) Wake() { e.wake.Wake() }

// userInfo is the part of /cgi-bin/user/info we use.
type userInfo struct {
	Subscribe int    `json:"subscribe"`
	Language  string `json:"language"`
	UnionID   string `json:"unionid"`
}

// Run works until ctx ends, then returns nil. WeChat's failures are
// retried, never fatal.
func (e *Enricher) Run(ctx context.Context) error {
	backoff := clienteling.NewBackoff(time.Second, e.MaxBackoff)
	for {
		err := e.round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := 30 * time.Second // a safety net for a lost wake
		if err != nil {
			wait = backoff.Next()
			e.log.Warn("profile fetch: will retry", "err", err, "in", wait)
		} else {
			backoff.Reset()
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-e.wake.C():
		case <-timer.C:
		}
		timer.Stop()
	}
}

// round handles the pending tasks: it fetches their profiles, then applies
// what it fetched in one commit, so that a burst of new clients does not
// queue a commit each behind the receipts. A retryable failure ends the
// fetching, so that the backoff applies to WeChat as a whole; what was
// fetched before it is still applied.
func (e *Enricher) round(ctx context.Context) error {
	tasks, err := e.store.PendingProfiles(ctx, 100)
	if err != nil {
		return err
	}
	var fetched []clienteling.FetchedProfile
	var failed error
	for _, t := range tasks {
		p, err := e.fetch(ctx, t)
		if err != nil {
			failed = err
			break
		}
		fetched = append(fetched, clienteling.FetchedProfile{Customer: t.Customer, Profile: p})
	}
	if len(fetched) > 0 {
		// Not cancelled with the run: the store's group committer would
		// finish the commit after the caller gave up on it, racing with
		// the caller and with the database's close.
		if err := e.store.ApplyProfiles(context.WithoutCancel(ctx), fetched); err != nil {
			return err
		}
	}
	return failed
}

// fetch asks WeChat for the client's profile. Errors WeChat will repeat
// (an openid it does not know, an unfollowed client) give an empty profile:
// the task is done, the client keeps the defaults.
func (e *Enricher) fetch(ctx context.Context, t clienteling.ProfileTask) (clienteling.Profile, error) {
	if t.Identity.Channel != clienteling.ChannelOA || e.oa == nil {
		return clienteling.Profile{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var u userInfo
	err := e.oa.GetJSON(ctx, "/cgi-bin/user/info", url.Values{"openid": {t.Identity.ExternalID}, "lang": {"zh_CN"}}, &u)
	var api *wxclient.APIError
	switch {
	case err == nil:
	case wxclient.Retryable(err) || errors.Is(err, context.DeadlineExceeded):
		return clienteling.Profile{}, err
	case errors.As(err, &api):
		e.log.Info("profile not available", "customer", t.Customer, "errcode", api.Code)
		return clienteling.Profile{}, nil
	default:
		return clienteling.Profile{}, err
	}
	p := clienteling.Profile{UnionID: clienteling.UnionID(u.UnionID)}
	if u.Language != "" {
		p.Language = locales.Match(u.Language)
	}
	return p, nil
}
