package wxclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"
)

// Credential is one secret that WeChat trades for access tokens: an
// Official Account's appid and appsecret, or a WeCom corpid with one of its
// secrets (each app, customer contact and customer service has its own, and
// tokens of one are refused by the others' APIs).
type Credential struct {
	// Family is OA or WeCom.
	Family Family
	// ID is the appid (OA) or corpid (WeCom).
	ID string
	// Secret is the appsecret or corpsecret. Never logged.
	Secret string
	// Name tells apart the secrets of one corpid, e.g. "app", "contact",
	// "kf"; required for WeCom, optional for OA. It is part of the key the
	// token is stored under.
	Name string
}

// Key returns the TokenStore key of the credential's token: "oa/APPID" or
// "wecom/CORPID/NAME". It holds no secret.
func (c Credential) Key() string {
	if c.Family == WeCom {
		return "wecom/" + c.ID + "/" + c.Name
	}
	if c.Name != "" {
		return "oa/" + c.ID + "/" + c.Name
	}
	return "oa/" + c.ID
}

// String describes the credential without its secret.
func (c Credential) String() string { return c.Key() }

// GoString describes the credential without its secret, for %#v.
func (c Credential) GoString() string { return "wxclient.Credential{" + c.Key() + "}" }

// LogValue logs the credential without its secret.
func (c Credential) LogValue() slog.Value {
	return slog.GroupValue(slog.String("family", c.Family.String()), slog.String("id", c.ID), slog.String("name", c.Name))
}

func (c Credential) validate() error {
	switch {
	case c.Family != OA && c.Family != WeCom:
		return fmt.Errorf("wxclient: credential %s: family must be oa or wecom", c)
	case c.ID == "" || c.Secret == "":
		return fmt.Errorf("wxclient: credential %s: id and secret are required", c)
	case c.Family == WeCom && c.Name == "":
		return fmt.Errorf("wxclient: credential %s: a WeCom credential needs a name", c)
	}
	return nil
}

// Token endpoints. The OA one is stable_token: unlike cgi-bin/token it does
// not revoke the token other holders of the same appid are using.
const (
	stableTokenPath = "/cgi-bin/stable_token"
	getTokenPath    = "/cgi-bin/gettoken"
)

// Provider defaults.
const (
	DefaultRefreshBefore = 5 * time.Minute
	DefaultFetchBackoff  = time.Second
)

// ProviderOptions tune an AccessTokenProvider; the zero value is usable.
type ProviderOptions struct {
	// Store, if set, keeps tokens across restarts.
	Store TokenStore
	// RefreshBefore is how long before expiry a token is replaced; zero
	// means DefaultRefreshBefore. It is capped at half a token's lifetime,
	// so a short-lived token cannot make every call fetch.
	RefreshBefore time.Duration
	// FetchBackoff is how long a failed fetch is answered from memory before
	// WeChat is asked again; zero means DefaultFetchBackoff.
	FetchBackoff time.Duration
	// Logger receives store failures and failed background refreshes;
	// nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// AccessTokenProvider owns the access token of one Credential. It hands out
// a cached token, replaces it RefreshBefore its expiry, never has more than
// one fetch under way, and reuses a token from its TokenStore after a
// restart. It is safe for concurrent use.
type AccessTokenProvider struct {
	client  *Client
	cred    Credential
	store   TokenStore
	lead    time.Duration
	backoff time.Duration
	logger  *slog.Logger
	now     func() time.Time

	// fetches counts the fetches under way, each in its own goroutine,
	// so that Run can wait for them: a fetch writes to the store.
	fetches sync.WaitGroup
	// life ends when Run does; fetches run under it rather than under a
	// caller's context.
	life context.Context
	end  context.CancelFunc

	mu        sync.Mutex
	stopped   bool // Run has ended: no fetch starts any more
	token     string
	refreshAt time.Time
	expiresAt time.Time
	flight    *flight   // the one fetch under way, if any
	loaded    bool      // the store has been read
	revoked   string    // the last token invalidated, never to be reloaded
	lastErr   error     // the last failed fetch, answered until retryAt
	retryAt   time.Time // no fetch before this after a failure
}

// flight is one fetch that many callers may wait for.
type flight struct {
	done  chan struct{}
	token string
	err   error
}

// NewAccessTokenProvider returns a provider for cred that fetches through
// client. It fetches nothing until asked for a token.
func NewAccessTokenProvider(client *Client, cred Credential, opts ProviderOptions) (*AccessTokenProvider, error) {
	if client == nil {
		return nil, errors.New("wxclient: nil client")
	}
	if err := cred.validate(); err != nil {
		return nil, err
	}
	if opts.RefreshBefore < 0 || opts.FetchBackoff < 0 {
		return nil, errors.New("wxclient: provider durations must not be negative")
	}
	p := &AccessTokenProvider{
		client:  client,
		cred:    cred,
		store:   opts.Store,
		lead:    orDefault(opts.RefreshBefore, DefaultRefreshBefore),
		backoff: orDefault(opts.FetchBackoff, DefaultFetchBackoff),
		logger:  opts.Logger,
		now:     opts.Now,
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	p.life, p.end = context.WithCancel(context.Background())
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// Credential returns the credential the provider fetches tokens for.
func (p *AccessTokenProvider) Credential() Credential { return p.cred }

// Token returns a valid access token. Callers arriving while a fetch is
// under way wait for that fetch rather than starting their own; while the
// current token is still valid nobody waits, and it is served until its
// replacement arrives. If ctx ends first Token returns ctx's error, and the
// fetch carries on for the others.
func (p *AccessTokenProvider) Token(ctx context.Context) (string, error) {
	p.mu.Lock()
	now := p.now()
	if p.token != "" && now.Before(p.refreshAt) {
		token := p.token
		p.mu.Unlock()
		return token, nil
	}
	valid := p.token != "" && now.Before(p.expiresAt)
	f := p.flight
	if f == nil {
		if now.Before(p.retryAt) {
			token, err := p.token, p.lastErr
			p.mu.Unlock()
			if valid {
				return token, nil
			}
			return "", err
		}
		if p.stopped {
			token := p.token
			p.mu.Unlock()
			if valid {
				return token, nil
			}
			return "", errStopped
		}
		f = &flight{done: make(chan struct{})}
		p.flight = f
		// Detached from ctx: one caller giving up must not fail the fetch
		// the others wait for. The client's timeout and Run's end bound it.
		p.fetches.Add(1)
		go func() {
			defer p.fetches.Done()
			p.refresh(p.life, f)
		}()
	}
	token := p.token
	p.mu.Unlock()
	if valid {
		return token, nil
	}
	select {
	case <-f.done:
		return f.token, f.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// errStopped answers for a token once the provider's Run has ended.
var errStopped = errors.New("wxclient: access token provider stopped")

// Run lets the provider fetch tokens until ctx ends; then it stops the
// fetch under way, waits for it and returns nil. Tokens may be asked for
// before Run; after it, only a token still valid is handed out. Stop
// everything that asks for tokens first.
func (p *AccessTokenProvider) Run(ctx context.Context) error {
	<-ctx.Done()
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	p.end()
	p.fetches.Wait()
	return nil
}

// Invalidate drops token if it is still the current one, so that the next
// Token fetches a fresh one; call it when WeChat refused token with errcode
// 40001, 40014 or 42001 (see TokenExpired). Invalidating a token already
// replaced does nothing, so many callers that saw the same refusal cause a
// single fetch.
func (p *AccessTokenProvider) Invalidate(token string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if token == "" || token != p.token {
		return
	}
	p.token = ""
	p.refreshAt, p.expiresAt, p.retryAt = time.Time{}, time.Time{}, time.Time{}
	p.revoked = token
}

// Do calls fn with a token; if fn's error says the token expired
// (TokenExpired), it invalidates that token and calls fn once more with a
// fresh one. fn should return errors of this package.
func (p *AccessTokenProvider) Do(ctx context.Context, fn func(ctx context.Context, token string) error) error {
	token, err := p.Token(ctx)
	if err != nil {
		return err
	}
	err = fn(ctx, token)
	if !TokenExpired(err) {
		return err
	}
	p.Invalidate(token)
	if token, err = p.Token(ctx); err != nil {
		return err
	}
	return fn(ctx, token)
}

// GetJSON is Client.GetJSON in the credential's family with the access
// token added to query, retried once with a fresh token if WeChat says the
// token expired.
func (p *AccessTokenProvider) GetJSON(ctx context.Context, path string, query url.Values, out any) error {
	return p.Do(ctx, func(ctx context.Context, token string) error {
		return p.client.GetJSON(ctx, p.cred.Family, path, withToken(query, token), out)
	})
}

// PostJSON is Client.PostJSON in the credential's family with the access
// token added to query, retried once with a fresh token if WeChat says the
// token expired.
func (p *AccessTokenProvider) PostJSON(ctx context.Context, path string, query url.Values, in, out any) error {
	return p.Do(ctx, func(ctx context.Context, token string) error {
		return p.client.PostJSON(ctx, p.cred.Family, path, withToken(query, token), in, out)
	})
}

// PostFile is Client.PostFile in the credential's family with the access
// token added to query, retried once with a fresh token if WeChat says the
// token expired.
func (p *AccessTokenProvider) PostFile(ctx context.Context, path string, query url.Values, field, filename string, content []byte, out any) error {
	return p.Do(ctx, func(ctx context.Context, token string) error {
		return p.client.PostFile(ctx, p.cred.Family, path, withToken(query, token), field, filename, content, out)
	})
}

func withToken(query url.Values, token string) url.Values {
	q := make(url.Values, len(query)+1)
	for k, v := range query {
		q[k] = v
	}
	q.Set("access_token", token)
	return q
}

// refresh runs one flight: the stored token on first use if it is still
// good, a fetch otherwise.
func (p *AccessTokenProvider) refresh(ctx context.Context, f *flight) {
	token, expiresAt, err := p.obtain(ctx)

	p.mu.Lock()
	now := p.now()
	if err == nil {
		p.token, p.expiresAt = token, expiresAt
		p.refreshAt = p.refreshPoint(now, expiresAt)
		p.lastErr, p.retryAt = nil, time.Time{}
	} else {
		p.lastErr, p.retryAt = err, now.Add(p.backoff)
		if p.token != "" {
			p.logger.Warn("wxclient: access token refresh failed; still using the current one",
				"credential", p.cred, "err", err)
		}
	}
	p.flight = nil
	f.token, f.err = token, err
	p.mu.Unlock()
	close(f.done)
}

func (p *AccessTokenProvider) obtain(ctx context.Context) (string, time.Time, error) {
	p.mu.Lock()
	load := p.store != nil && !p.loaded
	p.loaded = true
	revoked := p.revoked
	p.mu.Unlock()

	if load {
		stored, err := p.store.LoadTokens(ctx)
		if err != nil {
			p.logger.Warn("wxclient: stored tokens unreadable; fetching", "credential", p.cred, "err", err)
		}
		t, ok := stored[p.cred.Key()]
		// A token already inside its refresh window would be replaced at
		// once anyway; fetching now saves a round.
		if ok && t.Value != "" && t.Value != revoked && p.now().Before(t.ExpiresAt.Add(-p.lead)) {
			return t.Value, t.ExpiresAt, nil
		}
	}

	start := p.now()
	token, lifetime, err := p.fetch(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	// Counting from before the request errs on the side of expiring early.
	expiresAt := start.Add(lifetime)
	if p.store != nil {
		if err := p.store.SaveToken(ctx, p.cred.Key(), StoredToken{Value: token, ExpiresAt: expiresAt}); err != nil {
			p.logger.Warn("wxclient: access token not persisted", "credential", p.cred, "err", err)
		}
	}
	return token, expiresAt, nil
}

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int64  `json:"expires_in"`
}

func (p *AccessTokenProvider) fetch(ctx context.Context) (string, time.Duration, error) {
	var (
		answer tokenAnswer
		err    error
	)
	switch p.cred.Family {
	case OA:
		// force_refresh stays false: forcing revokes the token for every
		// other holder and is limited to 20 a day; the normal mode already
		// hands out a new token in the last five minutes of the old one.
		err = p.client.PostJSON(ctx, OA, stableTokenPath, nil, map[string]any{
			"grant_type":    "client_credential",
			"appid":         p.cred.ID,
			"secret":        p.cred.Secret,
			"force_refresh": false,
		}, &answer)
	case WeCom:
		err = p.client.GetJSON(ctx, WeCom, getTokenPath, url.Values{
			"corpid":     {p.cred.ID},
			"corpsecret": {p.cred.Secret},
		}, &answer)
	}
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			apiErr.tokenEndpoint = true
		}
		return "", 0, fmt.Errorf("wxclient: access token for %s: %w", p.cred, err)
	}
	if answer.AccessToken == "" || answer.ExpiresIn <= 0 {
		return "", 0, fmt.Errorf("wxclient: access token for %s: answer lacks access_token or expires_in", p.cred)
	}
	return answer.AccessToken, time.Duration(answer.ExpiresIn) * time.Second, nil
}

// refreshPoint is when a token obtained at now and expiring at expiresAt is
// replaced: RefreshBefore ahead of expiry, but never earlier than half its
// remaining life.
func (p *AccessTokenProvider) refreshPoint(now, expiresAt time.Time) time.Time {
	lead := min(p.lead, expiresAt.Sub(now)/2)
	return expiresAt.Add(-lead)
}
