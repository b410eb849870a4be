package wechatsim

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"strconv"
	"time"
)

// OAUser is what the simulator's /cgi-bin/user/info tells about one follower of
// the Official Account.
type OAUser struct {
	OpenID string
	// Subscribe is false for a user who unfollowed; WeChat then returns
	// little more than the openid.
	Subscribe bool
	// Language is WeChat's client language, e.g. "zh_CN", "zh_TW", "en".
	Language string
	// UnionID is set only when the account is bound to an Open Platform
	// account; empty leaves the field out, as WeChat does.
	UnionID string
	// SubscribeTime is when they followed; zero means now.
	SubscribeTime  time.Time
	SubscribeScene string // e.g. "ADD_SCENE_QR_CODE"
	QRSceneStr     string
	Remark         string
	TagIDs         []int
	// SendWindowClosed makes customer-service sends to this user answer
	// 45015, as when they have not written within 48 hours.
	SendWindowClosed bool
	// TemplateStatus is what the TEMPLATESENDJOBFINISH of a template
	// message to this user reports (TemplateUserBlock, say); empty means
	// TemplateDelivered.
	TemplateStatus string
}

// QRCode is a parametric QR code the simulator created.
type QRCode struct {
	Ticket string
	// Scene is the scene string, or the decimal scene id.
	Scene     string
	Permanent bool
	// Expires is zero for permanent codes.
	Expires time.Time
	URL     string
}

// SetOAUser makes /cgi-bin/user/info know u (replacing any earlier entry
// for u.OpenID). Unknown openids answer 40003, as WeChat answers for an
// openid of another account.
func (s *Server) SetOAUser(u OAUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.OpenID] = u
}

// QRCode returns the QR code the simulator created with ticket, if any.
func (s *Server) QRCode(ticket string) (QRCode, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, found := s.qrcodes[ticket]
	return q, found
}

// QRTicket returns the ticket the simulator issues for a QR code of scene, and
// that SubscribeEvent and ScanEvent carry. Real tickets are opaque; these
// are deterministic so a test can tie an event to the code it created.
func QRTicket(scene string) string {
	sum := sha1.Sum([]byte("qrscene:" + scene))
	return "gQ" + base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *Server) routeOA() {
	s.mux.HandleFunc("GET /cgi-bin/user/info", s.handleUserInfo)
	s.mux.HandleFunc("POST /cgi-bin/message/custom/send", s.handleCustomSend)
	s.mux.HandleFunc("POST /cgi-bin/message/template/send", s.handleTemplateSend)
	s.mux.HandleFunc("POST /cgi-bin/message/subscribe/bizsend", s.handleBizSend)
	s.mux.HandleFunc("POST /cgi-bin/qrcode/create", s.handleQRCreate)
	// WeChat serves this one from mp.weixin.qq.com, without a token.
	s.mux.HandleFunc("GET /cgi-bin/showqrcode", s.handleShowQR)
}

func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyOA) {
		return
	}
	openid := r.URL.Query().Get("openid")
	s.mu.Lock()
	u, known := s.users[openid]
	s.mu.Unlock()
	if openid == "" || !known {
		apiError(w, 40003, "")
		return
	}
	out := map[string]any{"subscribe": 0, "openid": u.OpenID}
	if u.UnionID != "" {
		out["unionid"] = u.UnionID
	}
	if u.Subscribe {
		tags := u.TagIDs
		if tags == nil {
			tags = []int{}
		}
		since := u.SubscribeTime
		if since.IsZero() {
			since = s.opts.Clock()
		}
		out["subscribe"] = 1
		out["language"] = u.Language
		out["subscribe_time"] = since.Unix()
		out["remark"] = u.Remark
		out["groupid"] = 0
		out["tagid_list"] = tags
		out["subscribe_scene"] = u.SubscribeScene
		out["qr_scene"] = 0
		out["qr_scene_str"] = u.QRSceneStr
	}
	writeJSON(w, out)
}

// customMsgTypes are the msgtypes customer-service messages may carry.
var customMsgTypes = map[string]bool{
	"text": true, "image": true, "voice": true, "video": true, "music": true, "news": true,
	"mpnews": true, "mpnewsarticle": true, "msgmenu": true, "wxcard": true, "miniprogrampage": true,
}

func (s *Server) handleCustomSend(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyOA) {
		return
	}
	var req struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
	}
	raw := readSend(w, r, &req)
	if raw == nil {
		return
	}
	s.mu.Lock()
	u, known := s.users[req.ToUser]
	s.mu.Unlock()
	switch {
	case req.ToUser == "":
		apiError(w, 40003, "")
	case known && u.SendWindowClosed:
		apiError(w, 45015, "")
	case !customMsgTypes[req.MsgType]:
		apiError(w, 40008, "")
	default:
		if code := sendContentErrcode(req.MsgType, raw); code != 0 {
			apiError(w, code, "")
			return
		}
		ok(w, nil)
	}
}

type templateReq struct {
	ToUser     string          `json:"touser"`
	TemplateID string          `json:"template_id"`
	Data       json.RawMessage `json:"data"`
}

// handleTemplateSend accepts a template message, which WeChat delivers
// outside the service window too.
func (s *Server) handleTemplateSend(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyOA) {
		return
	}
	var req templateReq
	if !decodeJSON(w, r, &req) || !checkTemplate(w, req) {
		return
	}
	var data map[string]struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(req.Data, &data); err != nil {
		apiError(w, errcodeBadFormat, "")
		return
	}
	id := s.msgID()
	ok(w, map[string]any{"msgid": id})
	// WeChat reports the delivery once the send was answered.
	status := s.templateStatus(req.ToUser)
	if rw, isRecorded := w.(*recordingWriter); isRecorded {
		rw.then = func(c Call) { s.finishTemplate(c.Seq, req.ToUser, id, status) }
	}
}

func (s *Server) handleBizSend(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyOA) {
		return
	}
	var req templateReq
	if !decodeJSON(w, r, &req) || !checkTemplate(w, req) {
		return
	}
	ok(w, nil)
}

func checkTemplate(w http.ResponseWriter, req templateReq) bool {
	switch {
	case req.ToUser == "":
		apiError(w, 40003, "")
	case req.TemplateID == "":
		apiError(w, 40037, "")
	default:
		return true
	}
	return false
}

// Limits of WeChat's temporary QR codes: 60 s by default, 30 days at most.
const (
	qrDefaultExpiry = 60
	qrMaxExpiry     = 2592000
)

func (s *Server) handleQRCreate(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyOA) {
		return
	}
	var req struct {
		ExpireSeconds int64  `json:"expire_seconds"`
		ActionName    string `json:"action_name"`
		ActionInfo    struct {
			Scene struct {
				SceneID  int64  `json:"scene_id"`
				SceneStr string `json:"scene_str"`
			} `json:"scene"`
		} `json:"action_info"`
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	var scene string
	sc := req.ActionInfo.Scene
	switch req.ActionName {
	case "QR_SCENE", "QR_LIMIT_SCENE":
		if sc.SceneID > 0 {
			scene = strconv.FormatInt(sc.SceneID, 10)
		}
	case "QR_STR_SCENE", "QR_LIMIT_STR_SCENE":
		if len(sc.SceneStr) <= 64 {
			scene = sc.SceneStr
		}
	}
	if scene == "" {
		apiError(w, 40053, "")
		return
	}
	q := QRCode{Ticket: QRTicket(scene), Scene: scene}
	q.URL = "http://weixin.qq.com/q/" + q.Ticket[2:24]
	out := map[string]any{"ticket": q.Ticket, "url": q.URL}
	if req.ActionName == "QR_LIMIT_SCENE" || req.ActionName == "QR_LIMIT_STR_SCENE" {
		q.Permanent = true
	} else {
		exp := req.ExpireSeconds
		if exp <= 0 {
			exp = qrDefaultExpiry
		}
		exp = min(exp, qrMaxExpiry)
		q.Expires = s.opts.Clock().Add(time.Duration(exp) * time.Second)
		out["expire_seconds"] = exp
	}
	s.mu.Lock()
	s.qrcodes[q.Ticket] = q
	s.mu.Unlock()
	writeJSON(w, out)
}

// handleShowQR answers the code's image, or 404 for an unknown or expired
// ticket as WeChat does.
func (s *Server) handleShowQR(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	q, found := s.QRCode(ticket)
	if !found || (!q.Permanent && !s.opts.Clock().Before(q.Expires)) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpg")
	_, _ = w.Write(qrImage(ticket))
}

// qrImage draws a 21×21 pattern from the ticket's hash: not a scannable
// code, but a distinct picture per ticket for the sandbox page.
func qrImage(ticket string) []byte {
	const cells, px = 21, 8
	img := image.NewGray(image.Rect(0, 0, cells*px, cells*px))
	seed := sha1.Sum([]byte(ticket))
	for y := range cells {
		for x := range cells {
			i := y*cells + x
			c := color.Gray{Y: 255}
			if seed[(i/8)%len(seed)]>>(i%8)&1 == 1 {
				c = color.Gray{Y: 0}
			}
			for dy := range px {
				for dx := range px {
					img.SetGray(x*px+dx, y*px+dy, c)
				}
			}
		}
	}
	var b bytes.Buffer
	_ = jpeg.Encode(&b, img, nil)
	return b.Bytes()
}
