package kf

import (
	"encoding/json"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

func TestInboundOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, item       string
		ok               bool
		typ, text, media string
	}{
		{"Text", `{"msgid":"m1","external_userid":"wm1","send_time":1700000000,"origin":3,"msgtype":"text","text":{"content":"你好"}}`, true, "text", "你好", ""},
		{"Image", `{"msgid":"m2","external_userid":"wm1","origin":3,"msgtype":"image","image":{"media_id":"MEDIA"}}`, true, "image", "", "MEDIA"},
		{"File", `{"msgid":"m3","external_userid":"wm1","origin":3,"msgtype":"file","file":{"media_id":"F"}}`, true, "event", "file", "F"},
		{"Location", `{"msgid":"m4","external_userid":"wm1","origin":3,"msgtype":"location","location":{"latitude":31.2,"longitude":121.5,"name":"Plaza 66"}}`, true, "location", "Plaza 66 (31.200000, 121.500000)", ""},
		{"Link", `{"msgid":"m5","external_userid":"wm1","origin":3,"msgtype":"link","link":{"title":"T","url":"https://x"}}`, true, "link", "T", "https://x"},
		{"MiniProgram", `{"msgid":"m6","external_userid":"wm1","origin":3,"msgtype":"miniprogram","miniprogram":{"title":"T","pagepath":"p/q"}}`, true, "miniprogram", "T", "p/q"},
		{"Unknown", `{"msgid":"m7","external_userid":"wm1","origin":3,"msgtype":"channels"}`, true, "event", "unsupported message type channels", ""},
		{"SkipEvent", `{"msgid":"e1","origin":4,"msgtype":"event","event":{"event_type":"enter_session"}}`, false, "", "", ""},
		{"SkipServicer", `{"msgid":"s1","external_userid":"wm1","origin":5,"msgtype":"text","text":{"content":"hi"}}`, false, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var it syncedItem
			if err := json.Unmarshal([]byte(tt.item), &it); err != nil {
				t.Fatal(err)
			}
			in, ok := inboundOf(&it)
			if ok != tt.ok {
				t.Fatalf("ok: got %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			m := in.Message
			if m.Type != tt.typ || m.Text != tt.text || m.Media != tt.media {
				t.Fatalf("got %q %q %q, want %q %q %q", m.Type, m.Text, m.Media, tt.typ, tt.text, tt.media)
			}
			if err := clienteling.Validate(&in.Identity); err != nil || in.Identity.Channel != "wecom" || in.DedupeKey != "wecom|kf|wm1|"+it.MsgID || in.LegacyDedupeKey != "wecom|kf|"+it.MsgID || m.WeChatID != it.MsgID {
				t.Fatalf("identity %+v, key %q, wechat id %q", in.Identity, in.DedupeKey, m.WeChatID)
			}
			if (it.SendTime == nil) != (m.SentAt == nil) || (m.SentAt != nil && *m.SentAt != *it.SendTime) {
				t.Fatalf("sent at %v, want send_time %v", m.SentAt, it.SendTime)
			}
		})
	}
}
