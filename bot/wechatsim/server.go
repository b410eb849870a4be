package wechatsim

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Credentials the simulator accepts when Options leaves them empty. They are
// well-formed (an AppID starts with "wx", a CorpID with "ww", a Pay key has
// 32 characters) so code that checks shapes accepts them too.
const (
	DefaultOAAppID       = "wx5a10000000000001"
	DefaultOASecret      = "sandbox-oa-secret"
	DefaultCorpID        = "ww5a10000000000001"
	DefaultAgentID       = "1000002"
	DefaultAppSecret     = "sandbox-wecom-app-secret"
	DefaultKfSecret      = "sandbox-wecom-kf-secret"
	DefaultContactSecret = "sandbox-wecom-contact-secret"
	DefaultPayMchID      = "1900000109"
	DefaultPayKey        = "sandboxpaykey0000000000000000000"
)

// Options configure a Server. The zero value is a usable sandbox with the
// Default credentials.
type Options struct {
	// Clock is read for token expiry and call times; nil means time.Now.
	Clock func() time.Time
	// TokenTTL is the lifetime of issued access tokens; 0 means 7200 s,
	// WeChat's value.
	TokenTTL time.Duration

	// OAAppID and OASecret identify the one Official Account the simulator
	// serves; the AppID also identifies the Pay merchant's app.
	OAAppID, OASecret string

	// CorpID is the WeCom corporation; CorpSecrets are the secrets that
	// can fetch its tokens (app, customer contact, 微信客服). Each secret
	// gets its own tokens, as on WeCom.
	CorpID      string
	CorpSecrets []string
	// AgentID is the self-built app's id, the only agentid message/send
	// accepts.
	AgentID string
	// Scopes, when set, limits what a secret's tokens may call: secret to
	// the API paths allowed; other paths answer 48002 "api forbidden".
	Scopes map[string][]string

	// PayMchID and PayKey are the merchant id and API v2 key.
	PayMchID, PayKey string
	// PayAPIv3Key encrypts API v3 notifications; 32 characters.
	PayAPIv3Key string
	// PayV3KeyDir, when set, keeps the API v3 key pairs in files there
	// (made at first use, read afterwards), so that a sandbox's merchant
	// configuration survives restarts; empty keeps fresh keys in memory.
	PayV3KeyDir string

	// RecordLimit, when above zero, keeps only that many most recent
	// calls, so a long-running sandbox does not grow without bound.
	RecordLimit int
}

func (o *Options) setDefaults() {
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.TokenTTL <= 0 {
		o.TokenTTL = 7200 * time.Second
	}
	if o.OAAppID == "" {
		o.OAAppID = DefaultOAAppID
	}
	if o.OASecret == "" {
		o.OASecret = DefaultOASecret
	}
	if o.CorpID == "" {
		o.CorpID = DefaultCorpID
	}
	if o.AgentID == "" {
		o.AgentID = DefaultAgentID
	}
	if len(o.CorpSecrets) == 0 {
		o.CorpSecrets = []string{DefaultAppSecret, DefaultKfSecret, DefaultContactSecret}
	}
	if o.PayMchID == "" {
		o.PayMchID = DefaultPayMchID
	}
	if o.PayKey == "" {
		o.PayKey = DefaultPayKey
	}
	if o.PayAPIv3Key == "" {
		o.PayAPIv3Key = DefaultPayAPIv3Key
	}
}

// Server simulates WeChat's, WeCom's and WeChat Pay's HTTP APIs. All of
// its methods are safe for concurrent use. Point the bot's API bases
// (api.weixin.qq.com, qyapi.weixin.qq.com, api.mch.weixin.qq.com) at URL;
// the three share one listener since their paths do not collide.
type Server struct {
	opts    Options
	http    *http.Server
	url     string
	served  chan struct{} // closed when Serve has returned
	mux     *http.ServeMux
	closing chan struct{}
	closeMu sync.Once

	rec    recorder
	faults faults
	tokens tokenStore
	push   pusher     // events pushed to the account's server
	state  *stateFile // nil unless Keep was called
	media  mediaStore

	mu        sync.Mutex
	users     map[string]OAUser
	qrcodes   map[string]QRCode
	contacts  map[string]ExternalContact
	kf        map[string]*kfQueue
	orders    map[string]*PayOrder
	nextMsgID int64
	appInbox  appInbox // WeCom app messages, by member

	// Pay is WeChat Pay API v3 (payv3.go); oauth is Official Account
	// web authorisation (oauth.go).
	Pay   *PayV3
	oauth oauthStore
}

// New starts a Server listening on 127.0.0.1 on a free port.
func New(opts Options) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("wechatsim: listen: %w", err)
	}
	return Serve(l, opts), nil
}

// Serve starts a Server answering on l, which it owns from then on: Close
// closes it.
func Serve(l net.Listener, opts Options) *Server {
	s := newServer(opts)
	s.url = "http://" + l.Addr().String()
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		// Serve returns http.ErrServerClosed after Close, and any other
		// error only when the listener fails, which Close also reports
		// nowhere: the calls stop being answered, as WeChat's would.
		_ = s.http.Serve(l)
	}()
	return s
}

func newServer(opts Options) *Server {
	opts.setDefaults()
	s := &Server{
		opts:      opts,
		mux:       http.NewServeMux(),
		closing:   make(chan struct{}),
		users:     map[string]OAUser{},
		qrcodes:   map[string]QRCode{},
		contacts:  map[string]ExternalContact{},
		kf:        map[string]*kfQueue{},
		orders:    map[string]*PayOrder{},
		nextMsgID: 1000000000,
	}
	s.rec.limit = opts.RecordLimit
	s.rec.changed = make(chan struct{})
	s.tokens.init()
	s.routeTokens()
	s.routeOA()
	s.routeWeCom()
	s.routeKf()
	s.routePay()
	s.routePayV3()
	s.routeOAuth()
	s.routeMedia()
	return s
}

// URL returns the base URL, e.g. "http://127.0.0.1:41234", without a
// trailing slash.
func (s *Server) URL() string { return s.url }

// Options returns the options in effect, defaults filled in, so a test can
// configure the bot with the credentials the simulator accepts.
func (s *Server) Options() Options { return s.opts }

// Close stops the server and returns once it has. Calls held by a Hang fault
// or a Delay are released first, so Close does not wait for their clients
// to give up; calls still being answered are cut off, and their clients see
// a dropped connection.
func (s *Server) Close() {
	s.closeMu.Do(func() {
		close(s.closing)
		if s.http != nil {
			_ = s.http.Close()
			<-s.served
		}
		s.push.stop()
		s.state.close()
	})
}

// ServeHTTP records the call, applies any injected fault, then answers as
// WeChat would. It lets the simulator be mounted in another server too.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := s.rec.begin(s.opts.Clock(), r)
	rw := &recordingWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		done := s.rec.end(c, rw)
		// Kept before the answer leaves: the handler's writes are
		// buffered until ServeHTTP returns.
		s.state.keepCall(done)
		if rw.then != nil {
			rw.then(done)
		}
	}()

	if f, ok := s.faults.next(r.URL.Path); ok {
		if !s.wait(r, f) {
			// The client gave up or the server is closing: drop the
			// connection rather than let net/http answer an empty 200.
			rw.status = 0
			panic(http.ErrAbortHandler)
		}
		if f.answers() {
			f.write(rw, r.URL.Path)
			return
		}
	}
	s.mux.ServeHTTP(rw, r)
}

// wait applies a fault's delay or hang; it reports false if the request
// ended before an answer was due.
func (s *Server) wait(r *http.Request, f Fault) bool {
	if f.Hang {
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return false
	}
	if f.Delay <= 0 {
		return true
	}
	t := time.NewTimer(f.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.closing:
		return false
	}
}

// recordingWriter remembers what was answered, for Call.Status and
// Call.Errcode.
type recordingWriter struct {
	http.ResponseWriter
	status     int
	errcode    int
	credential string
	body       []byte
	then       func(Call) // run once the call is recorded, with its record
}

func (w *recordingWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.body = append(w.body, b...)
	return w.ResponseWriter.Write(b)
}

// errmsgs are WeChat's messages for the codes the simulator answers. Clients
// must branch on errcode only; the suffix added by apiError mimics the
// request ids WeChat appends, so a client matching errmsg text breaks here
// as it would in production.
var errmsgs = map[int]string{
	-1:    "system error",
	40001: "invalid credential, access_token is invalid or not latest",
	40003: "invalid openid",
	40008: "invalid message type",
	40013: "invalid appid",
	40029: "invalid code",
	40163: "code been used",
	40014: "invalid access_token",
	40035: "invalid param",
	40037: "invalid template_id",
	40053: "invalid action info",
	40056: "invalid agentid",
	40125: "invalid appsecret",
	41001: "access_token missing",
	41002: "appid missing",
	41004: "appsecret missing",
	42001: "access_token expired",
	45015: "response out of time limit or subscription is canceled",
	47001: "data format error",
	48002: "api forbidden",
	84061: "not external contact",
	40096: "invalid external userid",
	95000: "invalid open_kfid",
}

// Errmsg returns the errmsg the simulator sends with errcode, without the
// request-id suffix.
func Errmsg(errcode int) string {
	if m, ok := errmsgs[errcode]; ok {
		return m
	}
	return fmt.Sprintf("error %d", errcode)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// apiError answers WeChat's JSON error with HTTP 200, as WeChat does: an
// API error is never an HTTP error.
func apiError(w http.ResponseWriter, errcode int, msg string) {
	if msg == "" {
		msg = Errmsg(errcode)
	}
	if rw, ok := w.(*recordingWriter); ok {
		rw.errcode = errcode
	}
	writeJSON(w, map[string]any{
		"errcode": errcode,
		"errmsg":  fmt.Sprintf("%s rid: %08x-%08x", msg, rand.Uint32(), rand.Uint32()),
	})
}

// ok answers success, merging fields into {"errcode":0,"errmsg":"ok"}.
func ok(w http.ResponseWriter, fields map[string]any) {
	out := map[string]any{"errcode": 0, "errmsg": "ok"}
	for k, v := range fields {
		out[k] = v
	}
	writeJSON(w, out)
}

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		apiError(w, 47001, "")
		return false
	}
	return true
}

func (s *Server) msgID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextMsgID++
	return s.nextMsgID
}
