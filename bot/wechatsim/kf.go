package wechatsim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// kfMaxLimit is both the default and the largest page sync_msg serves.
const kfMaxLimit = 1000

// kfEntry is one slot of a customer-service queue: a message, or a marker
// where sync_msg serves an empty page.
type kfEntry struct {
	msg   json.RawMessage
	empty bool
}

type kfQueue struct {
	entries []kfEntry
}

// EnqueueKf appends messages to the queue sync_msg serves for openKfID.
// Build them with KfText and KfEvent, or as any JSON object of WeCom's
// msg_list. A queue keeps everything enqueued: as on WeCom, a reader
// without a cursor starts from the beginning.
func (s *Server) EnqueueKf(openKfID string, msgs ...json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.kfQueue(openKfID)
	for _, m := range msgs {
		q.entries = append(q.entries, kfEntry{msg: m})
	}
}

// EnqueueKfEmptyPage appends a page boundary to openKfID's queue: the page
// reaching it ends there, and the next answers an empty msg_list with
// has_more 1 if more follows. WeCom warns that this happens, and a reader
// that stops at the first empty page loses messages.
func (s *Server) EnqueueKfEmptyPage(openKfID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.kfQueue(openKfID)
	q.entries = append(q.entries, kfEntry{empty: true})
}

// kfQueue returns the queue of id, creating it; the caller holds s.mu.
func (s *Server) kfQueue(id string) *kfQueue {
	q := s.kf[id]
	if q == nil {
		q = &kfQueue{}
		s.kf[id] = q
	}
	return q
}

// KfText is a sync_msg entry for a text a customer wrote (origin 3).
func KfText(msgID, openKfID, externalUserID, content string, at time.Time) json.RawMessage {
	return mustJSON(map[string]any{
		"msgid": msgID, "open_kfid": openKfID, "external_userid": externalUserID,
		"send_time": at.Unix(), "origin": 3, "msgtype": "text",
		"text": map[string]any{"content": content},
	})
}

// KfEvent is a sync_msg entry for a system event (origin 4) such as
// "enter_session"; fields adds to the event object (e.g. "welcome_code",
// "scene", "scene_param"). As on WeCom, open_kfid and external_userid sit
// inside the event, not beside it.
func KfEvent(msgID, openKfID, externalUserID, eventType string, at time.Time, fields map[string]any) json.RawMessage {
	ev := map[string]any{"event_type": eventType, "open_kfid": openKfID, "external_userid": externalUserID}
	for k, v := range fields {
		ev[k] = v
	}
	return mustJSON(map[string]any{
		"msgid": msgID, "send_time": at.Unix(), "origin": 4, "msgtype": "event", "event": ev,
	})
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values reach here
	}
	return b
}

func (s *Server) routeKf() {
	s.mux.HandleFunc("POST /cgi-bin/kf/sync_msg", s.handleSyncMsg)
	s.mux.HandleFunc("POST /cgi-bin/kf/send_msg", s.handleKfSend)
	s.mux.HandleFunc("POST /cgi-bin/kf/send_msg_on_event", s.handleKfSendOnEvent)
}

// Cursors are opaque to clients; these carry the position, tied to one
// queue so a cursor of another account is refused.
func kfCursor(openKfID string, pos int) string {
	return "kfc" + strconv.Itoa(pos) + "-" + openKfID
}

func parseKfCursor(cursor, openKfID string) (int, bool) {
	if cursor == "" {
		return 0, true
	}
	rest, found := strings.CutPrefix(cursor, "kfc")
	if !found {
		return 0, false
	}
	num, id, found := strings.Cut(rest, "-")
	pos, err := strconv.Atoi(num)
	if !found || err != nil || pos < 0 || id != openKfID {
		return 0, false
	}
	return pos, true
}

// handleSyncMsg serves a page of the queue of open_kfid (the queue of ""
// when the request names none). limit 0 or above 1000 means 1000.
func (s *Server) handleSyncMsg(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyWeCom) {
		return
	}
	var req struct {
		Cursor   string `json:"cursor"`
		Token    string `json:"token"`
		Limit    int    `json:"limit"`
		OpenKfID string `json:"open_kfid"`
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	limit := req.Limit
	if limit <= 0 || limit > kfMaxLimit {
		limit = kfMaxLimit
	}
	s.mu.Lock()
	entries := s.kfQueue(req.OpenKfID).entries
	s.mu.Unlock()
	pos, valid := parseKfCursor(req.Cursor, req.OpenKfID)
	if !valid || pos > len(entries) {
		apiError(w, 40035, "invalid cursor")
		return
	}
	msgs := []json.RawMessage{}
	switch {
	case pos < len(entries) && entries[pos].empty:
		pos++
	default:
		for pos < len(entries) && !entries[pos].empty && len(msgs) < limit {
			msgs = append(msgs, entries[pos].msg)
			pos++
		}
	}
	hasMore := 0
	if pos < len(entries) {
		hasMore = 1
	}
	ok(w, map[string]any{"next_cursor": kfCursor(req.OpenKfID, pos), "has_more": hasMore, "msg_list": msgs})
}

var kfMsgTypes = map[string]bool{
	"text": true, "image": true, "voice": true, "video": true, "file": true, "link": true,
	"miniprogram": true, "msgmenu": true, "location": true, "business_card": true, "ca_link": true,
}

func (s *Server) handleKfSend(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyWeCom) {
		return
	}
	var req struct {
		ToUser   string `json:"touser"`
		OpenKfID string `json:"open_kfid"`
		MsgID    string `json:"msgid"`
		MsgType  string `json:"msgtype"`
	}
	raw := readSend(w, r, &req)
	if raw == nil {
		return
	}
	switch {
	case req.OpenKfID == "":
		apiError(w, 95000, "")
	case req.ToUser == "":
		apiError(w, 40096, "")
	case !kfMsgTypes[req.MsgType]:
		apiError(w, 40008, "")
	default:
		if code := sendContentErrcode(req.MsgType, raw); code != 0 {
			apiError(w, code, "")
			return
		}
		ok(w, map[string]any{"msgid": s.kfMsgID(req.MsgID)})
	}
}

// handleKfSendOnEvent accepts a reply to an event code, which WeCom allows
// only as text or a menu.
func (s *Server) handleKfSendOnEvent(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, familyWeCom) {
		return
	}
	var req struct {
		Code    string `json:"code"`
		MsgID   string `json:"msgid"`
		MsgType string `json:"msgtype"`
	}
	raw := readSend(w, r, &req)
	if raw == nil {
		return
	}
	switch {
	case req.Code == "":
		apiError(w, 40035, "code missing")
	case req.MsgType != "text" && req.MsgType != "msgmenu":
		apiError(w, 40008, "")
	default:
		if code := sendContentErrcode(req.MsgType, raw); code != 0 {
			apiError(w, code, "")
			return
		}
		ok(w, map[string]any{"msgid": s.kfMsgID(req.MsgID)})
	}
}

// kfMsgID echoes the caller's msgid, as WeCom does, or makes one up.
func (s *Server) kfMsgID(given string) string {
	if given != "" {
		return given
	}
	return "kfmsg" + strconv.FormatInt(s.msgID(), 10)
}
