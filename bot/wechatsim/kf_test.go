package wechatsim

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// syncPage posts one sync_msg and returns the msgids served, has_more,
// next_cursor and errcode.
func syncPage(t *testing.T, s *Server, token, kfid, cursor string, limit int) (ids []string, hasMore int, next string, errcode int) {
	t.Helper()
	r := post(t, s, "/cgi-bin/kf/sync_msg", token, map[string]any{
		"cursor": cursor, "token": "ENCtoken", "limit": limit, "open_kfid": kfid})
	if r.Errcode != 0 {
		return nil, 0, "", r.Errcode
	}
	list, _ := r.Fields["msg_list"].([]any)
	ids = []string{}
	for _, m := range list {
		ids = append(ids, m.(map[string]any)["msgid"].(string))
	}
	hm, _ := r.Fields["has_more"].(float64)
	next, _ = r.Fields["next_cursor"].(string)
	return ids, int(hm), next, 0
}

func TestSyncMsg_Paging(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	tok := wecomToken(t, s, DefaultKfSecret)
	now := time.Unix(1700000000, 0)
	msg := func(id string) json.RawMessage { return KfText(id, "wkA", "wmVIP", "text "+id, now) }
	s.EnqueueKf("wkA", msg("m1"), msg("m2"), msg("m3"))
	s.EnqueueKfEmptyPage("wkA")
	s.EnqueueKf("wkA", msg("m4"), msg("m5"))
	s.EnqueueKf("wkB", msg("b1"))

	steps := []struct {
		name        string
		limit       int
		wantIDs     []string
		wantHasMore int
	}{
		{"FirstPageByLimit", 2, []string{"m1", "m2"}, 1},
		{"StopsAtBoundary", 2, []string{"m3"}, 1},
		{"EmptyMiddlePage", 2, []string{}, 1},
		{"AfterEmptyPage", 0, []string{"m4", "m5"}, 0},
		{"CaughtUp", 2, []string{}, 0},
	}
	cursor := ""
	for _, st := range steps {
		ids, hasMore, next, errcode := syncPage(t, s, tok, "wkA", cursor, st.limit)
		if errcode != 0 {
			t.Fatalf("%s: errcode %d", st.name, errcode)
		}
		if fmt.Sprint(ids) != fmt.Sprint(st.wantIDs) || hasMore != st.wantHasMore {
			t.Errorf("%s: got %v has_more %d, want %v has_more %d", st.name, ids, hasMore, st.wantIDs, st.wantHasMore)
		}
		if next == "" {
			t.Errorf("%s: empty next_cursor", st.name)
		}
		cursor = next
	}

	s.EnqueueKf("wkA", msg("m6"))
	if ids, hasMore, _, _ := syncPage(t, s, tok, "wkA", cursor, 10); fmt.Sprint(ids) != "[m6]" || hasMore != 0 {
		t.Errorf("after a new message: got %v has_more %d, want [m6] has_more 0", ids, hasMore)
	}
	if ids, _, _, _ := syncPage(t, s, tok, "wkA", "", 1); fmt.Sprint(ids) != "[m1]" {
		t.Errorf("without a cursor: got %v, want the queue from the start [m1]", ids)
	}
	if ids, _, _, _ := syncPage(t, s, tok, "wkB", "", 10); fmt.Sprint(ids) != "[b1]" {
		t.Errorf("other account: got %v, want [b1]", ids)
	}
	if ids, hasMore, _, _ := syncPage(t, s, tok, "wkNone", "", 10); len(ids) != 0 || hasMore != 0 {
		t.Errorf("account without messages: got %v has_more %d, want an empty last page", ids, hasMore)
	}

	errs := []struct {
		name, kfid, cursor string
	}{
		{"GarbageCursor", "wkA", "nonsense"},
		{"CursorOfOtherAccount", "wkB", cursor},
		{"CursorPastEnd", "wkA", kfCursor("wkA", 99)},
	}
	for _, e := range errs {
		if _, _, _, errcode := syncPage(t, s, tok, e.kfid, e.cursor, 10); errcode != 40035 {
			t.Errorf("%s: errcode %d, want 40035", e.name, errcode)
		}
	}
}

func TestSyncMsg_MessageShapes(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	tok := wecomToken(t, s, DefaultKfSecret)
	at := time.Unix(1700000000, 0)
	s.EnqueueKf("wkA",
		KfText("m1", "wkA", "wmVIP", "你好", at),
		KfEvent("e1", "wkA", "wmVIP", "enter_session", at, map[string]any{"welcome_code": "WC", "scene": "qr"}))
	r := post(t, s, "/cgi-bin/kf/sync_msg", tok, map[string]any{"open_kfid": "wkA"})
	var page struct {
		MsgList []struct {
			MsgID          string `json:"msgid"`
			OpenKfID       string `json:"open_kfid"`
			ExternalUserID string `json:"external_userid"`
			SendTime       int64  `json:"send_time"`
			Origin         int    `json:"origin"`
			MsgType        string `json:"msgtype"`
			Text           struct {
				Content string `json:"content"`
			} `json:"text"`
			Event struct {
				EventType      string `json:"event_type"`
				OpenKfID       string `json:"open_kfid"`
				ExternalUserID string `json:"external_userid"`
				WelcomeCode    string `json:"welcome_code"`
			} `json:"event"`
		} `json:"msg_list"`
	}
	b, _ := json.Marshal(r.Fields)
	if err := json.Unmarshal(b, &page); err != nil || len(page.MsgList) != 2 {
		t.Fatalf("page %s: %v", b, err)
	}
	text, ev := page.MsgList[0], page.MsgList[1]
	if text.Origin != 3 || text.MsgType != "text" || text.Text.Content != "你好" || text.ExternalUserID != "wmVIP" || text.SendTime != at.Unix() {
		t.Errorf("text = %+v", text)
	}
	if ev.Origin != 4 || ev.MsgType != "event" || ev.Event.EventType != "enter_session" ||
		ev.Event.WelcomeCode != "WC" || ev.Event.OpenKfID != "wkA" || ev.OpenKfID != "" {
		t.Errorf("event = %+v", ev)
	}
}

func TestKfSend(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	tok := wecomToken(t, s, DefaultKfSecret)
	tests := []struct {
		name, path string
		body       map[string]any
		want       int
		wantMsgID  string
	}{
		{"SendOK", "/cgi-bin/kf/send_msg", map[string]any{"touser": "wmVIP", "open_kfid": "wkA", "msgid": "mine", "msgtype": "text", "text": map[string]any{"content": "hi"}}, 0, "mine"},
		{"SendNoContent", "/cgi-bin/kf/send_msg", map[string]any{"touser": "wmVIP", "open_kfid": "wkA", "msgtype": "text"}, 44004, ""},
		{"SendNoKf", "/cgi-bin/kf/send_msg", map[string]any{"touser": "wmVIP", "msgtype": "text"}, 95000, ""},
		{"SendNoUser", "/cgi-bin/kf/send_msg", map[string]any{"open_kfid": "wkA", "msgtype": "text"}, 40096, ""},
		{"SendBadType", "/cgi-bin/kf/send_msg", map[string]any{"touser": "wmVIP", "open_kfid": "wkA", "msgtype": "sticker"}, 40008, ""},
		{"OnEventOK", "/cgi-bin/kf/send_msg_on_event", map[string]any{"code": "WC", "msgtype": "msgmenu"}, 0, ""},
		{"OnEventImage", "/cgi-bin/kf/send_msg_on_event", map[string]any{"code": "WC", "msgtype": "image"}, 40008, ""},
		{"OnEventNoCode", "/cgi-bin/kf/send_msg_on_event", map[string]any{"msgtype": "text"}, 40035, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, s, tt.path, tok, tt.body)
			if r.Errcode != tt.want {
				t.Fatalf("errcode %d, want %d", r.Errcode, tt.want)
			}
			id, _ := r.Fields["msgid"].(string)
			if tt.want == 0 && id == "" || tt.wantMsgID != "" && id != tt.wantMsgID {
				t.Errorf("msgid %q, want %q (or any when unset)", id, tt.wantMsgID)
			}
		})
	}
}
