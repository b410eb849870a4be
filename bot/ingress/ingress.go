package ingress

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/salonhq/salon/bot/callback"
	"github.com/salonhq/salon/clienteling"
)

// Verifier is one endpoint's verifier and parser: *callback.OA and the
// WeCom ones.
type Verifier interface {
	Endpoint() callback.Endpoint
	URLCheck(r *http.Request) (string, error)
	Parse(r *http.Request) (*callback.Inbound, error)
}

// Ingress turns verified callbacks into durable inbound messages.
type Ingress struct {
	inbox    clienteling.InboxStore
	announce clienteling.Announcer
	wake     func()
	log      *slog.Logger

	rejected *prometheus.CounterVec
	received *prometheus.CounterVec
	commit   prometheus.Histogram
}

// New returns an Ingress that stores into inbox, announces with announce,
// and calls wake after each commit (to start the outbox relay at once).
func New(inbox clienteling.InboxStore, announce clienteling.Announcer, wake func(), log *slog.Logger, reg prometheus.Registerer) *Ingress {
	g := &Ingress{inbox: inbox, announce: announce, wake: wake, log: log,
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salon_callback_rejected_total", Help: "WeChat callbacks refused, by endpoint and reason.",
		}, []string{"endpoint", "reason"}),
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salon_callback_received_total", Help: "WeChat callbacks acknowledged, by endpoint and outcome (stored, duplicate).",
		}, []string{"endpoint", "outcome"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "salon_callback_commit_seconds", Help: "Time from a verified callback to its durable commit.",
			Buckets: []float64{.0002, .0005, .001, .002, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
	}
	if wake == nil {
		g.wake = func() {}
	}
	reg.MustRegister(g.rejected, g.received, g.commit)
	return g
}

// CommitTimeout bounds the wait for the store, so that WeChat gets an
// answer (503, then its retry) well within its 5 s patience.
const CommitTimeout = 3 * time.Second

// Handler serves one callback endpoint.
func (g *Ingress) Handler(v Verifier) http.Handler { return g.serve(v, g.store) }

// KfNotifier makes a 微信客服 notice durable: that open_kfid has messages to
// pull with token. *kf.Puller implements it.
type KfNotifier interface {
	Notify(ctx context.Context, openKfID, token string) error
}

// KfHandler serves /wecom/kf. Its callbacks carry no message, so it
// acknowledges once n has recorded the notice, and the messages are pulled
// afterwards; verification and refusals are those of Handler.
func (g *Ingress) KfHandler(v Verifier, n KfNotifier) http.Handler {
	return g.serve(v, func(w http.ResponseWriter, r *http.Request, ep string, in *callback.Inbound) {
		g.notice(w, r, ep, in, n)
	})
}

// serve verifies and parses, then hands a POST's callback to accept.
func (g *Ingress) serve(v Verifier, accept func(w http.ResponseWriter, r *http.Request, ep string, in *callback.Inbound)) http.Handler {
	ep := string(v.Endpoint())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			echo, err := v.URLCheck(r)
			if err != nil {
				g.refuse(w, r, ep, err)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, echo)
		case http.MethodPost:
			in, err := v.Parse(r)
			if err != nil {
				g.refuse(w, r, ep, err)
				return
			}
			accept(w, r, ep, in)
		default:
			w.Header().Set("Allow", "GET, POST")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

// RefusedMessage is the message of the log line for a refused callback,
// which carries "endpoint" and "reason": what sums such lines up matches it.
const RefusedMessage = "callback refused"

// refuse answers a rejected callback and counts it. The log line names the
// endpoint and reason only: a forged body may still hold someone's data.
func (g *Ingress) refuse(w http.ResponseWriter, r *http.Request, ep string, err error) {
	status, reason := callback.Status(err), callback.Reason(err)
	g.rejected.WithLabelValues(ep, reason).Inc()
	g.log.WarnContext(r.Context(), RefusedMessage, "endpoint", ep, "reason", reason, "status", status)
	http.Error(w, http.StatusText(status), status)
}

// store commits the callback and acknowledges it. WeChat waits at most 5 s
// and then retries; the dedupe key makes the retry harmless.
func (g *Ingress) store(w http.ResponseWriter, r *http.Request, ep string, in *callback.Inbound) {
	msg, ok := inboundOf(in)
	if !ok {
		// Not from a client (an associate's app message, a 微信客服 sync
		// notice): acknowledged here, handled by its own flow.
		g.ack(w, ep, "ignored")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), CommitTimeout)
	defer cancel()
	start := time.Now()
	receipt, err := g.inbox.Receive(ctx, msg, announcerFor(in, g.announce))
	if err != nil {
		g.notStored(w, r, ep, in, err)
		return
	}
	g.commit.Observe(time.Since(start).Seconds())
	if receipt.Duplicate {
		g.ack(w, ep, "duplicate")
		return
	}
	g.wake()
	g.ack(w, ep, "stored")
}

// notice records a 微信客服 notice and acknowledges it; other callbacks of
// that endpoint are acknowledged and ignored.
func (g *Ingress) notice(w http.ResponseWriter, r *http.Request, ep string, in *callback.Inbound, n KfNotifier) {
	if in.Event != callback.EventKfMsgOrEvent || in.OpenKfID == "" {
		g.ack(w, ep, "ignored")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), CommitTimeout)
	defer cancel()
	start := time.Now()
	if err := n.Notify(ctx, in.OpenKfID, in.KfToken); err != nil {
		g.notStored(w, r, ep, in, err)
		return
	}
	g.commit.Observe(time.Since(start).Seconds())
	g.ack(w, ep, "stored")
}

// ack answers WeChat's "received" and counts the outcome.
func (g *Ingress) ack(w http.ResponseWriter, ep, outcome string) {
	g.received.WithLabelValues(ep, outcome).Inc()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, callback.NoReply)
}

// notStored answers a callback the store could not commit: 503 so that
// WeChat retries (400 for one the domain refuses), never success.
func (g *Ingress) notStored(w http.ResponseWriter, r *http.Request, ep string, in *callback.Inbound, err error) {
	code := clienteling.ErrorCode(err)
	status := http.StatusServiceUnavailable
	if code == clienteling.EINVALID {
		status = http.StatusBadRequest
	}
	g.rejected.WithLabelValues(ep, "store_"+code).Inc()
	g.log.ErrorContext(r.Context(), "callback not stored", "endpoint", ep, "inbound", in, "code", code, "err", err)
	http.Error(w, http.StatusText(status), status)
}

// inboundOf maps a client's callback to the domain; ok is false for
// callbacks that are not a client's message or event.
func inboundOf(in *callback.Inbound) (*clienteling.Inbound, bool) {
	var id clienteling.Identity
	switch {
	case in.Endpoint == callback.EndpointOA && in.OpenID != "":
		id = clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: string(in.OpenID)}
	case in.ExternalUserID != "":
		id = clienteling.Identity{Channel: clienteling.ChannelWeCom, ExternalID: string(in.ExternalUserID)}
	default:
		return nil, false
	}
	// The store orders the history by CreateTime only if it is plausible.
	sent := in.CreateTime.Unix()
	m := clienteling.Message{Channel: id.Channel, WeChatID: in.MsgID, SentAt: &sent}
	switch in.MsgType {
	case callback.MsgText:
		m.Type, m.Text = clienteling.TypeText, in.Content
	case callback.MsgImage:
		m.Type, m.Media = clienteling.TypeImage, in.MediaID
	case callback.MsgVoice:
		m.Type, m.Media, m.Text = clienteling.TypeVoice, in.MediaID, in.Recognition
	case callback.MsgVideo, callback.MsgShortVideo:
		m.Type, m.Media = clienteling.TypeVideo, in.MediaID
	case callback.MsgLocation:
		m.Type, m.Text = clienteling.TypeLocation, fmt.Sprintf("%s (%.6f, %.6f)", in.Label, in.LocationX, in.LocationY)
	case callback.MsgLink:
		m.Type, m.Text, m.Media = clienteling.TypeLink, in.Title, in.URL
	case callback.MsgMiniProgramPage:
		m.Type, m.Text, m.Media = clienteling.TypeMiniProgram, in.Title, in.PagePath
	case callback.MsgEvent:
		// FailReason is set only on transfer_fail: the history says why.
		m.Type, m.Text = clienteling.TypeEvent, strings.TrimSpace(in.Event+" "+in.ChangeType+" "+in.FailReason)
	default:
		m.Type, m.Text = clienteling.TypeEvent, "unsupported message type "+in.MsgType
	}
	// A text fits whole (the body limit bounds it); the bound only keeps a
	// composed one (a location's label) within the domain's.
	m.Text = truncate(m.Text, clienteling.MaxMessageText)
	m.Media = truncate(m.Media, 1000)
	return &clienteling.Inbound{Identity: id, Message: m, DedupeKey: in.DedupeKey(),
		LegacyDedupeKey: in.LegacyDedupeKey(), Link: linkOf(in)}, true
}

// linkOf reads an advisor link from a QR scan or a WeCom contact event.
func linkOf(in *callback.Inbound) *clienteling.Link {
	if scene, ok := in.QRScene(); ok {
		if id, ok := clienteling.AdvisorFromScene(scene); ok {
			return &clienteling.Link{Associate: id, Source: "oa_qr"}
		}
		return nil
	}
	if in.Event != callback.EventChangeExternalContact || in.Associate == "" {
		return nil
	}
	switch in.ChangeType {
	case callback.ChangeAddExternalContact:
		return &clienteling.Link{Associate: in.Associate, Source: "wecom_contact", State: truncate(in.State, 64)}
	case callback.ChangeDelFollowUser, callback.ChangeDelExternalContact:
		// Either side ended the relationship: the advisor can no longer write.
		return &clienteling.Link{Associate: in.Associate, Unlink: true, Source: "wecom_contact"}
	}
	return nil
}

// announcerFor adds to announce what a callback announces beyond being a
// message: a WeCom transfer_fail (the client stayed with their previous
// associate on WeCom) tells the associate who was to take them over, in
// UserID, and the boutique's managers.
func announcerFor(in *callback.Inbound, announce clienteling.Announcer) clienteling.Announcer {
	if in.Event == callback.EventChangeExternalContact && in.ChangeType == callback.ChangeTransferFail {
		return clienteling.AnnounceTransferFailed(announce, in.Associate, truncate(in.FailReason, 64))
	}
	return announce
}

// truncate keeps s within n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
