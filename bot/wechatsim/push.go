package wechatsim

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// What a TEMPLATESENDJOBFINISH event's Status says of a template message,
// spelled as WeChat spells them (the space in the last one is WeChat's).
const (
	TemplateDelivered    = "success"
	TemplateUserBlock    = "failed:user block"     // the user refuses the account's messages
	TemplateSystemFailed = "failed: system failed" // any other reason
)

// Events the simulator pushes.
const (
	EventTemplateSendJobFinish = "TEMPLATESENDJOBFINISH"
	EventSubscribe             = "subscribe"
	EventScan                  = "SCAN"
)

// OACallback is the Official Account's server URL as configured on the
// platform: where the simulator pushes events, signed and encrypted in safe
// mode as WeChat pushes them.
type OACallback struct {
	// URL returns the full callback URL, e.g. "http://127.0.0.1:8080/wechat/oa".
	// It is read at each push, so it may be set before that server listens.
	URL func() string
	// OA signs and encrypts the pushes with the account's token and key.
	OA OA
	// OriginalID is the account's original id ("gh_..."), the ToUserName
	// of every push.
	OriginalID string
}

// Push is one callback the simulator delivered to the account's server.
type Push struct {
	// Seq numbers pushes and calls together, in order.
	Seq      int       `json:"seq"`
	Time     time.Time `json:"time"`
	OpenID   string    `json:"openid"`
	Event    string    `json:"event"`
	EventKey string    `json:"event_key,omitempty"`
	// MsgID and Status are a TEMPLATESENDJOBFINISH's: the msgid the
	// template send answered, and TemplateDelivered or a failure.
	MsgID  string `json:"msg_id,omitempty"`
	Status string `json:"status,omitempty"`
	// Call is the Seq of the template send a TEMPLATESENDJOBFINISH
	// reports on; 0 for other pushes.
	Call int `json:"call,omitempty"`
	// Answer is the HTTP status the server answered the last attempt
	// with; 0 if it could not be reached.
	Answer int `json:"answer"`
}

// pushAttempts is how often WeChat tries a push that got no answer.
const pushAttempts = 3

// pushTimeout is how long WeChat waits for the server's answer.
const pushTimeout = 5 * time.Second

// ErrNoCallback is returned by PushOA when SetOACallback was not called.
var ErrNoCallback = errors.New("wechatsim: no Official Account callback is set")

// pusher delivers callbacks to the account's server, and remembers them.
type pusher struct {
	mu      sync.Mutex
	target  *OACallback
	list    []Push
	ctx     context.Context // ended by stop, so Close need not wait for a slow server
	cancel  context.CancelFunc
	pending sync.WaitGroup
	http    *http.Client
}

// SetOACallback makes the simulator push the Official Account's events to
// cb: a TEMPLATESENDJOBFINISH after every accepted template message, and
// whatever PushOA is given. Without it nothing is pushed.
func (s *Server) SetOACallback(cb OACallback) {
	p := &s.push
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = &cb
	if p.ctx == nil {
		p.ctx, p.cancel = context.WithCancel(context.Background())
		// No proxy: the server is this machine's.
		p.http = &http.Client{Timeout: pushTimeout, Transport: &http.Transport{Proxy: nil}}
	}
}

// PushOA delivers m to the Official Account's server as WeChat pushes a
// user's event (a SCAN or subscribe of a parametric QR code, built with
// ScanEvent or SubscribeEvent), trying again as WeChat does when there is
// no answer, and returns the push with the server's answer. m's
// ToUserName is set to the account's original id, and a zero CreateTime to
// now. The push is remembered (see Pushes) whatever the answer.
func (s *Server) PushOA(ctx context.Context, m Msg) (Push, error) {
	return s.pushOA(ctx, m, 0)
}

// Pushes returns the callbacks the simulator delivered, oldest first.
func (s *Server) Pushes() []Push {
	s.push.mu.Lock()
	defer s.push.mu.Unlock()
	out := make([]Push, len(s.push.list))
	copy(out, s.push.list)
	return out
}

func (s *Server) pushOA(ctx context.Context, m Msg, call int) (Push, error) {
	p := &s.push
	p.mu.Lock()
	target, client := p.target, p.http
	p.mu.Unlock()
	if target == nil {
		return Push{}, ErrNoCallback
	}
	m.ToUserName = target.OriginalID
	if m.CreateTime.IsZero() {
		m.CreateTime = s.opts.Clock()
	}
	out := Push{Time: s.opts.Clock(), OpenID: m.FromUserName, Event: m.Event, EventKey: m.EventKey,
		MsgID: m.MsgID, Status: m.Status, Call: call}
	var err error
	for attempt := 1; attempt <= pushAttempts; attempt++ {
		out.Answer, err = deliver(ctx, client, target, m)
		if err == nil && out.Answer < 500 {
			break
		}
		if attempt < pushAttempts && !sleepCtx(ctx, time.Second) {
			break
		}
	}
	out.Seq = s.rec.nextSeq()
	p.mu.Lock()
	p.list = append(p.list, out)
	if limit := s.opts.RecordLimit; limit > 0 && len(p.list) > limit {
		p.list = p.list[len(p.list)-limit:]
	}
	p.mu.Unlock()
	s.state.keepPush(out)
	return out, err
}

// deliver posts one push and returns the status answered.
func deliver(ctx context.Context, client *http.Client, target *OACallback, m Msg) (int, error) {
	req := target.OA.Safe(m.XML()).Request(target.URL()).WithContext(ctx)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// later runs f in the background with a context that stop ends; it does
// nothing without a callback, or once the server is closing.
func (p *pusher) later(f func(ctx context.Context)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.target == nil || p.ctx == nil || p.ctx.Err() != nil {
		return
	}
	p.pending.Add(1)
	go func() {
		defer p.pending.Done()
		f(p.ctx)
	}()
}

// stop ends the pushes under way and waits for them.
func (p *pusher) stop() {
	p.mu.Lock()
	if p.cancel != nil {
		p.cancel()
	}
	p.mu.Unlock()
	p.pending.Wait()
	if p.http != nil {
		p.http.CloseIdleConnections()
	}
}

// finishTemplate reports a template send's fate as WeChat does once it
// has tried to deliver it: a TEMPLATESENDJOBFINISH pushed after the send
// was answered, from the user it went to.
func (s *Server) finishTemplate(call int, openid string, msgID int64, status string) {
	s.push.later(func(ctx context.Context) {
		m := TemplateSendJobFinishEvent("", openid, msgID, status, s.opts.Clock())
		_, _ = s.pushOA(ctx, m, call) // remembered with its answer, whatever it was
	})
}

// templateStatus is what a template message to openid comes to.
func (s *Server) templateStatus(openid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.users[openid]; ok && u.TemplateStatus != "" {
		return u.TemplateStatus
	}
	return TemplateDelivered
}

// TemplateSendJobFinishEvent is WeChat's report on a template message
// sent to a user (from) of an account (to): status is TemplateDelivered,
// TemplateUserBlock or TemplateSystemFailed.
func TemplateSendJobFinishEvent(to, from string, msgID int64, status string, at time.Time) Msg {
	return Msg{ToUserName: to, FromUserName: from, CreateTime: at, MsgType: "event",
		Event: EventTemplateSendJobFinish, MsgID: strconv.FormatInt(msgID, 10), Status: status}
}
