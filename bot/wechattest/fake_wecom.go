package wechattest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ExternalContact is what the fake's /cgi-bin/externalcontact/get tells
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

func (s *Server) handleAppSend(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyWeCom) {
		return
	}
	var req struct {
		ToUser  string          `json:"touser"`
		ToParty string          `json:"toparty"`
		ToTag   string          `json:"totag"`
		MsgType string          `json:"msgtype"`
		AgentID json.RawMessage `json:"agentid"`
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	// WeCom documents agentid as a number; silenceper sends a string, and
	// WeCom takes both.
	agent := strings.Trim(string(req.AgentID), `"`)
	switch {
	case agent != s.opts.AgentID:
		apiError(w, 40056, "")
	case req.ToUser == "" && req.ToParty == "" && req.ToTag == "":
		apiError(w, 40035, "")
	case !appMsgTypes[req.MsgType]:
		apiError(w, 40008, "")
	default:
		ok(w, map[string]any{
			"invaliduser": "", "invalidparty": "", "invalidtag": "", "unlicenseduser": "",
			"msgid":         "msg" + strconv.FormatInt(s.msgID(), 10),
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
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	if req.Handover == "" || req.Takeover == "" || req.Handover == req.Takeover ||
		len(req.External) == 0 || len(req.External) > 100 {
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
