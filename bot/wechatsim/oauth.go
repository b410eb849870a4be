package wechatsim

import (
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Official Account web authorisation (网页授权), as silenceper's
// officialaccount/oauth drives it: the page sends the browser to
// open.weixin.qq.com/connect/oauth2/authorize, WeChat sends it back to
// redirect_uri with a code and the state, and the server trades the code
// at /sns/oauth2/access_token for the user's openid under the app.

// oauthCodeTTL is how long a code may be traded, and it may be traded once:
// WeChat documents five minutes.
const oauthCodeTTL = 5 * time.Minute

// OAuthCookie, when the browser sends it to the authorize page, names the
// openid of the WeChat user who is browsing, overriding SetOAuthUser; it
// lets one sandbox serve several simulated clients at once.
const OAuthCookie = "wechatsim_openid"

type oauthCode struct {
	openid, scope string
	expires       time.Time
	used          bool
}

type oauthStore struct {
	mu      sync.Mutex
	browser string // openid of the simulated user behind the browser
	codes   map[string]*oauthCode
	issued  int
}

func (s *Server) routeOAuth() {
	s.oauth.codes = map[string]*oauthCode{}
	s.mux.HandleFunc("GET /connect/oauth2/authorize", s.handleOAuthAuthorize)
	s.mux.HandleFunc("GET /sns/oauth2/access_token", s.handleOAuthAccessToken)
}

// SetOAuthUser makes the authorize page act for openid, the WeChat user
// the simulator pretends is holding the phone; empty makes it refuse.
func (s *Server) SetOAuthUser(openid string) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.browser = openid
}

// OAuthCodesIssued counts the codes the authorize page has issued.
func (s *Server) OAuthCodesIssued() int {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	return s.oauth.issued
}

// handleOAuthAuthorize answers as WeChat's authorisation page does for
// snsapi_base, which asks the user nothing: it redirects at once. WeChat
// shows an error page rather than redirecting when the request is wrong,
// and so does this.
func (s *Server) handleOAuthAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	back, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("appid") != s.opts.OAAppID:
		http.Error(w, "appid 参数错误", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code":
		http.Error(w, "response_type 参数错误", http.StatusBadRequest)
		return
	case q.Get("scope") != "snsapi_base" && q.Get("scope") != "snsapi_userinfo":
		http.Error(w, "scope 参数错误", http.StatusBadRequest)
		return
	case err != nil || !back.IsAbs() || (back.Scheme != "http" && back.Scheme != "https"):
		http.Error(w, "redirect_uri 参数错误", http.StatusBadRequest)
		return
	}
	openid := ""
	if c, err := r.Cookie(OAuthCookie); err == nil {
		openid = c.Value
	}
	code := randomAlnum(32)
	now := s.opts.Clock()
	s.oauth.mu.Lock()
	for k, c := range s.oauth.codes {
		if now.After(c.expires) {
			delete(s.oauth.codes, k) // keeps a long-running sandbox small
		}
	}
	if openid == "" {
		openid = s.oauth.browser
	}
	if openid != "" {
		s.oauth.codes[code] = &oauthCode{openid: openid, scope: q.Get("scope"), expires: now.Add(oauthCodeTTL)}
		s.oauth.issued++
	}
	s.oauth.mu.Unlock()
	if openid == "" {
		http.Error(w, "wechatsim: no WeChat user is browsing; call SetOAuthUser or set the "+OAuthCookie+" cookie", http.StatusForbidden)
		return
	}
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (s *Server) handleOAuthAccessToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("appid") == "":
		apiError(w, 41002, "")
		return
	case q.Get("appid") != s.opts.OAAppID:
		apiError(w, 40013, "")
		return
	case q.Get("secret") != s.opts.OASecret:
		apiError(w, 40125, "")
		return
	case q.Get("grant_type") != "authorization_code":
		apiError(w, 40035, "")
		return
	}
	s.oauth.mu.Lock()
	c, found := s.oauth.codes[q.Get("code")]
	errcode := 0
	switch {
	case !found || s.opts.Clock().After(c.expires):
		errcode = 40029
	case c.used:
		errcode = 40163
	default:
		c.used = true
	}
	s.oauth.mu.Unlock()
	if errcode != 0 {
		apiError(w, errcode, "")
		return
	}
	s.mu.Lock()
	u, known := s.users[c.openid]
	s.mu.Unlock()
	out := map[string]any{
		"access_token": "oauth_" + randomAlnum(32), "expires_in": 7200,
		"refresh_token": "oauthr_" + randomAlnum(32), "openid": c.openid, "scope": c.scope,
	}
	if known && u.UnionID != "" {
		out["unionid"] = u.UnionID
	}
	writeJSON(w, out)
}
