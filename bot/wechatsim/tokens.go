package wechatsim

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Grace periods during which a superseded Official Account token still
// works, as WeChat documents: five minutes after /cgi-bin/token issues a
// new one, thirty seconds after a forced stable_token refresh.
const (
	tokenGrace       = 5 * time.Minute
	stableTokenGrace = 30 * time.Second
)

type family int

const (
	familyOA family = iota
	familyWeCom
)

type token struct {
	value      string
	family     family
	stable     bool
	credential string // AppID, or WeCom secret
	expires    time.Time
	supersede  time.Time // zero, or when a newer token made this one invalid
}

type tokenStore struct {
	mu       sync.Mutex
	byValue  map[string]*token
	seq      int
	issued   int
	issuedBy map[string]int
}

func (ts *tokenStore) init() {
	ts.byValue = map[string]*token{}
	ts.issuedBy = map[string]int{}
}

// mint creates a token; the caller holds ts.mu.
func (ts *tokenStore) mint(now time.Time, ttl time.Duration, f family, stable bool, credential string) *token {
	ts.seq++
	prefix := map[family]string{familyOA: "oa", familyWeCom: "wecom"}[f]
	if stable {
		prefix += "s"
	}
	t := &token{
		value:      fmt.Sprintf("%s_%d_%s", prefix, ts.seq, randomAlnum(24)),
		family:     f,
		stable:     stable,
		credential: credential,
		expires:    now.Add(ttl),
	}
	ts.byValue[t.value] = t
	return t
}

// current returns a live token of the kind, if one exists; the caller holds
// ts.mu.
func (ts *tokenStore) current(now time.Time, f family, stable bool, credential string) *token {
	var best *token
	for _, t := range ts.byValue {
		if t.family == f && t.stable == stable && t.credential == credential &&
			t.supersede.IsZero() && now.Before(t.expires) && (best == nil || t.expires.After(best.expires)) {
			best = t
		}
	}
	return best
}

func (s *Server) routeTokens() {
	s.mux.HandleFunc("GET /cgi-bin/token", s.handleOAToken)
	s.mux.HandleFunc("POST /cgi-bin/stable_token", s.handleStableToken)
	s.mux.HandleFunc("GET /cgi-bin/gettoken", s.handleWeComToken)
}

func (s *Server) checkOACredentials(w http.ResponseWriter, grantType, appid, secret string) bool {
	switch {
	case grantType != "client_credential":
		apiError(w, 40002, "invalid grant_type")
	case appid == "":
		apiError(w, 41002, "")
	case secret == "":
		apiError(w, 41004, "")
	case appid != s.opts.OAAppID:
		apiError(w, 40013, "")
	case secret != s.opts.OASecret:
		apiError(w, 40125, "")
	default:
		return true
	}
	return false
}

// handleOAToken issues a new token on every call, as WeChat does; the
// previous one keeps working for the grace period only.
func (s *Server) handleOAToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !s.checkOACredentials(w, q.Get("grant_type"), q.Get("appid"), q.Get("secret")) {
		return
	}
	now := s.opts.Clock()
	s.tokens.mu.Lock()
	for _, t := range s.tokens.byValue {
		if t.family == familyOA && !t.stable && t.supersede.IsZero() {
			t.supersede = now.Add(tokenGrace)
		}
	}
	t := s.tokens.mint(now, s.opts.TokenTTL, familyOA, false, s.opts.OAAppID)
	s.countIssued(t.credential)
	s.tokens.mu.Unlock()
	// WeChat's success answer has no errcode field.
	writeJSON(w, map[string]any{"access_token": t.value, "expires_in": int(s.opts.TokenTTL / time.Second)})
}

// handleStableToken returns the live stable token unless force_refresh
// asks for a new one, as WeChat does.
func (s *Server) handleStableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if !decodeJSON(w, r, &req) || !s.checkOACredentials(w, req.GrantType, req.AppID, req.Secret) {
		return
	}
	now := s.opts.Clock()
	s.tokens.mu.Lock()
	t := s.tokens.current(now, familyOA, true, req.AppID)
	if t != nil && req.ForceRefresh {
		t.supersede = now.Add(stableTokenGrace)
		t = nil
	}
	if t == nil {
		t = s.tokens.mint(now, s.opts.TokenTTL, familyOA, true, req.AppID)
	}
	s.countIssued(t.credential)
	s.tokens.mu.Unlock()
	writeJSON(w, map[string]any{"access_token": t.value, "expires_in": int(t.expires.Sub(now) / time.Second)})
}

// handleWeComToken returns the live token of the secret, or a new one once
// it has expired: WeCom hands out the same token until then.
func (s *Server) handleWeComToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	corpid, secret := q.Get("corpid"), q.Get("corpsecret")
	switch {
	case corpid == "":
		apiError(w, 41002, "corpid missing")
		return
	case secret == "":
		apiError(w, 41004, "corpsecret missing")
		return
	case corpid != s.opts.CorpID:
		apiError(w, 40013, "invalid corpid")
		return
	case !slices.Contains(s.opts.CorpSecrets, secret):
		apiError(w, 40001, "invalid credential")
		return
	}
	now := s.opts.Clock()
	s.tokens.mu.Lock()
	t := s.tokens.current(now, familyWeCom, false, secret)
	if t == nil {
		t = s.tokens.mint(now, s.opts.TokenTTL, familyWeCom, false, secret)
	}
	s.countIssued(t.credential)
	s.tokens.mu.Unlock()
	ok(w, map[string]any{"access_token": t.value, "expires_in": int(t.expires.Sub(now) / time.Second)})
}

// countIssued counts a token handed out; the caller holds s.tokens.mu.
func (s *Server) countIssued(credential string) {
	s.tokens.issued++
	s.tokens.issuedBy[credential]++
}

// authorize checks the call's access_token as WeChat does, answering the
// error itself when the token is missing (41001), unknown or superseded
// (40001 on the Official Account API, 40014 on WeCom's), or expired
// (42001). It reports whether the handler may go on.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, f family) bool {
	value := r.URL.Query().Get("access_token")
	invalid := 40001
	if f == familyWeCom {
		invalid = 40014
	}
	if value == "" {
		apiError(w, 41001, "")
		return false
	}
	now := s.opts.Clock()
	s.tokens.mu.Lock()
	t, found := s.tokens.byValue[value]
	var cp token
	if found {
		cp = *t
	}
	s.tokens.mu.Unlock()
	switch {
	case !found || cp.family != f:
		apiError(w, invalid, "")
		return false
	case !cp.supersede.IsZero() && !now.Before(cp.supersede):
		apiError(w, invalid, "")
		return false
	case !now.Before(cp.expires):
		apiError(w, 42001, "")
		return false
	}
	if allowed, scoped := s.opts.Scopes[cp.credential]; scoped && !slices.Contains(allowed, r.URL.Path) {
		apiError(w, 48002, "")
		return false
	}
	if rw, isRec := w.(*recordingWriter); isRec {
		rw.credential = cp.credential
	}
	return true
}

// TokensIssued returns how many times the token endpoints handed out an
// access token, including WeCom's answers that repeat a live token: the
// number of successful token fetches the bot made.
func (s *Server) TokensIssued() int {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	return s.tokens.issued
}

// TokensIssuedFor is TokensIssued for one credential: an AppID, or a WeCom
// secret.
func (s *Server) TokensIssuedFor(credential string) int {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	return s.tokens.issuedBy[credential]
}

// ExpireTokens makes every token issued so far expired: calls carrying one
// answer 42001 until the bot fetches a new token.
func (s *Server) ExpireTokens() {
	now := s.opts.Clock()
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	for _, t := range s.tokens.byValue {
		t.expires = now
	}
}

// RevokeTokens forgets every token issued so far, as when another process
// refreshed the Official Account's token or an admin reset a secret: calls
// carrying one answer 40001 (Official Account) or 40014 (WeCom).
func (s *Server) RevokeTokens() {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	clear(s.tokens.byValue)
}
