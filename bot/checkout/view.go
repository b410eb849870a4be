package checkout

import (
	"bytes"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"time"

	"rsc.io/qr"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/locales"
)

//go:embed page.html
var pageFiles embed.FS

var pageTemplate = template.Must(template.New("page.html").Funcs(template.FuncMap{"t": t}).ParseFS(pageFiles, "page.html"))

func t(lang, id string, args ...any) string { return locales.Checkout(lang, id, args...) }

// view is what the template shows. Kind is "card", "expired" or "message".
type view struct {
	Nonce, Lang, Kind string
	Brand, Logo       string
	Accent            string // validated #RRGGBB
	Heading, Body     string

	Title, Description, Price, Note string
	Images                          []string
	Sizes                           []string
	Size                            string // preselected
	Preselected                     bool
	Boutiques                       []*clienteling.Boutique
	Slots                           []slot
	Advisor, AdvisorBoutique        string
	Token, Form                     string
	WeChat                          bool
	QR                              template.URL // data: URI of the page's address, outside WeChat
	Error, ErrorField               string

	offer offer
}

type slot struct{ Value, Label string }

// slotHours are the starts of the delivery windows, each slotLength long,
// in the boutique's time.
var slotHours = []int{10, 14}

const (
	slotLength = 4 * time.Hour
	slotDays   = 5
)

// slots lists the delivery windows still to come, from tomorrow on in
// the boutique's time zone.
func slots(now time.Time, loc *time.Location) []slot {
	local := now.In(loc)
	var out []slot
	for d := 1; d <= slotDays; d++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+d, 0, 0, 0, 0, loc)
		for _, h := range slotHours {
			start := day.Add(time.Duration(h) * time.Hour)
			if !start.After(now) {
				continue
			}
			out = append(out, slot{Value: start.Format(time.RFC3339),
				Label: start.Format("2006-01-02 15:04") + "–" + start.Add(slotLength).Format("15:04")})
		}
	}
	return out
}

// pageView builds the view of a card's page for the request.
func (h *Handler) pageView(r *http.Request, p *clienteling.CardPage, nonce string) *view {
	l := locales.Match(lang(r, p.Language))
	c := p.Card
	v := &view{Nonce: nonce, Lang: l, Kind: "card", Accent: safeAccent(p.Brand), Title: c.Title.In(l),
		Description: c.Description.In(l), Note: c.Note, Price: formatPrice(c.Price), Images: c.Images, Sizes: c.Sizes,
		Size: p.Size, Preselected: p.Size != "", Boutiques: p.Boutiques, Advisor: p.Advisor, Token: c.Token,
		WeChat: inWeChat(r)}
	if v.Size == "" && len(v.Sizes) > 0 {
		v.Size = v.Sizes[0]
	}
	if p.Brand != nil {
		v.Brand, v.Logo = p.Brand.Name, p.Brand.LogoURL
	}
	loc := time.FixedZone("CST", 8*3600)
	if p.Boutique != nil {
		v.AdvisorBoutique, loc = p.Boutique.Name, p.Boutique.Location()
	}
	now := h.now()
	v.Slots = slots(now, loc)
	v.offer = offer{sizes: c.Sizes, now: now}
	for _, b := range p.Boutiques {
		v.offer.boutiques = append(v.offer.boutiques, b.ID)
	}
	if p.Expired {
		v.Kind = "expired"
		v.Heading, v.Body = t(l, "expired_title"), t(l, "expired_body", v.Advisor)
		return v
	}
	if v.WeChat {
		v.Form = h.formToken(c.Token)
	} else if code, err := qr.Encode(pageURL(r), qr.M); err == nil {
		v.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG()))
	}
	return v
}

// pageURL is the address the client opened, to continue in WeChat.
func pageURL(r *http.Request) string {
	scheme := "https"
	if r.TLS == nil && r.Header.Get("X-Forwarded-Proto") != "https" {
		scheme = "http"
	}
	return scheme + "://" + r.Host + r.URL.EscapedPath()
}

func (h *Handler) render(w http.ResponseWriter, status int, v *view) {
	if v.Accent == "" {
		v.Accent = "#222222"
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
		h.log.Error("checkout: render", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
