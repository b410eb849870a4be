package sandbox

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"html/template"
	"log/slog"
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/salonhq/salon/bot/wechatsim"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
	"github.com/salonhq/salon/clienteling/loopback"
)

// Service is what the chat reads of Salon, in the domain's terms;
// *clienteling.Service provides it.
type Service interface {
	Associates(ctx context.Context, f clienteling.AssociateFilter) ([]*clienteling.Associate, error)
	Boutiques(ctx context.Context) ([]*clienteling.Boutique, error)
	FindCustomerByIdentity(ctx context.Context, id clienteling.Identity) (*clienteling.Customer, error)
	Messages(ctx context.Context, id clienteling.CustomerID, p clienteling.MessagePage) ([]*clienteling.Message, string, error)
}

// Config is what a Chat needs from the Salon it runs in.
type Config struct {
	Service Service
	// Sim is the simulated WeChat the Salon sends to; the chat shows what
	// it received as the client's phone would.
	Sim *wechatsim.Server
	// Credentials are the Official Account's, as the Salon is configured
	// with them: the chat signs its callbacks with them.
	Credentials Credentials
	// DemoOpenIDs are the demo clients' openids, in the order listed; the
	// chat writes only as them.
	DemoOpenIDs []string
	// BrandName names the maison's bot in the conversation.
	BrandName string
	// SelfURL returns the Salon's base URL as reached from its own
	// process; it is read at each send, once the Salon listens.
	SelfURL func() string
	Log     *slog.Logger
}

// Chat is the chat simulator at /sandbox, where a newcomer writes as a demo
// VIP: it posts signed callbacks to the Salon's own /wechat/oa and shows
// the conversation, with the replies the simulated WeChat received.
type Chat struct {
	svc     Service
	sim     *wechatsim.Server
	creds   Credentials
	brand   string
	selfURL func() string
	log     *slog.Logger
	demo    []string     // the demo clients' openids, in seed order
	http    *http.Client // posts the simulated callbacks to our own server
}

// Credentials are made fresh at each start: nothing real is ever
// configured in sandbox mode.
type Credentials struct {
	OAAppID, OASecret, OAToken, OAAESKey string
}

// NewCredentials returns fresh random Official Account credentials.
func NewCredentials() Credentials {
	return Credentials{
		OAAppID: "wxsandbox" + randomHex(4), OASecret: randomHex(16), OAToken: randomHex(8),
		OAAESKey: randomHex(22)[:43],
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Bounds and constants of the chat.
const (
	// MaxText bounds a simulated message, in characters: longer than
	// anything a client types into a chat, and still far under the
	// callback's 64 KiB body limit once encrypted and base64-encoded.
	MaxText = 2000
	// MaxBody bounds the send endpoint's JSON body: the longest text
	// with every character escaped as \uXXXX, plus room for the openid.
	MaxBody = 16 << 10
	// originalID is the Official Account's original id (gh_...) in
	// simulated callbacks; the sandbox account has no real one.
	originalID = "gh_salonsandbox"
	// pollMillis is how often the page refreshes the conversation,
	// so replies sent later by the outbound pipeline show up by themselves.
	pollMillis = 1500
	// customSendPath is where replies to a client go on WeChat's API,
	// and templateSendPath where template messages go.
	customSendPath   = "/cgi-bin/message/custom/send"
	templateSendPath = "/cgi-bin/message/template/send"
	// deliveryWindow is how far apart a stored outbound message and the
	// simulated WeChat's record of it may be to count as the same message.
	deliveryWindow = 10 * time.Minute
)

// Where a conversation entry comes from.
const (
	FromHistory = "history" // Salon's stored conversation
	FromWeChat  = "wechat"  // what the simulated WeChat received or pushed, not in the history
)

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("sandbox").Funcs(template.FuncMap{
	"initial": func(s string) string {
		r, _ := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r))
	},
}).Parse(pageHTML))

// New returns a Chat; Register mounts it. It points the simulated
// WeChat's pushes (template delivery reports, QR scans) at the Salon's
// /wechat/oa, signed with the Salon's credentials.
func New(cfg Config) *Chat {
	sb := &Chat{svc: cfg.Service, sim: cfg.Sim, creds: cfg.Credentials, brand: cfg.BrandName,
		selfURL: cfg.SelfURL, log: cfg.Log, demo: cfg.DemoOpenIDs,
		// No proxy: the callback goes to this very process on loopback.
		http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil}},
	}
	if sb.sim != nil {
		sb.sim.SetOACallback(wechatsim.OACallback{URL: func() string { return sb.selfURL() + "/wechat/oa" },
			OA: sb.oa(), OriginalID: originalID})
	}
	return sb
}

// oa builds callbacks as WeChat does for the Salon's Official Account.
func (sb *Chat) oa() wechatsim.OA {
	return wechatsim.OA{AppID: sb.creds.OAAppID, Token: sb.creds.OAToken, EncodingAESKey: sb.creds.OAAESKey}
}

// Close releases the connections the chat made to the Salon.
func (sb *Chat) Close() {
	sb.http.CloseIdleConnections()
}

// Register mounts the page and its JSON endpoints under /sandbox. Every one of them answers
// only over loopback: the chat lets anyone write as a client.
func (sb *Chat) Register(mux *http.ServeMux) {
	page := func(h http.HandlerFunc) http.Handler {
		return sb.loopbackOnly(h, func(w http.ResponseWriter, r *http.Request, msg string) {
			http.Error(w, msg, http.StatusForbidden)
		})
	}
	apiDeny := func(w http.ResponseWriter, r *http.Request, msg string) {
		httpjson.WriteError(w, r, sb.log, clienteling.Errorf(clienteling.EFORBIDDEN, "%s", msg))
	}
	// Cross-origin writes are refused so that a web page open in the same
	// browser cannot post as a client to this loopback server.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiDeny(w, r, "cross-origin request refused")
	}))
	api := func(h func(http.ResponseWriter, *http.Request) error) http.Handler {
		return sb.loopbackOnly(cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				httpjson.WriteError(w, r, sb.log, err)
			}
		})), apiDeny)
	}
	mux.Handle("GET /sandbox", page(sb.servePage))
	mux.Handle("GET /sandbox/{$}", page(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/sandbox", http.StatusMovedPermanently)
	}))
	// A wrong method on an endpoint is 405 with Allow; an unknown path 404.
	routes := &httpjson.Routes{NotFound: "no such sandbox endpoint"}
	for _, e := range []struct {
		pattern string
		h       func(http.ResponseWriter, *http.Request) error
	}{
		{"GET /sandbox/api/clients", sb.serveClients},
		{"GET /sandbox/api/conversation", sb.serveConversation},
		{"POST /sandbox/api/send", sb.serveSend},
		{"GET /sandbox/api/associates", sb.serveAssociates},
		{"POST /sandbox/api/scan", sb.serveScan},
	} {
		mux.Handle(e.pattern, api(e.h))
		routes.Add(e.pattern)
	}
	mux.Handle("/sandbox/api/", api(routes.Unmatched))
}

// loopbackOnly refuses requests that did not arrive over loopback, that
// name another host (a DNS-rebinding page would), or that a proxy passed
// on, whatever address the server listens on.
func (sb *Chat) loopbackOnly(next http.Handler, deny func(http.ResponseWriter, *http.Request, string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopback.Direct(r) {
			sb.log.WarnContext(r.Context(), "sandbox: refused a request from outside loopback", "route", r.Pattern)
			deny(w, r, "the sandbox answers only over loopback, e.g. http://127.0.0.1:8080/sandbox")
			return
		}
		if h := loopback.ProxyHeader(r.Header); h != "" {
			sb.log.WarnContext(r.Context(), "sandbox: refused a proxied request", "route", r.Pattern, "header", h)
			deny(w, r, "the sandbox refuses proxied requests (the request carries "+h+"): open it directly on this machine, e.g. http://127.0.0.1:8080/sandbox")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// servePage renders the chat page. The client list is rendered here; the
// conversation of a ?openid= link comes embedded as JSON, so a bookmarked
// client shows at once, and the page's script keeps it current.
func (sb *Chat) servePage(w http.ResponseWriter, r *http.Request) {
	clients, err := sb.clients(r.Context())
	if err != nil {
		sb.log.ErrorContext(r.Context(), "sandbox: list clients", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	associates, err := sb.associates(r.Context())
	if err != nil {
		sb.log.ErrorContext(r.Context(), "sandbox: list associates", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	data := struct {
		Brand, Nonce, SelectedID string
		Clients                  []Client
		MaxText                  int
		Initial                  any
	}{Brand: sb.brand, Nonce: randomHex(16), Clients: clients, MaxText: MaxText}
	initial := struct {
		Clients      []Client      `json:"clients"`
		Associates   []Associate   `json:"associates"`
		Conversation *Conversation `json:"conversation"`
		MaxText      int           `json:"max_text"`
		PollMillis   int           `json:"poll_ms"`
	}{Clients: clients, Associates: associates, MaxText: MaxText, PollMillis: pollMillis}
	// A bookmarked ?openid= opens that client; an unknown one opens none.
	if openid := r.URL.Query().Get("openid"); openid != "" {
		if c, err := sb.client(r.Context(), openid); err == nil {
			if initial.Conversation, err = sb.conversation(r.Context(), c); err == nil {
				data.SelectedID = c.OpenID
			}
		}
	}
	data.Initial = initial
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// Card pictures are wherever the brand hosts them, as in WeChat;
	// scripts, styles and connections stay this page's own.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+data.Nonce+"'; style-src 'nonce-"+data.Nonce+
		"'; img-src 'self' data: https: http:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	if err := pageTemplate.Execute(w, data); err != nil {
		sb.log.ErrorContext(r.Context(), "sandbox: render page", "err", err)
	}
}

func (sb *Chat) serveClients(w http.ResponseWriter, r *http.Request) error {
	cs, err := sb.clients(r.Context())
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"clients": cs})
	return nil
}

func (sb *Chat) serveConversation(w http.ResponseWriter, r *http.Request) error {
	c, err := sb.client(r.Context(), r.URL.Query().Get("openid"))
	if err != nil {
		return err
	}
	conv, err := sb.conversation(r.Context(), c)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, conv)
	return nil
}
