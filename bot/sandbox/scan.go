package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/salonhq/salon/bot/wechatsim"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// Associate is an associate whose personal QR code the page can scan.
type Associate struct {
	UserID       clienteling.AssociateID `json:"userid"`
	Name         string                  `json:"name"`
	Boutique     string                  `json:"boutique"`
	BoutiqueName string                  `json:"boutique_name,omitempty"`
}

// associates lists the associates still with the brand, by boutique and
// name: a departed associate's code links no one.
func (sb *Chat) associates(ctx context.Context) ([]Associate, error) {
	ctx = systemContext(ctx)
	dir, err := sb.names(ctx)
	if err != nil {
		return nil, err
	}
	as, err := sb.svc.Associates(ctx, clienteling.AssociateFilter{})
	if err != nil {
		return nil, err
	}
	out := []Associate{}
	for _, a := range as {
		if a.Status != clienteling.StatusDeparted {
			out = append(out, Associate{UserID: a.UserID, Name: a.Name, Boutique: string(a.Boutique), BoutiqueName: dir.boutiques[a.Boutique]})
		}
	}
	slices.SortFunc(out, func(a, b Associate) int {
		return strings.Compare(a.Boutique+"\x00"+a.Name, b.Boutique+"\x00"+b.Name)
	})
	return out, nil
}

func (sb *Chat) serveAssociates(w http.ResponseWriter, r *http.Request) error {
	as, err := sb.associates(r.Context())
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"associates": as})
	return nil
}

// ScanRequest is the body of POST /sandbox/api/scan: someone scans an
// associate's personal Official Account QR code (scene "adv:<userid>").
type ScanRequest struct {
	// OpenID is the demo client who scans; they follow the account
	// already, so WeChat sends a SCAN event.
	OpenID string `json:"openid,omitempty"`
	// NewVisitor, instead of OpenID, has a new WeChat user scan the code
	// and follow the account by it: a subscribe event from an openid
	// WeChat has not sent before. The visitor is then listed as a client.
	NewVisitor bool `json:"new_visitor,omitempty"`
	// Associate is the userid whose code is scanned.
	Associate string `json:"associate"`
}

// Outcomes of a scan, as CONTRACT.md's linking rules decide them.
const (
	ScanLinked    = "linked"    // the associate became the client's advisor
	ScanRecorded  = "recorded"  // the client keeps another advisor; the scan is recorded and both are told
	ScanUnchanged = "unchanged" // the associate was their advisor already
	ScanNotLinked = "not_linked"
)

// ScanResult reports the scan's callback and what became of the client.
type ScanResult struct {
	OpenID         string  `json:"openid"`
	Event          string  `json:"event"`
	EventKey       string  `json:"event_key"`
	CallbackStatus int     `json:"callback_status"`
	Acknowledged   bool    `json:"acknowledged"`
	Outcome        string  `json:"outcome"`
	Client         *Client `json:"client,omitempty"`
}

// visitorPrefix starts the openids of the visitors the sandbox makes up,
// so that they are told apart from real clients: only they and the demo
// clients may be written as.
const visitorPrefix = "oSBXV"

// serveScan pushes the event WeChat sends when someone scans an
// associate's QR code through the simulated WeChat to this server's
// /wechat/oa, signed and encrypted: the production path of linking.
func (sb *Chat) serveScan(w http.ResponseWriter, r *http.Request) error {
	var req ScanRequest
	if err := httpjson.DecodeLimit(w, r, &req, MaxBody); err != nil {
		return err
	}
	if req.Associate == "" {
		return clienteling.FieldError("associate", "required")
	}
	as, err := sb.associates(r.Context())
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(as, func(a Associate) bool { return string(a.UserID) == req.Associate }) {
		return clienteling.FieldError("associate", "no such associate with the brand")
	}
	scene := clienteling.AdvisorScenePrefix + req.Associate
	now := time.Now()
	var msg wechatsim.Msg
	var before Client
	switch {
	case req.NewVisitor && req.OpenID != "":
		return clienteling.FieldError("openid", "must be empty for a new visitor")
	case req.NewVisitor:
		openid := visitorPrefix + randomHex(12)[:23] // 28 characters, as WeChat's openids
		sb.sim.SetOAUser(wechatsim.OAUser{OpenID: openid, Subscribe: true, Language: "zh_CN",
			SubscribeTime: now, SubscribeScene: "ADD_SCENE_QR_CODE", QRSceneStr: scene})
		msg = wechatsim.SubscribeEvent("", openid, scene, now)
	default:
		if before, err = sb.client(r.Context(), req.OpenID); err != nil {
			return err
		}
		msg = wechatsim.ScanEvent("", before.OpenID, scene, now)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	p, err := sb.sim.PushOA(ctx, msg)
	if p.Answer == 0 {
		return &clienteling.Error{Code: clienteling.EUNAVAILABLE, Message: "the callback could not be delivered", Op: "sandbox scan", Err: err}
	}
	res := ScanResult{OpenID: p.OpenID, Event: p.Event, EventKey: p.EventKey, CallbackStatus: p.Answer,
		Acknowledged: p.Answer == http.StatusOK, Outcome: ScanNotLinked}
	if after, err := sb.client(r.Context(), p.OpenID); err == nil {
		res.Client = &after
		switch {
		case after.Advisor != req.Associate:
			if after.Advisor != "" {
				res.Outcome = ScanRecorded
			}
		case before.Advisor == req.Associate:
			res.Outcome = ScanUnchanged
		default:
			res.Outcome = ScanLinked
		}
	}
	httpjson.Write(w, http.StatusOK, res)
	return nil
}

// visitors returns the openids of the visitors the sandbox made up, in
// the order they came.
func (sb *Chat) visitors() []string {
	var out []string
	for _, p := range sb.sim.Pushes() {
		if p.Event == wechatsim.EventSubscribe && strings.HasPrefix(p.OpenID, visitorPrefix) && !slices.Contains(out, p.OpenID) {
			out = append(out, p.OpenID)
		}
	}
	return out
}

// describeScans names, on the stored SCAN and subscribe events of openid,
// whose code was scanned, from the pushes that carried them; a push Salon
// did not acknowledge is shown on its own, since nothing was stored.
func (sb *Chat) describeScans(ms []Message, openid string, dir directory, notBefore time.Time) []Message {
	used := map[int]bool{}
	for _, p := range sb.sim.Pushes() {
		if p.OpenID != openid || (p.Event != wechatsim.EventScan && p.Event != wechatsim.EventSubscribe) || p.Time.Before(notBefore) {
			continue
		}
		text := scanText(p, dir)
		best := -1
		for i, m := range ms {
			if used[i] || m.Source != FromHistory || m.Type != clienteling.TypeEvent || m.Text != p.Event || m.At.Sub(p.Time).Abs() > deliveryWindow {
				continue
			}
			if best < 0 || m.At.Sub(p.Time).Abs() < ms[best].At.Sub(p.Time).Abs() {
				best = i
			}
		}
		switch {
		case best >= 0:
			ms[best].Text, used[best] = text, true
		case p.Answer != http.StatusOK:
			ms = append(ms, Message{Direction: clienteling.DirectionIn, Type: clienteling.TypeEvent, At: p.Time, Source: FromWeChat,
				Text: fmt.Sprintf("%s — Salon 未确认 not acknowledged (HTTP %d)", text, p.Answer)})
		}
	}
	return ms
}

// scanText says whose code a scan was of, in the page's two languages.
func scanText(p wechatsim.Push, dir directory) string {
	scene := strings.TrimPrefix(p.EventKey, "qrscene_")
	name := scene
	if id, ok := clienteling.AdvisorFromScene(scene); ok {
		name = string(id)
		if n := dir.associates[id]; n != "" {
			name = n
		}
	}
	if p.Event == wechatsim.EventSubscribe {
		return "扫描 " + name + " 的二维码关注 · Followed by scanning " + name + "'s QR code"
	}
	return "扫描 " + name + " 的二维码 · Scanned " + name + "'s QR code"
}
