// Package checkout serves the page a client opens from a product card,
// GET /c/{token}: the piece in the brand's look at the card's price, a
// size, collection or delivery, and a confirmation handed to an
// OrderPlacer. It is an adapter: it speaks to the domain's Service only.
package checkout

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// OrderPlacer turns a confirmed choice into an order. The payment step
// connects it; the page never sends a price.
type OrderPlacer interface {
	PlaceOrder(ctx context.Context, c *Choice) error
}

// Handler serves the checkout pages.
type Handler struct {
	service *clienteling.Service
	orders  OrderPlacer
	now     func() time.Time
	log     *slog.Logger
	limit   *limiter
	formKey []byte // signs the form token of each page
}

// Options tune a Handler; zero values take the defaults.
type Options struct {
	Orders    OrderPlacer      // nil: confirmations are refused as unavailable
	Now       func() time.Time // the clock of delivery slots
	Log       *slog.Logger
	PerMinute int // requests per remote address; default 30
	MaxAddrs  int // remote addresses remembered; default 10000
}

// New returns the checkout pages over s.
func New(s *clienteling.Service, o Options) *Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.PerMinute <= 0 {
		o.PerMinute = 30
	}
	if o.MaxAddrs <= 0 {
		o.MaxAddrs = 10000
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &Handler{service: s, orders: o.Orders, now: o.Now, log: o.Log,
		limit: newLimiter(o.PerMinute, o.MaxAddrs), formKey: key}
}

// Register mounts the pages on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /c/{token}", h.guard(h.show))
	mux.Handle("POST /c/{token}", h.guard(h.confirm))
}

// guard sets the security headers and applies the rate limit.
func (h *Handler) guard(next func(http.ResponseWriter, *http.Request, string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := newNonce()
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; img-src https: data:; style-src 'nonce-"+nonce+
			"'; script-src 'nonce-"+nonce+"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer") // the token is in the path
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
		if ok, wait := h.limit.allow(remoteAddr(r), h.now()); !ok {
			hd.Set("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			h.render(w, http.StatusTooManyRequests, &view{Nonce: nonce, Lang: lang(r, ""), Kind: "message",
				Heading: "429", Body: t(lang(r, ""), "too_many")})
			return
		}
		next(w, r, nonce)
	})
}

func remoteAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func newNonce() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// inWeChat reports whether the page was opened in WeChat's browser.
func inWeChat(r *http.Request) bool {
	return strings.Contains(r.UserAgent(), "MicroMessenger")
}

// open reads the card of the token in the path; a failure is answered.
func (h *Handler) open(w http.ResponseWriter, r *http.Request, nonce string) *clienteling.CardPage {
	page, err := h.service.OpenCard(r.Context(), r.PathValue("token"))
	if err == nil {
		return page
	}
	l := lang(r, "")
	if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
		h.notFound(w, l, nonce)
		return nil
	}
	h.log.Error("checkout: open card", "err", err)
	h.render(w, http.StatusServiceUnavailable, &view{Nonce: nonce, Lang: l, Kind: "message", Heading: "503",
		Body: t(l, "error.form")})
	return nil
}

func (h *Handler) notFound(w http.ResponseWriter, l, nonce string) {
	h.render(w, http.StatusNotFound, &view{Nonce: nonce, Lang: l, Kind: "message",
		Heading: t(l, "not_found_title"), Body: t(l, "not_found_body")})
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request, nonce string) {
	page := h.open(w, r, nonce)
	if page == nil {
		return
	}
	v := h.pageView(r, page, nonce)
	if page.Expired {
		h.render(w, http.StatusGone, v)
		return
	}
	h.render(w, http.StatusOK, v)
}

func (h *Handler) confirm(w http.ResponseWriter, r *http.Request, nonce string) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	page := h.open(w, r, nonce)
	if page == nil {
		return
	}
	v := h.pageView(r, page, nonce)
	if page.Expired || !inWeChat(r) {
		h.render(w, http.StatusConflict, v)
		return
	}
	if err := r.ParseForm(); err != nil {
		v.Error = t(v.Lang, "error.form")
		h.render(w, http.StatusBadRequest, v)
		return
	}
	if !hmac.Equal([]byte(r.PostForm.Get("form")), []byte(h.formToken(page.Card.Token))) {
		v.Error = t(v.Lang, "error.form")
		h.render(w, http.StatusForbidden, v)
		return
	}
	choice, ferr := parseChoice(r.PostForm, page.Card.Token, v.offer)
	if ferr != nil {
		v.Error, v.ErrorField = t(v.Lang, "error."+fieldKey(ferr.Field)), ferr.Field
		h.render(w, http.StatusUnprocessableEntity, v)
		return
	}
	if h.orders == nil {
		v.Error = t(v.Lang, "error.form")
		h.render(w, http.StatusServiceUnavailable, v)
		return
	}
	if err := h.orders.PlaceOrder(r.Context(), choice); err != nil {
		var de *clienteling.Error
		if errors.As(err, &de) && de.Field != "" {
			v.Error, v.ErrorField = t(v.Lang, "error."+fieldKey(de.Field)), de.Field
			h.render(w, http.StatusUnprocessableEntity, v)
			return
		}
		h.log.Error("checkout: place order", "err", err)
		v.Error = t(v.Lang, "error.form")
		h.render(w, http.StatusServiceUnavailable, v)
		return
	}
	h.render(w, http.StatusOK, &view{Nonce: nonce, Lang: v.Lang, Kind: "message", Brand: v.Brand, Accent: v.Accent,
		Heading: v.Title, Body: t(v.Lang, "confirmed")})
}

// fieldKey maps a form field to its catalog message; unknown fields read
// as a stale form.
func fieldKey(field string) string {
	switch field {
	case "size", "delivery", "boutique", "name", "phone", "city", "street", "postcode", "slot":
		return field
	}
	return "form"
}

// formToken ties a confirmation to a page this server rendered for the
// card: another site cannot post one without having read the page.
func (h *Handler) formToken(cardToken string) string {
	m := hmac.New(sha256.New, h.formKey)
	m.Write([]byte("checkout form\x00" + cardToken))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

var accentPattern = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// safeAccent returns the brand's accent if it is a plain #RRGGBB colour,
// else a neutral one: the value goes into a style sheet.
func safeAccent(b *clienteling.Brand) string {
	if b != nil && accentPattern.MatchString(b.Accent) {
		return b.Accent
	}
	return "#222222"
}

func lang(r *http.Request, client string) string {
	if client != "" {
		return client
	}
	return r.Header.Get("Accept-Language")
}
