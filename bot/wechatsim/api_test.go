package wechatsim

import (
	"bytes"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestUserInfo(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	s.SetOAUser(OAUser{OpenID: "oVIP", Subscribe: true, Language: "en", UnionID: "uVIP",
		SubscribeTime: time.Unix(1700000000, 0), SubscribeScene: "ADD_SCENE_QR_CODE", QRSceneStr: "adv:amy"})
	s.SetOAUser(OAUser{OpenID: "oGone", UnionID: "uGone"})
	s.SetOAUser(OAUser{OpenID: "oNoUnion", Subscribe: true, Language: "zh_CN"})
	tok := oaToken(t, s)
	tests := []struct {
		name    string
		openid  string
		errcode int
		want    map[string]any
		absent  []string
	}{
		{"Subscribed", "oVIP", 0, map[string]any{"subscribe": 1.0, "language": "en", "unionid": "uVIP",
			"subscribe_time": 1700000000.0, "qr_scene_str": "adv:amy"}, []string{"nickname", "headimgurl"}},
		{"Unsubscribed", "oGone", 0, map[string]any{"subscribe": 0.0, "openid": "oGone", "unionid": "uGone"}, []string{"language"}},
		{"NoUnionID", "oNoUnion", 0, map[string]any{"language": "zh_CN"}, []string{"unionid"}},
		{"Unknown", "oStranger", 40003, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := userInfo(t, s, tok, tt.openid)
			if r.Errcode != tt.errcode {
				t.Fatalf("errcode %d, want %d", r.Errcode, tt.errcode)
			}
			for k, want := range tt.want {
				if got := r.Fields[k]; got != want {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
			for _, k := range tt.absent {
				if _, present := r.Fields[k]; present {
					t.Errorf("%s present, want absent", k)
				}
			}
		})
	}
}

func TestOASends(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	s.SetOAUser(OAUser{OpenID: "oSilent", Subscribe: true, SendWindowClosed: true})
	tok := oaToken(t, s)
	tests := []struct {
		name, path string
		body       map[string]any
		want       int
		wantField  string
	}{
		{"CustomText", customSend, textTo("oVIP"), 0, ""},
		{"CustomWindowClosed", customSend, textTo("oSilent"), 45015, ""},
		{"CustomNoUser", customSend, textTo(""), 40003, ""},
		{"CustomBadType", customSend, map[string]any{"touser": "oVIP", "msgtype": "sticker"}, 40008, ""},
		{"Template", "/cgi-bin/message/template/send", map[string]any{"touser": "oVIP", "template_id": "T1", "data": map[string]any{}}, 0, "msgid"},
		{"TemplateNoID", "/cgi-bin/message/template/send", map[string]any{"touser": "oVIP"}, 40037, ""},
		{"BizSend", "/cgi-bin/message/subscribe/bizsend", map[string]any{"touser": "oVIP", "template_id": "T2"}, 0, ""},
		{"BizSendNoUser", "/cgi-bin/message/subscribe/bizsend", map[string]any{"template_id": "T2"}, 40003, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, s, tt.path, tok, tt.body)
			if r.Errcode != tt.want {
				t.Errorf("errcode %d (%v), want %d", r.Errcode, r.Fields["errmsg"], tt.want)
			}
			if tt.wantField != "" && r.Fields[tt.wantField] == nil {
				t.Errorf("answer %v lacks %s", r.Fields, tt.wantField)
			}
		})
	}
	bad, err := http.Post(s.URL()+customSend+"?access_token="+tok, "application/json", bytes.NewReader([]byte("{")))
	if err != nil {
		t.Fatal(err)
	}
	bad.Body.Close()
	if c, _ := s.LastCall(customSend); c.Errcode != 47001 {
		t.Errorf("malformed JSON: errcode %d, want 47001", c.Errcode)
	}
}

func TestQRCode(t *testing.T) {
	t.Parallel()
	s, clk := startClocked(t, Options{})
	tok := oaToken(t, s)
	scene := func(action string, exp int, sceneStr string, sceneID int) map[string]any {
		return map[string]any{"expire_seconds": exp, "action_name": action,
			"action_info": map[string]any{"scene": map[string]any{"scene_str": sceneStr, "scene_id": sceneID}}}
	}
	tests := []struct {
		name       string
		body       map[string]any
		wantErr    int
		wantScene  string
		wantExpire any
	}{
		{"TempString", scene("QR_STR_SCENE", 600, "adv:amy", 0), 0, "adv:amy", 600.0},
		{"TempDefault", scene("QR_SCENE", 0, "", 7), 0, "7", 60.0},
		{"TempCapped", scene("QR_STR_SCENE", 9999999, "x", 0), 0, "x", 2592000.0},
		{"Permanent", scene("QR_LIMIT_STR_SCENE", 0, "adv:bob", 0), 0, "adv:bob", nil},
		{"NoScene", scene("QR_STR_SCENE", 60, "", 0), 40053, "", nil},
		{"BadAction", scene("QR_FOO", 60, "x", 0), 40053, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, s, "/cgi-bin/qrcode/create", tok, tt.body)
			if r.Errcode != tt.wantErr {
				t.Fatalf("errcode %d, want %d", r.Errcode, tt.wantErr)
			}
			if tt.wantErr != 0 {
				return
			}
			ticket, _ := r.Fields["ticket"].(string)
			if ticket != QRTicket(tt.wantScene) || r.Fields["url"] == nil || r.Fields["expire_seconds"] != tt.wantExpire {
				t.Errorf("answer %v, want ticket %s expire %v", r.Fields, QRTicket(tt.wantScene), tt.wantExpire)
			}
			if q, found := s.QRCode(ticket); !found || q.Scene != tt.wantScene {
				t.Errorf("QRCode(%s) = %+v, %v", ticket, q, found)
			}
		})
	}

	show := func(ticket string) (int, []byte) {
		t.Helper()
		resp, err := http.Get(s.URL() + "/cgi-bin/showqrcode?ticket=" + url.QueryEscape(ticket))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	status, img := show(QRTicket("adv:amy"))
	if status != 200 {
		t.Fatalf("showqrcode status %d", status)
	}
	if _, err := jpeg.Decode(bytes.NewReader(img)); err != nil {
		t.Errorf("showqrcode body is not an image: %v", err)
	}
	clk.Advance(601 * time.Second)
	steps := []struct {
		ticket string
		want   int
	}{
		{QRTicket("adv:amy"), 404}, // expired
		{QRTicket("adv:bob"), 200}, // permanent
		{"unknown", 404},
	}
	for _, st := range steps {
		if got, _ := show(st.ticket); got != st.want {
			t.Errorf("showqrcode(%s) = %d, want %d", st.ticket, got, st.want)
		}
	}
}

func TestWeComAppSend(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	tok := wecomToken(t, s, DefaultAppSecret)
	tests := []struct {
		name string
		body map[string]any
		want int
	}{
		{"AgentIDNumber", map[string]any{"touser": "amy", "msgtype": "text", "agentid": 1000002}, 0},
		{"AgentIDString", map[string]any{"touser": "amy", "msgtype": "text", "agentid": "1000002"}, 0},
		{"WrongAgent", map[string]any{"touser": "amy", "msgtype": "text", "agentid": 7}, 40056},
		{"NoRecipient", map[string]any{"msgtype": "text", "agentid": 1000002}, 40035},
		{"BadType", map[string]any{"touser": "amy", "msgtype": "sticker", "agentid": 1000002}, 40008},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := post(t, s, "/cgi-bin/message/send", tok, tt.body)
			if r.Errcode != tt.want {
				t.Errorf("errcode %d, want %d", r.Errcode, tt.want)
			}
			if tt.want == 0 && r.Fields["msgid"] == nil {
				t.Errorf("answer %v lacks msgid", r.Fields)
			}
		})
	}
}

func TestExternalContact(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	s.SetExternalContact(ExternalContact{ExternalUserID: "wmVIP", Name: "Li", Type: 1, UnionID: "uVIP",
		FollowUsers: []FollowUser{{UserID: "amy", State: "adv:amy", CreateTime: time.Unix(1700000000, 0), AddWay: 1}}})
	tok := wecomToken(t, s, DefaultContactSecret)

	r := get(t, s, "/cgi-bin/externalcontact/get", url.Values{"access_token": {tok}, "external_userid": {"wmVIP"}})
	ext, _ := r.Fields["external_contact"].(map[string]any)
	follow, _ := r.Fields["follow_user"].([]any)
	if r.Errcode != 0 || ext["unionid"] != "uVIP" || len(follow) != 1 || follow[0].(map[string]any)["state"] != "adv:amy" {
		t.Errorf("get = %v", r.Fields)
	}
	if r := get(t, s, "/cgi-bin/externalcontact/get", url.Values{"access_token": {tok}, "external_userid": {"wmX"}}); r.Errcode != 84061 {
		t.Errorf("unknown contact: errcode %d, want 84061", r.Errcode)
	}

	ways := []struct {
		name   string
		body   map[string]any
		want   int
		wantQR bool
	}{
		{"SingleQR", map[string]any{"type": 1, "scene": 2, "state": "adv:amy", "user": []string{"amy"}}, 0, true},
		{"SingleButton", map[string]any{"type": 1, "scene": 1, "user": []string{"amy"}}, 0, false},
		{"SingleTwoUsers", map[string]any{"type": 1, "scene": 2, "user": []string{"amy", "bob"}}, 40035, false},
		{"LongState", map[string]any{"type": 1, "scene": 2, "state": "0123456789012345678901234567890", "user": []string{"amy"}}, 40035, false},
	}
	for _, w := range ways {
		t.Run(w.name, func(t *testing.T) {
			r := post(t, s, "/cgi-bin/externalcontact/add_contact_way", tok, w.body)
			_, hasQR := r.Fields["qr_code"]
			if r.Errcode != w.want || hasQR != w.wantQR {
				t.Errorf("errcode %d qr %v, want %d qr %v", r.Errcode, hasQR, w.want, w.wantQR)
			}
		})
	}

	tr := post(t, s, "/cgi-bin/externalcontact/transfer_customer", tok, map[string]any{
		"handover_userid": "bob", "takeover_userid": "amy", "external_userid": []string{"wmVIP", "wmOther"}})
	customers, _ := tr.Fields["customer"].([]any)
	if tr.Errcode != 0 || len(customers) != 2 ||
		customers[0].(map[string]any)["errcode"] != 84061.0 || customers[1].(map[string]any)["errcode"] != 0.0 {
		t.Errorf("transfer = %v, want wmVIP refused (bob does not follow) and wmOther accepted", tr.Fields)
	}
	if bad := post(t, s, "/cgi-bin/externalcontact/transfer_customer", tok, map[string]any{
		"handover_userid": "amy", "takeover_userid": "amy", "external_userid": []string{"wmVIP"}}); bad.Errcode != 40035 {
		t.Errorf("transfer to self: errcode %d, want 40035", bad.Errcode)
	}
}
