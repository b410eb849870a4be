package callback

import (
	"bytes"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
)

func TestDedupeKey(t *testing.T) {
	t.Parallel()
	at := time.Unix(1700000000, 0)
	tests := []struct {
		name string
		in   Inbound
		want string
	}{
		{"OAMessage", Inbound{Channel: "oa", Endpoint: EndpointOA, MsgType: MsgText, OpenID: "oVIP", CreateTime: at, MsgID: "6054768590064713728"},
			"oa|msg|oVIP|6054768590064713728"},
		{"OAMessageOtherSender", Inbound{Channel: "oa", Endpoint: EndpointOA, MsgType: MsgText, OpenID: "oOther", CreateTime: at, MsgID: "6054768590064713728"},
			"oa|msg|oOther|6054768590064713728"},
		{"WeComStringMsgId", Inbound{Channel: "wecom", Endpoint: EndpointWeComApp, MsgType: MsgText, Associate: "amy", CreateTime: at, MsgID: "CAIQg/PK=="},
			"wecom|msg|amy|CAIQg/PK=="},
		{"OAEvent", Inbound{Channel: "oa", Endpoint: EndpointOA, MsgType: MsgEvent, Event: EventSubscribe, OpenID: "oVIP", CreateTime: at},
			"oa|evt|oVIP|1700000000|subscribe"},
		{"EventWithMsgID", Inbound{Channel: "oa", Endpoint: EndpointOA, MsgType: MsgEvent, Event: EventTemplateSendJobFinish, OpenID: "oVIP", CreateTime: at, MsgID: "200163836"},
			"oa|evt|oVIP|1700000000|TEMPLATESENDJOBFINISH|200163836"},
		// Two templates to one client in one second: two reports, two keys.
		{"EventWithOtherMsgID", Inbound{Channel: "oa", Endpoint: EndpointOA, MsgType: MsgEvent, Event: EventTemplateSendJobFinish, OpenID: "oVIP", CreateTime: at, MsgID: "200163837"},
			"oa|evt|oVIP|1700000000|TEMPLATESENDJOBFINISH|200163837"},
		{"MessageWithoutMsgID", Inbound{Channel: "oa", Endpoint: EndpointOA, MsgType: "notsure", OpenID: "oVIP", CreateTime: at},
			"oa|evt|oVIP|1700000000|notsure"},
		{"AppEvent", Inbound{Channel: "wecom", Endpoint: EndpointWeComApp, MsgType: MsgEvent, Event: EventEnterAgent, Associate: "amy", CreateTime: at},
			"wecom|evt|amy|1700000000|enter_agent"},
		{"ExternalContact", Inbound{Channel: "wecom", Endpoint: EndpointWeComApp, MsgType: MsgEvent, Event: EventChangeExternalContact,
			ChangeType: ChangeAddExternalContact, ExternalUserID: "wmVIP", Associate: "amy", CreateTime: at},
			"wecom|evt|wmVIP/amy|1700000000|change_external_contact|add_external_contact"},
		{"SystemChange", Inbound{Channel: "wecom", Endpoint: EndpointWeComApp, MsgType: MsgEvent, Event: "change_contact",
			ChangeType: "update_user", Associate: "amy", CreateTime: at},
			"wecom|evt|amy|1700000000|change_contact|update_user"},
		{"KF", Inbound{Channel: "wecom", Endpoint: EndpointKF, MsgType: MsgEvent, Event: EventKfMsgOrEvent, OpenKfID: "wkA", KfToken: "ENCAp", CreateTime: at},
			"wecom|evt|kf:wkA|1700000000|kf_msg_or_event|ENCAp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.DedupeKey(); got != tt.want {
				t.Errorf("DedupeKey = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLegacyDedupeKey(t *testing.T) {
	at := time.Unix(1700000000, 0)
	for _, tt := range []struct {
		name string
		in   Inbound
		want string
	}{
		{"OAMessage", Inbound{Channel: "oa", Endpoint: EndpointOA, MsgType: MsgText, OpenID: "oVIP", CreateTime: at, MsgID: "6054768590064713728"},
			"oa|msg|6054768590064713728"},
		{"OAEvent", Inbound{Channel: "oa", Endpoint: EndpointOA, MsgType: MsgEvent, Event: EventSubscribe, OpenID: "oVIP", CreateTime: at}, ""},
		{"MessageWithoutMsgID", Inbound{Channel: "oa", Endpoint: EndpointOA, MsgType: "notsure", OpenID: "oVIP", CreateTime: at}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.LegacyDedupeKey(); got != tt.want {
				t.Errorf("LegacyDedupeKey = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCreateTimeKeptAsSent: whatever second count WeChat sends comes back
// from CreateTime.Unix(), so that the domain can keep it as sent.
func TestCreateTimeKeptAsSent(t *testing.T) {
	r := newRig(t)
	for _, sent := range []int64{0, -1, 1 << 62, math.MaxInt64, math.MinInt64, -62135596800} {
		t.Run(strconv.FormatInt(sent, 10), func(t *testing.T) {
			msg := fmt.Sprintf("<xml><ToUserName>gh</ToUserName><FromUserName>oVIP</FromUserName><CreateTime>%d</CreateTime>"+
				"<MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>", sent)
			in := mustParse(t, r.oa, r.OA.Safe([]byte(msg)).Request("/wechat/oa"))
			if got := in.CreateTime.Unix(); got != sent {
				t.Errorf("CreateTime.Unix() = %d, want %d", got, sent)
			}
		})
	}
}

// TestDedupeKey_Redelivery: WeChat's retry of a callback is a new request
// (new nonce, new random) carrying the same message; both must key alike.
func TestDedupeKey_Redelivery(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for _, ep := range []Endpoint{EndpointOA, EndpointWeComApp, EndpointKF} {
		t.Run(string(ep), func(t *testing.T) {
			msg := valid(ep)
			first := mustParse(t, r.verifier(ep), r.post(ep, msg))
			r.clock.Advance(5 * time.Second)
			again := mustParse(t, r.verifier(ep), r.post(ep, msg))
			if first.DedupeKey() != again.DedupeKey() {
				t.Errorf("keys differ: %q, %q", first.DedupeKey(), again.DedupeKey())
			}
		})
	}
}

func TestLogValue(t *testing.T) {
	t.Parallel()
	in := &Inbound{Channel: "oa", Endpoint: EndpointOA, Mode: ModeSafe, MsgType: MsgText, OpenID: "oVIPsecret000001",
		To: "gh_salon0001", CreateTime: time.Unix(1700000000, 0), MsgID: "6054768590064713728",
		Content: "my address is 1 Bund Road", EventKey: "qrscene_adv:amy", KfToken: "ENCAptoken", Recognition: "spoken words"}
	contact := &Inbound{Channel: "wecom", Endpoint: EndpointWeComApp, Mode: ModeSafe, MsgType: MsgEvent,
		Event: EventChangeExternalContact, ChangeType: ChangeAddExternalContact, ExternalUserID: "wmVIPsecret00001",
		Associate: "amy.li.sh", WelcomeCode: "WELCOMECODE", State: "adv:amy"}
	for _, tt := range []struct {
		name     string
		in       *Inbound
		wantHave []string
		wantNot  []string
	}{
		{"Text", in, []string{"endpoint=oa", "type=text", "msg_id=6054768590064713728", "openid=" + clienteling.Mask("oVIPsecret000001")},
			[]string{"oVIPsecret000001", "Bund", "qrscene", "ENCAptoken", "spoken", "gh_salon0001"}},
		{"ExternalContact", contact, []string{"change_type=add_external_contact", "external_userid=" + clienteling.Mask("wmVIPsecret00001")},
			[]string{"wmVIPsecret00001", "amy.li.sh", "WELCOMECODE", "adv:amy"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			slog.New(slog.NewTextHandler(&buf, nil)).Info("callback", "in", tt.in)
			got := buf.String()
			for _, s := range tt.wantHave {
				if !strings.Contains(got, s) {
					t.Errorf("log %q lacks %q", got, s)
				}
			}
			for _, s := range tt.wantNot {
				if strings.Contains(got, s) {
					t.Errorf("log %q shows %q", got, s)
				}
			}
		})
	}
}

func TestQRScene(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		in        Inbound
		wantScene string
		wantOK    bool
	}{
		{"SubscribeWithScene", Inbound{MsgType: MsgEvent, Event: EventSubscribe, EventKey: "qrscene_adv:amy"}, "adv:amy", true},
		{"SubscribePlain", Inbound{MsgType: MsgEvent, Event: EventSubscribe}, "", false},
		{"SubscribeOtherKey", Inbound{MsgType: MsgEvent, Event: EventSubscribe, EventKey: "last_trade_no_4008"}, "", false},
		{"Scan", Inbound{MsgType: MsgEvent, Event: EventScan, EventKey: "adv:amy"}, "adv:amy", true},
		{"Click", Inbound{MsgType: MsgEvent, Event: EventClick, EventKey: "qrscene_adv:amy"}, "", false},
		{"Text", Inbound{MsgType: MsgText, Event: EventScan, EventKey: "adv:amy"}, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			scene, ok := tt.in.QRScene()
			if scene != tt.wantScene || ok != tt.wantOK {
				t.Errorf("QRScene = %q, %v; want %q, %v", scene, ok, tt.wantScene, tt.wantOK)
			}
		})
	}
}
