package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/store"
)

// The database keeps WeChat tokens through the client's port, without the
// store importing the bot side.
var _ wxclient.TokenStore = (*store.DB)(nil)

// tokenCalls counts the fetches of access tokens the fake has answered, on
// every token endpoint of both families.
func tokenCalls(fake *wechattest.Server) int {
	return len(fake.CallsTo("/cgi-bin/stable_token")) + len(fake.CallsTo("/cgi-bin/token")) + len(fake.CallsTo("/cgi-bin/gettoken"))
}

// tokenRig is one fake WeChat and one data directory that survive the
// restarts of a test, and the log of every run.
type tokenRig struct {
	fake   *wechattest.Server
	client *wxclient.Client
	path   string
	log    bytes.Buffer
	logMu  sync.Mutex
}

func newTokenRig(t *testing.T) *tokenRig {
	t.Helper()
	fake := wechattest.Start(t, wechattest.Options{})
	fake.SetOAUser(wechattest.OAUser{OpenID: "oTOKEN01", Subscribe: true, Language: "zh_CN"})
	fake.SetExternalContact(wechattest.ExternalContact{ExternalUserID: "wmTOKEN01", Name: "Mei"})
	client, err := wxclient.New(wxclient.Config{OABase: fake.URL(), WeComBase: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	return &tokenRig{fake: fake, client: client, path: filepath.Join(t.TempDir(), store.FileName)}
}

func (r *tokenRig) Write(p []byte) (int, error) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	return r.log.Write(p)
}

// credentials are the four secrets Salon may hold, as serve names them.
func (r *tokenRig) credentials() []wxclient.Credential {
	o := r.fake.Options()
	return []wxclient.Credential{
		{Family: wxclient.OA, ID: o.OAAppID, Secret: o.OASecret},
		{Family: wxclient.WeCom, ID: o.CorpID, Secret: wechattest.DefaultAppSecret, Name: "app"},
		{Family: wxclient.WeCom, ID: o.CorpID, Secret: wechattest.DefaultContactSecret, Name: "contact"},
		{Family: wxclient.WeCom, ID: o.CorpID, Secret: wechattest.DefaultKfSecret, Name: "kf"},
	}
}

// run is one start of the token path: it opens the database, builds each
// credential's provider as serve does (the Official Account's through
// openOA), makes one API call with each through the fake, and closes.
func (r *tokenRig) run(t *testing.T) {
	t.Helper()
	db, err := store.Open(r.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}()
	m := &Main{DB: db, Log: slog.New(slog.NewJSONHandler(r, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	oa := r.credentials()[0]
	m.Config.OAAppID, m.Config.OASecret = oa.ID, oa.Secret
	if err := m.openOA(r.client); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var user struct {
		OpenID string `json:"openid"`
	}
	if err := m.oa.GetJSON(ctx, "/cgi-bin/user/info", url.Values{"openid": {"oTOKEN01"}, "lang": {"zh_CN"}}, &user); err != nil || user.OpenID != "oTOKEN01" {
		t.Fatalf("user/info: %+v, %v", user, err)
	}
	for _, cred := range r.credentials()[1:] {
		p, err := m.tokenProvider(r.client, cred)
		if err != nil {
			t.Fatal(err)
		}
		var contact struct {
			ExternalContact struct {
				ExternalUserID string `json:"external_userid"`
			} `json:"external_contact"`
		}
		if err := p.GetJSON(ctx, "/cgi-bin/externalcontact/get", url.Values{"external_userid": {"wmTOKEN01"}}, &contact); err != nil ||
			contact.ExternalContact.ExternalUserID != "wmTOKEN01" {
			t.Fatalf("externalcontact/get with the %s secret: %+v, %v", cred.Name, contact, err)
		}
	}
}

// stored returns the tokens in the database, by key.
func (r *tokenRig) stored(t *testing.T) map[string]wxclient.StoredToken {
	t.Helper()
	db, err := store.Open(r.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tokens, err := db.LoadTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tokens
}

// edit changes the stored token of key.
func (r *tokenRig) edit(t *testing.T, key string, fn func(*wxclient.StoredToken)) {
	t.Helper()
	db, err := store.Open(r.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tokens, err := db.LoadTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tok, ok := tokens[key]
	if !ok {
		t.Fatalf("no stored token under %q", key)
	}
	fn(&tok)
	if err := db.SaveToken(context.Background(), key, tok); err != nil {
		t.Fatal(err)
	}
}

// noSecretsLogged fails if a secret or a token reached the log.
func (r *tokenRig) noSecretsLogged(t *testing.T) {
	t.Helper()
	r.logMu.Lock()
	log := r.log.String()
	r.logMu.Unlock()
	var secrets []string
	for _, c := range r.credentials() {
		secrets = append(secrets, c.Secret)
	}
	for _, tok := range r.stored(t) {
		secrets = append(secrets, tok.Value)
	}
	for _, s := range secrets {
		if strings.Contains(log, s) {
			t.Errorf("the log holds a secret or token: %s", log)
		}
	}
}

// TestTokensSurviveRestarts: a hundred restarts with valid stored tokens
// fetch none; each credential has its own stored token.
func TestTokensSurviveRestarts(t *testing.T) {
	t.Parallel()
	r := newTokenRig(t)
	r.run(t)
	if got, want := tokenCalls(r.fake), len(r.credentials()); got != want {
		t.Fatalf("first start fetched %d tokens, want %d (one per credential)", got, want)
	}
	if got := len(r.fake.CallsTo("/cgi-bin/token")); got != 0 {
		t.Errorf("%d fetches on cgi-bin/token; the Official Account's must use stable_token", got)
	}
	stored := r.stored(t)
	for _, c := range r.credentials() {
		if tok, ok := stored[c.Key()]; !ok || tok.Value == "" {
			t.Errorf("no stored token for %s", c)
		}
	}
	if len(stored) != len(r.credentials()) {
		t.Errorf("stored keys %d, want one per credential (%d)", len(stored), len(r.credentials()))
	}
	before := tokenCalls(r.fake)
	for range 100 {
		r.run(t)
	}
	if got := tokenCalls(r.fake) - before; got != 0 {
		t.Fatalf("100 restarts fetched %d tokens, want 0", got)
	}
	r.noSecretsLogged(t)
}

// TestStaleStoredTokenFetchesOnce: a stored token that expired, or that
// WeChat no longer accepts, costs exactly one fetch, and the next restart
// none.
func TestStaleStoredTokenFetchesOnce(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		stale func(r *tokenRig, t *testing.T, key string)
	}{
		{"Expired", func(r *tokenRig, t *testing.T, key string) {
			r.edit(t, key, func(tok *wxclient.StoredToken) { tok.ExpiresAt = time.Now().Add(-time.Minute) })
		}},
		{"RefusedByWeChat", func(r *tokenRig, t *testing.T, key string) {
			// Still valid by the stored time, but WeChat answers 40001.
			r.edit(t, key, func(tok *wxclient.StoredToken) { tok.Value = "oas_revoked_elsewhere" })
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newTokenRig(t)
			r.run(t)
			oa := r.credentials()[0]
			tc.stale(r, t, oa.Key())
			before := tokenCalls(r.fake)
			r.run(t)
			if got := tokenCalls(r.fake) - before; got != 1 {
				t.Fatalf("restart with a stale token fetched %d tokens, want 1", got)
			}
			if got := r.stored(t)[oa.Key()]; got.Value == "oas_revoked_elsewhere" || !got.ExpiresAt.After(time.Now()) {
				t.Fatalf("stored token not replaced: expires %v", got.ExpiresAt)
			}
			r.run(t)
			if got := tokenCalls(r.fake) - before; got != 1 {
				t.Fatalf("the restart after fetched %d more", got-1)
			}
			r.noSecretsLogged(t)
		})
	}
}

// TestConcurrentCallersFetchOnce: many callers at once, with no stored
// token, cause one fetch per credential, and it is stored once.
func TestConcurrentCallersFetchOnce(t *testing.T) {
	t.Parallel()
	r := newTokenRig(t)
	db, err := store.Open(r.path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m := &Main{DB: db, Log: slog.New(slog.NewJSONHandler(r, nil))}
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for _, cred := range r.credentials() {
		p, err := m.tokenProvider(r.client, cred)
		if err != nil {
			t.Fatal(err)
		}
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := p.Token(context.Background()); err != nil {
					errs <- err
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got, want := tokenCalls(r.fake), len(r.credentials()); got != want {
		t.Fatalf("200 concurrent callers caused %d fetches, want %d", got, want)
	}
	tokens, err := db.LoadTokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != len(r.credentials()) {
		t.Fatalf("stored %d tokens, want %d", len(tokens), len(r.credentials()))
	}
}
