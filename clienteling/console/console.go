package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// Cookie names. The session cookie is HttpOnly; the sign-in form cookie
// guards the forms shown before there is a session.
const (
	SessionCookie = "salon_session"
	signinCookie  = "salon_signin"
	langCookie    = "salon_lang"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// Notice is a notification for the signed-in associate: its place in the
// stream, to resume from, its event type and the client it concerns.
type Notice struct {
	Seq      uint64
	Type     string
	Customer clienteling.CustomerID
}

// FollowFunc delivers associate id's notifications after sequence after
// (0: only new ones) until ctx ends.
type FollowFunc func(ctx context.Context, id clienteling.AssociateID, after uint64) (<-chan Notice, error)

// WeComAuth is WeCom's web authorisation: where to send the browser, and
// the userid a returned code stands for.
type WeComAuth interface {
	AuthURL(redirect, state string) string
	UserID(ctx context.Context, code string) (string, error)
}

// Config is what the console needs from the process that mounts it.
type Config struct {
	Service *clienteling.Service
	Log     *slog.Logger
	// Strings are the console's words by language ("zh-CN", "en"), the
	// first language the default.
	Strings map[string]map[string]string
	// Languages lists Strings' keys, the default first.
	Languages []string
	// PublicURL is the base URL staff reach Salon at; an https one makes
	// the session cookie Secure.
	PublicURL string
	// Follow feeds live updates; nil serves pages without them.
	Follow FollowFunc
	// SandboxStaff, when set, are offered as "sign in as" over loopback.
	SandboxStaff []*clienteling.Associate
	// WeCom, when set, signs staff in by WeCom web authorisation.
	WeCom WeComAuth
	// Now is the Service's clock, for badges and the service window;
	// nil is the real one.
	Now func() time.Time
}

// Console serves the staff console.
type Console struct {
	cfg   Config
	pages *template.Template
	// closing ends the event streams, which would otherwise hold a
	// graceful shutdown until browsers hang up.
	closing   chan struct{}
	closeOnce sync.Once
}

// Close ends the open event streams; browsers reconnect to whichever
// server answers next, from where they were.
func (c *Console) Close() { c.closeOnce.Do(func() { close(c.closing) }) }

//go:embed templates/*.html
var templateFiles embed.FS

// New returns the console over cfg.
func New(cfg Config) *Console {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Console{cfg: cfg, closing: make(chan struct{})}
	c.pages = template.Must(template.New("").Funcs(template.FuncMap{
		"t":    func(lang, key string) string { return c.text(lang, key) },
		"time": func(t time.Time) string { return t.In(shanghai).Format("01-02 15:04") },
		"since": func(now, t time.Time) string {
			return (now.Sub(t) / time.Minute * time.Minute).String()
		},
		"masked": func(s string) string { return mask(s) },
	}).ParseFS(templateFiles, "templates/*.html"))
	return c
}

// shanghai is the zone times are shown in; the brand's boutiques are in
// China. A missing zone database falls back to UTC+8.
var shanghai = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return l
	}
	return time.FixedZone("CST", 8*3600)
}()

// text returns key in lang, else in the default language, else the key.
func (c *Console) text(lang, key string) string {
	if s, ok := c.cfg.Strings[lang][key]; ok {
		return s
	}
	if len(c.cfg.Languages) > 0 {
		if s, ok := c.cfg.Strings[c.cfg.Languages[0]][key]; ok {
			return s
		}
	}
	return key
}

// Register adds the console's routes to mux.
func (c *Console) Register(mux *http.ServeMux) {
	mux.Handle("GET /{$}", c.signedIn(c.serveDesk))
	mux.Handle("GET /inbox", c.signedIn(c.serveInboxFragment))
	mux.Handle("GET /clients/{id}", c.signedIn(c.serveClient))
	mux.Handle("GET /clients/{id}/messages", c.signedIn(c.serveOlder))
	mux.Handle("GET /clients/{id}/thread", c.signedIn(c.serveThreadFragment))
	mux.Handle("POST /clients/{id}/reply", c.signedIn(c.reply))
	mux.Handle("POST /clients/{id}/notes", c.signedIn(c.addNote))
	mux.Handle("POST /clients/{id}/preferences", c.signedIn(c.addPreference))
	mux.Handle("POST /clients/{id}/transfer", c.signedIn(c.transfer))
	mux.Handle("GET /events", c.signedIn(c.serveEvents))
	mux.Handle("POST /signout", c.signedIn(c.signOut))
	mux.HandleFunc("GET /signin", c.serveSignIn)
	mux.HandleFunc("GET /signin/link", c.serveLinkConfirm)
	mux.HandleFunc("POST /signin/link", c.redeemLink)
	mux.HandleFunc("POST /signin/sandbox", c.signInSandbox)
	mux.HandleFunc("GET /signin/wecom", c.startWeCom)
	mux.HandleFunc("GET /signin/wecom/callback", c.finishWeCom)
	mux.HandleFunc("GET /lang", c.setLang)
}

// request is what a page handler knows of the request beyond it.
type request struct {
	lang    string
	nonce   string
	p       *clienteling.Principal
	session *clienteling.Session
}

// signedIn resolves the session cookie, sends a stranger to sign in,
// refuses a state-changing request without the session's CSRF token, and
// sets the page's security headers.
func (c *Console) signedIn(h func(http.ResponseWriter, *http.Request, *request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := c.begin(w, r)
		ck, err := r.Cookie(SessionCookie)
		if err != nil {
			c.toSignIn(w, r)
			return
		}
		p, sess, err := c.cfg.Service.ResumeSession(r.Context(), ck.Value)
		if clienteling.ErrorCode(err) == clienteling.EUNAUTHORIZED {
			c.clearSession(w)
			c.toSignIn(w, r)
			return
		} else if err != nil {
			c.fail(w, r, rq, err)
			return
		}
		rq.p, rq.session = p, sess
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !validCSRF(r, sess.CSRF) {
			c.cfg.Log.WarnContext(r.Context(), "console: refused a request without a valid CSRF token", "route", r.Pattern)
			c.page(w, r, rq, http.StatusForbidden, "error", map[string]any{"Message": c.text(rq.lang, "error.csrf")})
			return
		}
		h(w, r.WithContext(clienteling.WithPrincipal(r.Context(), p)), rq)
	})
}

// validCSRF reports whether r carries want in the form or the header.
func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
		got = r.PostFormValue(csrfField)
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// begin picks the language and the CSP nonce and sets the headers every
// console page carries.
func (c *Console) begin(w http.ResponseWriter, r *http.Request) *request {
	rq := &request{lang: c.language(r), nonce: randomToken(16)}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+rq.nonce+"'; style-src 'nonce-"+rq.nonce+
		"'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	return rq
}

// language is the cookie's choice, else the browser's closest.
func (c *Console) language(r *http.Request) string {
	if ck, err := r.Cookie(langCookie); err == nil {
		if _, ok := c.cfg.Strings[ck.Value]; ok {
			return ck.Value
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		for _, l := range c.cfg.Languages {
			base, _, _ := strings.Cut(l, "-")
			if strings.EqualFold(tag, l) || strings.EqualFold(strings.SplitN(tag, "-", 2)[0], base) {
				return l
			}
		}
	}
	if len(c.cfg.Languages) > 0 {
		return c.cfg.Languages[0]
	}
	return ""
}

// setLang remembers the chosen language and goes back to the desk.
func (c *Console) setLang(w http.ResponseWriter, r *http.Request) {
	if l := r.URL.Query().Get("to"); c.cfg.Strings[l] != nil {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			SameSite: http.SameSiteLaxMode, Secure: c.secure()})
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (c *Console) secure() bool { return strings.HasPrefix(c.cfg.PublicURL, "https://") }

// toSignIn sends a browser to the sign-in page, and a script's request
// a 401 it can act on.
func (c *Console) toSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.Header.Get("Accept") == "text/event-stream" || r.Header.Get(csrfHeader) != "" {
		http.Error(w, "sign in again", http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

func (c *Console) setSession(w http.ResponseWriter, secret string, s *clienteling.Session) {
	// Max-Age rather than Expires: the browser's clock need not agree.
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", MaxAge: int(s.ExpiresAt.Sub(c.cfg.Now()).Seconds()),
		HttpOnly: true, Secure: c.secure(), SameSite: http.SameSiteLaxMode})
}

func (c *Console) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: c.secure(), SameSite: http.SameSiteLaxMode})
}

// page renders template name with data into the layout.
func (c *Console) page(w http.ResponseWriter, r *http.Request, rq *request, status int, name string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["Lang"], data["Nonce"], data["Page"] = rq.lang, rq.nonce, name
	data["Languages"] = c.cfg.Languages
	if rq.session != nil {
		data["CSRF"], data["Me"] = rq.session.CSRF, rq.p
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.pages.ExecuteTemplate(w, "layout.html", data); err != nil {
		c.cfg.Log.ErrorContext(r.Context(), "console: render", "page", name, "err", err)
	}
}

// fragment renders template name alone, for the script to put in place.
func (c *Console) fragment(w http.ResponseWriter, r *http.Request, rq *request, name string, data map[string]any) {
	data["Lang"], data["Nonce"] = rq.lang, rq.nonce
	if rq.session != nil {
		data["CSRF"], data["Me"] = rq.session.CSRF, rq.p
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := c.pages.ExecuteTemplate(w, name, data); err != nil {
		c.cfg.Log.ErrorContext(r.Context(), "console: render", "fragment", name, "err", err)
	}
}

// fail answers a domain error as a page: "not your client" for a client
// the principal may not see, as the API's 404.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	status, key := http.StatusInternalServerError, "error.internal"
	switch clienteling.ErrorCode(err) {
	case clienteling.ENOTFOUND:
		status, key = http.StatusNotFound, "error.not_your_client"
	case clienteling.EFORBIDDEN:
		status, key = http.StatusForbidden, "error.forbidden"
	case clienteling.EUNAVAILABLE:
		status, key = http.StatusServiceUnavailable, "error.unavailable"
	case clienteling.EINVALID, clienteling.ECONFLICT, clienteling.EPRECONDITION:
		status, key = http.StatusBadRequest, ""
	}
	if status == http.StatusInternalServerError {
		c.cfg.Log.ErrorContext(r.Context(), "console: request failed", "route", r.Pattern, "err", err)
	}
	msg := c.text(rq.lang, key)
	if key == "" {
		msg = clienteling.ErrorMessage(err)
	}
	c.page(w, r, rq, status, "error", map[string]any{"Message": msg, "Code": strings.ReplaceAll(strings.TrimPrefix(key, "error."), "_", "-")})
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("console: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// mask shows the shape of a contact detail, not the detail.
func mask(s string) string {
	r := []rune(s)
	if len(r) <= 4 {
		return strings.Repeat("•", len(r))
	}
	return string(r[:3]) + strings.Repeat("•", len(r)-5) + string(r[len(r)-2:])
}
