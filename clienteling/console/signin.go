package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/loopback"
)

// The forms shown before there is a session carry a token that must match
// a cookie set with them (double submit), so that another site cannot
// sign a browser in as someone else.
func (c *Console) signinToken(w http.ResponseWriter, r *http.Request) string {
	if ck, err := r.Cookie(signinCookie); err == nil && len(ck.Value) >= 16 && len(ck.Value) <= 64 {
		return ck.Value
	}
	v := randomToken(16)
	http.SetCookie(w, &http.Cookie{Name: signinCookie, Value: v, Path: "/signin", MaxAge: 3600,
		HttpOnly: true, Secure: c.secure(), SameSite: http.SameSiteLaxMode})
	return v
}

func validSigninForm(r *http.Request) bool {
	ck, err := r.Cookie(signinCookie)
	if err != nil || ck.Value == "" {
		return false
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 16<<10)
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue(csrfField)), []byte(ck.Value)) == 1
}

// serveSignIn shows the ways in: WeCom, the sandbox's demo staff over
// loopback, and how to get a sign-in link.
func (c *Console) serveSignIn(w http.ResponseWriter, r *http.Request) {
	rq := c.begin(w, r)
	data := map[string]any{"SigninToken": c.signinToken(w, r), "WeCom": c.cfg.WeCom != nil}
	if len(c.cfg.SandboxStaff) > 0 && loopback.Local(r) {
		data["Staff"] = c.cfg.SandboxStaff
	}
	c.page(w, r, rq, http.StatusOK, "signin", data)
}

// serveLinkConfirm asks for a click before spending a sign-in link, so
// that a chat app fetching the link for a preview does not use it up.
func (c *Console) serveLinkConfirm(w http.ResponseWriter, r *http.Request) {
	rq := c.begin(w, r)
	c.page(w, r, rq, http.StatusOK, "link", map[string]any{"SigninToken": c.signinToken(w, r), "Link": r.URL.Query().Get("t")})
}

func (c *Console) redeemLink(w http.ResponseWriter, r *http.Request) {
	rq := c.begin(w, r)
	if !validSigninForm(r) {
		c.page(w, r, rq, http.StatusForbidden, "error", map[string]any{"Message": c.text(rq.lang, "error.csrf")})
		return
	}
	secret, sess, err := c.cfg.Service.RedeemSignInLink(r.Context(), r.PostFormValue("t"))
	if clienteling.ErrorCode(err) == clienteling.EUNAUTHORIZED {
		c.page(w, r, rq, http.StatusUnauthorized, "error", map[string]any{"Message": c.text(rq.lang, "signin.link_spent")})
		return
	} else if err != nil {
		c.fail(w, r, rq, err)
		return
	}
	c.setSession(w, secret, sess)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// signInSandbox signs in as one of the demo staff: sandbox mode, over
// loopback, only.
func (c *Console) signInSandbox(w http.ResponseWriter, r *http.Request) {
	rq := c.begin(w, r)
	if len(c.cfg.SandboxStaff) == 0 || !loopback.Local(r) {
		http.NotFound(w, r)
		return
	}
	if !validSigninForm(r) {
		c.page(w, r, rq, http.StatusForbidden, "error", map[string]any{"Message": c.text(rq.lang, "error.csrf")})
		return
	}
	id := clienteling.AssociateID(r.PostFormValue("userid"))
	known := false
	for _, a := range c.cfg.SandboxStaff {
		known = known || a.UserID == id
	}
	if !known {
		c.page(w, r, rq, http.StatusBadRequest, "error", map[string]any{"Message": c.text(rq.lang, "signin.unknown_staff")})
		return
	}
	c.start(w, r, rq, id, "/")
}

// start opens a session for id, proven by the caller, and goes to next.
func (c *Console) start(w http.ResponseWriter, r *http.Request, rq *request, id clienteling.AssociateID, next string) {
	ctx := clienteling.WithPrincipal(r.Context(), clienteling.System())
	secret, sess, err := c.cfg.Service.StartSession(ctx, id)
	if clienteling.ErrorCode(err) == clienteling.EUNAUTHORIZED {
		c.page(w, r, rq, http.StatusUnauthorized, "error", map[string]any{"Message": c.text(rq.lang, "signin.unknown_staff")})
		return
	} else if err != nil {
		c.fail(w, r, rq, err)
		return
	}
	c.setSession(w, secret, sess)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// startWeCom sends WeCom's in-app browser to authorise; state, kept in
// the sign-in cookie, ties the answer to this browser. ?next= (a console
// path) is where to land: the card's link opens the right conversation.
func (c *Console) startWeCom(w http.ResponseWriter, r *http.Request) {
	if c.cfg.WeCom == nil {
		http.NotFound(w, r)
		return
	}
	state := c.signinToken(w, r)
	redirect := c.cfg.PublicURL + "/signin/wecom/callback?next=" + url.QueryEscape(localPath(r.URL.Query().Get("next")))
	http.Redirect(w, r, c.cfg.WeCom.AuthURL(redirect, state), http.StatusFound)
}

func (c *Console) finishWeCom(w http.ResponseWriter, r *http.Request) {
	rq := c.begin(w, r)
	ck, err := r.Cookie(signinCookie)
	q := r.URL.Query()
	if c.cfg.WeCom == nil || err != nil || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(q.Get("state"))) != 1 || q.Get("code") == "" {
		c.page(w, r, rq, http.StatusForbidden, "error", map[string]any{"Message": c.text(rq.lang, "error.csrf")})
		return
	}
	userid, err := c.cfg.WeCom.UserID(r.Context(), q.Get("code"))
	if err != nil {
		c.cfg.Log.WarnContext(r.Context(), "console: WeCom authorisation failed", "err", err)
		c.page(w, r, rq, http.StatusUnauthorized, "error", map[string]any{"Message": c.text(rq.lang, "signin.wecom_failed")})
		return
	}
	c.start(w, r, rq, clienteling.AssociateID(userid), localPath(q.Get("next")))
}

// localPath keeps next only if it is a path of this site. Browsers drop
// tabs and newlines from a URL and read a backslash as a slash, so
// "/\t/host" would leave the site: such a path is refused whole.
func localPath(next string) string {
	if len(next) < 1 || len(next) > 2000 || next[0] != '/' || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	return next
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request, rq *request) {
	if ck, err := r.Cookie(SessionCookie); err == nil {
		if err := c.cfg.Service.EndSession(r.Context(), ck.Value); err != nil {
			c.fail(w, r, rq, err)
			return
		}
	}
	c.clearSession(w)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}
