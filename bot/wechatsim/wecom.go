package wechatsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// ExternalContact is what the simulator's /cgi-bin/externalcontact/get tells
// about one customer of the corporation.
type ExternalContact struct {
	ExternalUserID string
	Name           string
	// Type is 1 for a WeChat user, 2 for a WeCom user.
	Type   int
	Gender int
	// UnionID is empty unless the corporation has a bound Official
	// Account or mini program, as on WeCom.
	UnionID     string
	FollowUsers []FollowUser
}

// FollowUser is one associate who has the customer as a contact.
type FollowUser struct {
	UserID     string
	Remark     string
	CreateTime time.Time
	// State is the state parameter of the 「联系我」 code the customer
	// used, which is how a contact way names its associate.
	State  string
	AddWay int
}

// SetExternalContact makes /cgi-bin/externalcontact/get know c (replacing
// any earlier entry). Unknown ids answer 84061.
func (s *Server) SetExternalContact(c ExternalContact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contacts[c.ExternalUserID] = c
}

func (s *Server) routeWeCom() {
	s.mux.HandleFunc("POST /cgi-bin/message/send", s.handleAppSend)
	s.mux.HandleFunc("GET /cgi-bin/externalcontact/get", s.handleExternalGet)
	s.mux.HandleFunc("POST /cgi-bin/externalcontact/add_contact_way", s.handleAddContactWay)
	s.mux.HandleFunc("POST /cgi-bin/externalcontact/transfer_customer", s.handleTransfer)
}

var appMsgTypes = map[string]bool{
	"text": true, "image": true, "voice": true, "video": true, "file": true, "textcard": true,
	"news": true, "mpnews": true, "markdown": true, "miniprogram_notice": true, "template_card": true,
}

// AppMemberLimit is how many app messages WeCom delivers to one member a
// minute; it accepts the excess with errcode 0 and drops it unseen.
const AppMemberLimit = 30

// AppMessage is one WeCom app message as one member got it (or did not).
type AppMessage struct {
	ToUser string
	// MsgID is the msgid WeCom answered.
	MsgID   string
	MsgType string
	// Body is the whole request, for the message's own fields.
	Body []byte
	Time time.Time
	// Dropped is set when the member had had AppMemberLimit messages in
	// the minute before: WeCom answered success but delivered nothing.
	Dropped bool
}

// TextCard decodes a textcard message's card.
func (m AppMessage) TextCard() (TextCard, error) {
	var req struct {
		TextCard TextCard `json:"textcard"`
	}
	err := json.Unmarshal(m.Body, &req)
	return req.TextCard, err
}

// TextCard is the card of a textcard app message.
type TextCard struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt"`
}

// appInbox keeps the app messages members got, and when, for the
// per-member limit.
type appInbox struct {
	mu       sync.Mutex
	messages []AppMessage
}

// AppMessages returns the app messages sent to member userid (every
// member's when userid is ""), dropped ones included, in order.
func (s *Server) AppMessages(userid string) []AppMessage {
	s.appInbox.mu.Lock()
	defer s.appInbox.mu.Unlock()
	var out []AppMessage
	for _, m := range s.appInbox.messages {
		if userid == "" || m.ToUser == userid {
			m.Body = bytes.Clone(m.Body)
			out = append(out, m)
		}
	}
	return out
}

// deliver records a message to each member of touser ("a|b"), dropping it
// for members who are at the limit in the minute before now.
func (in *appInbox) deliver(touser, msgid, msgtype string, body []byte, now time.Time) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, user := range strings.Split(touser, "|") {
		recent := 0
		for _, m := range in.messages {
			if m.ToUser == user && !m.Dropped && now.Sub(m.Time) < time.Minute {
				recent++
			}
		}
		in.messages = append(in.messages, AppMessage{ToUser: user, MsgID: msgid, MsgType: msgtype,
			Body: body, Time: now, Dropped: recent >= AppMemberLimit})
	}
}

func (s *Server) handleAppSend(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyWeCom) {
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		apiError(w, 47001, "")
		return
	}
	var req struct {
		ToUser   string          `json:"touser"`
		ToParty  string          `json:"toparty"`
		ToTag    string          `json:"totag"`
		MsgType  string          `json:"msgtype"`
		AgentID  json.RawMessage `json:"agentid"`
		TextCard *TextCard       `json:"textcard"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		apiError(w, 47001, "")
		return
	}
	// WeCom documents agentid as a number; silenceper sends a string, and
	// WeCom takes both.
	agent := strings.Trim(string(req.AgentID), `"`)
	card := req.TextCard
	switch {
	case agent != s.opts.AgentID:
		apiError(w, 40056, "")
	case req.ToUser == "" && req.ToParty == "" && req.ToTag == "":
		apiError(w, 40035, "")
	case !appMsgTypes[req.MsgType]:
		apiError(w, 40008, "")
	case req.MsgType == "textcard" && (card == nil || card.Title == "" || card.Description == "" || card.URL == ""):
		// A card needs its title, description and link.
		apiError(w, 40035, "")
	case req.MsgType == "textcard" && (len(card.Title) > 128 || len(card.Description) > 512 || len(card.URL) > 2048 ||
		utf8.RuneCountInString(card.BtnTxt) > 4):
		apiError(w, 40035, "")
	default:
		msgid := "msg" + strconv.FormatInt(s.msgID(), 10)
		if req.ToUser != "" {
			s.appInbox.deliver(req.ToUser, msgid, req.MsgType, body, s.opts.Clock())
		}
		ok(w, map[string]any{
			"invaliduser": "", "invalidparty": "", "invalidtag": "", "unlicenseduser": "",
			"msgid":         msgid,
			"response_code": "rc" + randomAlnum(20),
		})
	}
}

func (s *Server) handleExternalGet(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyWeCom) {
		return
	}
	id := r.URL.Query().Get("external_userid")
	s.mu.Lock()
	c, known := s.contacts[id]
	s.mu.Unlock()
	if !known {
		apiError(w, 84061, "")
		return
	}
	ext := map[string]any{
		"external_userid": c.ExternalUserID, "name": c.Name, "type": c.Type, "gender": c.Gender,
		"avatar": "",
	}
	if c.UnionID != "" {
		ext["unionid"] = c.UnionID
	}
	follow := make([]map[string]any, 0, len(c.FollowUsers))
	for _, f := range c.FollowUsers {
		follow = append(follow, map[string]any{
			"userid": f.UserID, "remark": f.Remark, "description": "", "createtime": f.CreateTime.Unix(),
			"tags": []any{}, "state": f.State, "add_way": f.AddWay, "oper_userid": f.UserID,
		})
	}
	ok(w, map[string]any{"external_contact": ext, "follow_user": follow, "next_cursor": ""})
}

func (s *Server) handleAddContactWay(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyWeCom) {
		return
	}
	var req struct {
		Type  int      `json:"type"`
		Scene int      `json:"scene"`
		State string   `json:"state"`
		User  []string `json:"user"`
		Party []int    `json:"party"`
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	// Type 1 is a single associate's code, type 2 a group's; scene 1 is a
	// mini-program button, scene 2 a QR code. state is at most 30 chars.
	valid := (req.Type == 1 && len(req.User) == 1 && len(req.Party) == 0) ||
		(req.Type == 2 && len(req.User)+len(req.Party) > 0)
	if !valid || (req.Scene != 1 && req.Scene != 2) || len(req.State) > 30 {
		apiError(w, 40035, "")
		return
	}
	configID := randomAlnum(32)
	out := map[string]any{"config_id": configID}
	if req.Scene == 2 {
		out["qr_code"] = "https://wework.qpic.cn/wwpic/" + configID + "/0"
	}
	ok(w, out)
}

// handleTransfer accepts an on-the-job transfer. Each customer is answered
// separately: 84061 for a known customer the handover associate does not
// have, 0 otherwise. The transfer itself is left to the test, which sends
// the change_external_contact events it wants.
func (s *Server) handleTransfer(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyWeCom) {
		return
	}
	var req struct {
		Handover string   `json:"handover_userid"`
		Takeover string   `json:"takeover_userid"`
		External []string `json:"external_userid"`
		Message  string   `json:"transfer_success_msg"`
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	// At most 100 customers a call, and a message of at most 200 characters.
	if req.Handover == "" || req.Takeover == "" || req.Handover == req.Takeover ||
		len(req.External) == 0 || len(req.External) > 100 || utf8.RuneCountInString(req.Message) > 200 {
		apiError(w, 40035, "")
		return
	}
	customers := make([]map[string]any, 0, len(req.External))
	s.mu.Lock()
	for _, id := range req.External {
		code := 0
		if c, known := s.contacts[id]; known && !slices.ContainsFunc(c.FollowUsers, func(f FollowUser) bool {
			return f.UserID == req.Handover
		}) {
			code = 84061
		}
		customers = append(customers, map[string]any{"external_userid": id, "errcode": code})
	}
	s.mu.Unlock()
	ok(w, map[string]any{"customer": customers})
}
