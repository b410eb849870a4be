package wxclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling/clientelingtest"
)

var (
	oaCred    = Credential{Family: OA, ID: "wxapp", Secret: "oa-secret"}
	wecomCred = Credential{Family: WeCom, ID: "wwcorp", Secret: "kf-secret", Name: "kf"}
)

func newTestProvider(t *testing.T, c *Client, cred Credential, opts ProviderOptions) *AccessTokenProvider {
	t.Helper()
	p, err := NewAccessTokenProvider(c, cred, opts)
	if err != nil {
		t.Fatalf("NewAccessTokenProvider: %v", err)
	}
	return p
}

func mustToken(t *testing.T, p *AccessTokenProvider) string {
	t.Helper()
	token, err := p.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return token
}

func TestNewAccessTokenProvider(t *testing.T) {
	t.Parallel()
	c, _ := New(Config{})
	tests := []struct {
		name string
		cred Credential
		ok   bool
	}{
		{"OK/OA", oaCred, true},
		{"OK/WeCom", wecomCred, true},
		{"ErrFamily", Credential{Family: Pay, ID: "x", Secret: "y"}, false},
		{"ErrNoSecret", Credential{Family: OA, ID: "x"}, false},
		{"ErrWeComName", Credential{Family: WeCom, ID: "x", Secret: "y"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewAccessTokenProvider(c, tt.cred, ProviderOptions{})
			if got := err == nil; got != tt.ok {
				t.Errorf("ok = %v, want %v (err %v)", got, tt.ok, err)
			}
		})
	}
}

func TestProviderFetch(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.serveTokens(7200)
	c := f.client(t)

	t.Run("OA/StableToken", func(t *testing.T) {
		p := newTestProvider(t, c, oaCred, ProviderOptions{})
		if got, want := mustToken(t, p), "tok-oa-1"; got != want {
			t.Errorf("token = %q, want %q", got, want)
		}
		reqs := f.requests("/oa/cgi-bin/stable_token")
		if len(reqs) != 1 || reqs[0].Method != http.MethodPost {
			t.Fatalf("stable_token requests = %+v, want one POST", reqs)
		}
		if f.count("/oa/cgi-bin/token") != 0 {
			t.Error("cgi-bin/token was used; it revokes the tokens of other holders")
		}
	})
	t.Run("WeCom/GetToken", func(t *testing.T) {
		p := newTestProvider(t, c, wecomCred, ProviderOptions{})
		if got, want := mustToken(t, p), "tok-wecom-1"; got != want {
			t.Errorf("token = %q, want %q", got, want)
		}
		q := f.requests("/wecom/cgi-bin/gettoken")[0].Query
		if q.Get("corpid") != "wwcorp" || q.Get("corpsecret") != "kf-secret" {
			t.Errorf("gettoken query = %v, want corpid and corpsecret", q)
		}
	})
}

// TestProviderSingleFlight: a crowd asking at once causes one fetch.
func TestProviderSingleFlight(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	entered := make(chan struct{})
	gate := make(chan struct{})
	var once sync.Once
	f.handle("/oa/cgi-bin/stable_token", func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(entered) })
		<-gate
		writeJSON(w, map[string]any{"access_token": "tok-1", "expires_in": 7200})
	})
	p := newTestProvider(t, f.client(t), oaCred, ProviderOptions{})

	const n = 100
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { tokens[i], errs[i] = p.Token(context.Background()) })
	}
	<-entered
	close(gate)
	wg.Wait()

	for i := range n {
		if errs[i] != nil || tokens[i] != "tok-1" {
			t.Fatalf("caller %d got %q, %v; want tok-1", i, tokens[i], errs[i])
		}
	}
	if got := f.count("/oa/cgi-bin/stable_token"); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
}

// TestProviderInvalidate: many callers refused the same token; one fetch
// replaces it, and a stale invalidation afterwards changes nothing.
func TestProviderInvalidate(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.serveTokens(7200)
	p := newTestProvider(t, f.client(t), wecomCred, ProviderOptions{})
	old := mustToken(t, p)

	const n = 50
	tokens := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p.Invalidate(old)
			tokens[i], _ = p.Token(context.Background())
		})
	}
	wg.Wait()
	for i, got := range tokens {
		if got != "tok-wecom-2" {
			t.Fatalf("caller %d got %q after invalidation, want tok-wecom-2", i, got)
		}
	}
	if got := f.count("/wecom/cgi-bin/gettoken"); got != 2 {
		t.Errorf("fetches = %d, want 2", got)
	}

	p.Invalidate(old)
	p.Invalidate("")
	if got, want := mustToken(t, p), "tok-wecom-2"; got != want {
		t.Errorf("token after stale invalidation = %q, want %q", got, want)
	}
	if got := f.count("/wecom/cgi-bin/gettoken"); got != 2 {
		t.Errorf("fetches after stale invalidation = %d, want 2", got)
	}
}

// TestProviderRestart: a new provider over the same store reuses the token.
func TestProviderRestart(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.serveTokens(7200)
	c := f.client(t)
	db := newTokenDB(t)

	first := mustToken(t, newTestProvider(t, c, oaCred, ProviderOptions{Store: db}))
	if _, ok := storedToken(t, db, oaCred.Key()); !ok {
		t.Fatalf("token not saved under %q", oaCred.Key())
	}
	second := mustToken(t, newTestProvider(t, c, oaCred, ProviderOptions{Store: db}))
	if second != first {
		t.Errorf("token after restart = %q, want %q", second, first)
	}
	if got := f.count("/oa/cgi-bin/stable_token"); got != 1 {
		t.Errorf("fetches = %d, want 1 (the restart must fetch nothing)", got)
	}

	t.Run("NearExpiry", func(t *testing.T) {
		putToken(t, db, oaCred.Key(), StoredToken{Value: "old", ExpiresAt: time.Now().Add(time.Minute)})
		if got := mustToken(t, newTestProvider(t, c, oaCred, ProviderOptions{Store: db})); got == "old" {
			t.Error("a stored token inside its refresh window was reused")
		}
	})
	t.Run("OtherCredential", func(t *testing.T) {
		other := Credential{Family: WeCom, ID: "wwcorp", Secret: "s", Name: "contact"}
		got := mustToken(t, newTestProvider(t, c, other, ProviderOptions{Store: db}))
		if got == first {
			t.Error("one credential got another's token")
		}
	})
}

// TestProviderRefreshAhead: the token is replaced RefreshBefore its expiry,
// and callers keep the old one meanwhile instead of waiting.
func TestProviderRefreshAhead(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.serveTokens(7200)
	clock := clientelingtest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	p := newTestProvider(t, f.client(t), oaCred, ProviderOptions{Now: clock.Now, RefreshBefore: 5 * time.Minute})

	mustToken(t, p)
	clock.Advance(7200*time.Second - 5*time.Minute - time.Second)
	if got := mustToken(t, p); got != "tok-oa-1" || f.count("/oa/cgi-bin/stable_token") != 1 {
		t.Fatalf("before the refresh window: token %q after %d fetches, want tok-oa-1 after 1", got, f.count("/oa/cgi-bin/stable_token"))
	}
	clock.Advance(2 * time.Second)
	if got := mustToken(t, p); got != "tok-oa-1" {
		t.Errorf("inside the refresh window: token %q, want the still valid tok-oa-1", got)
	}
	clientelingtest.CheckFor(t, 5*time.Second, func() error {
		if got := mustToken(t, p); got != "tok-oa-2" {
			return fmt.Errorf("token = %q, want tok-oa-2", got)
		}
		return nil
	})
	if got := f.count("/oa/cgi-bin/stable_token"); got != 2 {
		t.Errorf("fetches = %d, want 2", got)
	}
}

func TestRefreshPoint(t *testing.T) {
	t.Parallel()
	p := &AccessTokenProvider{lead: 5 * time.Minute}
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		lifetime time.Duration
		want     time.Duration // after now
	}{
		{"TwoHours", 2 * time.Hour, 2*time.Hour - 5*time.Minute},
		{"FiveMinutes", 5 * time.Minute, 150 * time.Second},
		{"OneMinute", time.Minute, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.refreshPoint(now, now.Add(tt.lifetime)).Sub(now); got != tt.want {
				t.Errorf("refresh after %v, want %v", got, tt.want)
			}
		})
	}
}

// TestProviderFetchFailure: a refused fetch is final, is not mistaken for
// an expired token, and is not repeated within the backoff.
func TestProviderFetchFailure(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handleJSON("/wecom/cgi-bin/gettoken", map[string]any{"errcode": 40001, "errmsg": "invalid secret"})
	clock := clientelingtest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	p := newTestProvider(t, f.client(t), wecomCred, ProviderOptions{Now: clock.Now, FetchBackoff: time.Second})

	for range 3 {
		_, err := p.Token(context.Background())
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != 40001 {
			t.Fatalf("Token error = %v, want errcode 40001", err)
		}
		if TokenExpired(err) || Retryable(err) {
			t.Errorf("a wrong secret classified as expired token (%v) or retryable (%v)", TokenExpired(err), Retryable(err))
		}
	}
	if got := f.count("/wecom/cgi-bin/gettoken"); got != 1 {
		t.Errorf("fetches within the backoff = %d, want 1", got)
	}
	clock.Advance(time.Second)
	_, _ = p.Token(context.Background())
	if got := f.count("/wecom/cgi-bin/gettoken"); got != 2 {
		t.Errorf("fetches after the backoff = %d, want 2", got)
	}
}

// TestProviderCallerGivesUp: a caller's cancelled context ends its wait but
// not the fetch the others share.
func TestProviderCallerGivesUp(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	gate := make(chan struct{})
	f.handle("/oa/cgi-bin/stable_token", func(w http.ResponseWriter, r *http.Request) {
		<-gate
		writeJSON(w, map[string]any{"access_token": "tok-1", "expires_in": 7200})
	})
	p := newTestProvider(t, f.client(t), oaCred, ProviderOptions{})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Token with a cancelled context: %v, want context.Canceled", err)
	}
	close(gate)
	if got := mustToken(t, p); got != "tok-1" {
		t.Errorf("token = %q, want tok-1", got)
	}
	if got := f.count("/oa/cgi-bin/stable_token"); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
}

// TestProviderRetriesOnExpiredToken: a call refused for its token is made
// once more with a fresh one, and only once.
func TestProviderRetriesOnExpiredToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		refuse      func(token string) bool
		wantCode    int // 0: success
		wantSends   int
		wantFetches int
	}{
		{"OK/SecondTokenAccepted", func(tok string) bool { return tok == "tok-oa-1" }, 0, 2, 2},
		{"ErrAlwaysRefused", func(string) bool { return true }, 42001, 2, 2},
		{"OK/NoRetryNeeded", func(string) bool { return false }, 0, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.serveTokens(7200)
			f.handle("/oa/cgi-bin/message/custom/send", func(w http.ResponseWriter, r *http.Request) {
				if tt.refuse(r.URL.Query().Get("access_token")) {
					writeJSON(w, map[string]any{"errcode": 42001, "errmsg": "access_token expired"})
					return
				}
				writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok"})
			})
			p := newTestProvider(t, f.client(t), oaCred, ProviderOptions{})

			err := p.PostJSON(context.Background(), "/cgi-bin/message/custom/send", nil, map[string]string{"touser": "o1"}, nil)
			var apiErr *APIError
			switch {
			case tt.wantCode == 0 && err != nil:
				t.Fatalf("PostJSON: %v", err)
			case tt.wantCode != 0 && (!errors.As(err, &apiErr) || apiErr.Code != tt.wantCode):
				t.Fatalf("PostJSON error = %v, want errcode %d", err, tt.wantCode)
			}
			if got := f.count("/oa/cgi-bin/message/custom/send"); got != tt.wantSends {
				t.Errorf("sends = %d, want %d", got, tt.wantSends)
			}
			if got := f.count("/oa/cgi-bin/stable_token"); got != tt.wantFetches {
				t.Errorf("fetches = %d, want %d", got, tt.wantFetches)
			}
		})
	}
}

// TestProviderRunStopsFetch: when Run's context ends, the fetch under way
// (a goroutine of the provider's own) is stopped and waited for, and no
// fetch starts after.
func TestProviderRunStopsFetch(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	hung := make(chan struct{})
	f.handle("/oa/cgi-bin/stable_token", func(w http.ResponseWriter, r *http.Request) {
		close(hung)
		<-r.Context().Done() // WeChat hangs until the caller gives up
	})
	p := newTestProvider(t, f.client(t), oaCred, ProviderOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- p.Run(ctx) }()

	waiting := make(chan error, 1)
	go func() {
		_, err := p.Token(context.Background())
		waiting <- err
	}()
	<-hung
	cancel()
	if err := <-ran; err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
	if err := <-waiting; err == nil {
		t.Error("a token came from a fetch Run's end stopped")
	}
	if _, err := p.Token(context.Background()); err == nil {
		t.Error("a token came after Run ended, with none valid")
	}
	if got := f.count("/oa/cgi-bin/stable_token"); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
}
