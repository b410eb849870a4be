package callback

import (
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

func TestOA_URLCheck(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	t.Run("OK", func(t *testing.T) {
		cb := r.OA.URLCheck("5837397520665436492")
		got, err := r.oa.URLCheck(cb.Request("/wechat/oa"))
		if err != nil {
			t.Fatal(err)
		}
		if got != cb.Echo {
			t.Errorf("echo = %q, want %q", got, cb.Echo)
		}
	})
	t.Run("ErrForged", func(t *testing.T) {
		_, err := r.oa.URLCheck(r.OA.URLCheck("").Forge().Request("/wechat/oa"))
		wantReject(t, err, http.StatusUnauthorized, ReasonSignature)
	})
	t.Run("ErrMethod", func(t *testing.T) {
		req := r.OA.URLCheck("").Request("/wechat/oa")
		req.Method = http.MethodPost
		_, err := r.oa.URLCheck(req)
		wantReject(t, err, http.StatusMethodNotAllowed, ReasonMethod)
	})
	t.Run("ErrNoEcho", func(t *testing.T) {
		cb := r.OA.URLCheck("")
		cb.Query.Del("echostr")
		_, err := r.oa.URLCheck(cb.Request("/wechat/oa"))
		wantReject(t, err, http.StatusBadRequest, ReasonMissingField)
	})
}

// TestOA_Modes sends one text message in each of the platform's modes.
func TestOA_Modes(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	plainOnly, err := NewOA(OAConfig{Token: testToken, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	transition, err := NewOA(OAConfig{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey,
		AllowPlaintext: true, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	msg := wechattest.TextMsg("gh_salon", "oVIP0000001", "您好, size 37?", 6054768590064713728, epoch)
	want := func(mode Mode) *Inbound {
		return &Inbound{Channel: clienteling.ChannelOA, Endpoint: EndpointOA, Mode: mode, MsgType: MsgText,
			OpenID: "oVIP0000001", To: "gh_salon", CreateTime: epoch, MsgID: "6054768590064713728",
			Content: "您好, size 37?"}
	}
	tests := []struct {
		name string
		v    *OA
		cb   *wechattest.Callback
		want *Inbound
	}{
		{"Plaintext", plainOnly, r.OA.Plaintext(msg.XML()), want(ModePlain)},
		{"PlaintextAllowed", transition, r.OA.Plaintext(msg.XML()), want(ModePlain)},
		{"Compatible", r.oa, r.OA.Compatible(msg.XML()), want(ModeCompat)},
		{"Safe", r.oa, r.OA.Safe(msg.XML()), want(ModeSafe)},
		{"SafeDuringTransition", transition, r.OA.Safe(msg.XML()), want(ModeSafe)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, tt.v, tt.cb.Request("/wechat/oa"))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
	t.Run("ErrPlaintextWithKey", func(t *testing.T) {
		_, err := r.oa.Parse(r.OA.Plaintext(msg.XML()).Request("/wechat/oa"))
		wantReject(t, err, http.StatusUnauthorized, ReasonPlaintext)
	})
	t.Run("ErrPlaintextForged", func(t *testing.T) {
		_, err := plainOnly.Parse(r.OA.Plaintext(msg.XML()).Forge().Request("/wechat/oa"))
		wantReject(t, err, http.StatusUnauthorized, ReasonSignature)
	})
	t.Run("ErrEncryptedWithoutKey", func(t *testing.T) {
		_, err := plainOnly.Parse(r.OA.Safe(msg.XML()).Request("/wechat/oa"))
		wantReject(t, err, http.StatusBadRequest, ReasonDecrypt)
	})
	t.Run("CompatibleReadsOnlyTheCiphertext", func(t *testing.T) {
		// A forger can rewrite the plaintext half of a compatible-mode
		// body; what counts is the signed ciphertext.
		cb := r.OA.Compatible(msg.XML())
		cb.Body = []byte(`<xml><FromUserName><![CDATA[oATTACKER]]></FromUserName><MsgType>text</MsgType>` +
			`<Encrypt><![CDATA[` + cb.Encrypt + `]]></Encrypt></xml>`)
		got := mustParse(t, r.oa, cb.Request("/wechat/oa"))
		if got.OpenID != "oVIP0000001" || got.Mode != ModeCompat {
			t.Errorf("OpenID, Mode = %s, %s; want oVIP0000001, compat", got.OpenID, got.Mode)
		}
	})
}

// oaMsg wraps the type-specific elements of an Official Account callback
// from oVIP0000001 to gh_salon, sent at epoch.
func oaMsg(msgType, rest string) []byte {
	return []byte("<xml><ToUserName><![CDATA[gh_salon]]></ToUserName><FromUserName><![CDATA[oVIP0000001]]></FromUserName>" +
		"<CreateTime>" + strconv.FormatInt(epoch.Unix(), 10) + "</CreateTime><MsgType><![CDATA[" + msgType + "]]></MsgType>" +
		rest + "</xml>")
}

// TestOA_Types covers every message type and event of the contract,
// end to end in safe mode, checking the fields each one carries.
func TestOA_Types(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	base := func(msgType, event, msgID string) Inbound {
		return Inbound{Channel: clienteling.ChannelOA, Endpoint: EndpointOA, Mode: ModeSafe, MsgType: msgType,
			Event: event, OpenID: "oVIP0000001", To: "gh_salon", CreateTime: epoch, MsgID: msgID}
	}
	const id = "<MsgId>1234567890123456</MsgId>"
	tests := []struct {
		name string
		msg  []byte
		want func(in *Inbound)
	}{
		{"Text", oaMsg("text", "<Content><![CDATA[hello]]></Content>"+id), func(in *Inbound) {
			*in = base(MsgText, "", "1234567890123456")
			in.Content = "hello"
		}},
		{"Image", oaMsg("image", "<PicUrl><![CDATA[https://mmbiz.example/p]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>"+id), func(in *Inbound) {
			*in = base(MsgImage, "", "1234567890123456")
			in.PicURL, in.MediaID = "https://mmbiz.example/p", "m1"
		}},
		{"Voice", oaMsg("voice", "<MediaId><![CDATA[m2]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[腾讯微信团队]]></Recognition>"+id), func(in *Inbound) {
			*in = base(MsgVoice, "", "1234567890123456")
			in.MediaID, in.Format, in.Recognition = "m2", "amr", "腾讯微信团队"
		}},
		{"Video", oaMsg("video", "<MediaId><![CDATA[m3]]></MediaId><ThumbMediaId><![CDATA[t3]]></ThumbMediaId>"+id), func(in *Inbound) {
			*in = base(MsgVideo, "", "1234567890123456")
			in.MediaID, in.ThumbMediaID = "m3", "t3"
		}},
		{"ShortVideo", oaMsg("shortvideo", "<MediaId><![CDATA[m4]]></MediaId><ThumbMediaId><![CDATA[t4]]></ThumbMediaId>"+id), func(in *Inbound) {
			*in = base(MsgShortVideo, "", "1234567890123456")
			in.MediaID, in.ThumbMediaID = "m4", "t4"
		}},
		{"Location", oaMsg("location", "<Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Scale>20</Scale><Label><![CDATA[位置信息]]></Label>"+id), func(in *Inbound) {
			*in = base(MsgLocation, "", "1234567890123456")
			in.LocationX, in.LocationY, in.Scale, in.Label = 23.134521, 113.358803, 20, "位置信息"
		}},
		{"Link", oaMsg("link", "<Title><![CDATA[T]]></Title><Description><![CDATA[D]]></Description><Url><![CDATA[https://salon.example/c/x]]></Url>"+id), func(in *Inbound) {
			*in = base(MsgLink, "", "1234567890123456")
			in.Title, in.Description, in.URL = "T", "D", "https://salon.example/c/x"
		}},
		{"MiniProgramPage", oaMsg("miniprogrampage", id+"<Title><![CDATA[Loafers]]></Title><AppId><![CDATA[wxmini0000000001]]></AppId>"+
			"<PagePath><![CDATA[pages/p?sku=L1]]></PagePath><ThumbUrl><![CDATA[https://img.example/t]]></ThumbUrl><ThumbMediaId><![CDATA[t5]]></ThumbMediaId>"), func(in *Inbound) {
			*in = base(MsgMiniProgramPage, "", "1234567890123456")
			in.Title, in.AppID, in.PagePath, in.ThumbURL, in.ThumbMediaID = "Loafers", "wxmini0000000001", "pages/p?sku=L1", "https://img.example/t", "t5"
		}},
		{"Subscribe", oaMsg("event", "<Event><![CDATA[subscribe]]></Event>"), func(in *Inbound) {
			*in = base(MsgEvent, EventSubscribe, "")
		}},
		{"SubscribeQRScene", wechattest.SubscribeEvent("gh_salon", "oVIP0000001", "adv:amy", epoch).XML(), func(in *Inbound) {
			*in = base(MsgEvent, EventSubscribe, "")
			in.EventKey, in.Ticket = "qrscene_adv:amy", wechattest.QRTicket("adv:amy")
		}},
		{"Unsubscribe", wechattest.UnsubscribeEvent("gh_salon", "oVIP0000001", epoch).XML(), func(in *Inbound) {
			*in = base(MsgEvent, EventUnsubscribe, "")
		}},
		{"Scan", wechattest.ScanEvent("gh_salon", "oVIP0000001", "adv:amy", epoch).XML(), func(in *Inbound) {
			*in = base(MsgEvent, EventScan, "")
			in.EventKey, in.Ticket = "adv:amy", wechattest.QRTicket("adv:amy")
		}},
		{"Click", oaMsg("event", "<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[BOOK_APPOINTMENT]]></EventKey>"), func(in *Inbound) {
			*in = base(MsgEvent, EventClick, "")
			in.EventKey = "BOOK_APPOINTMENT"
		}},
		{"View", oaMsg("event", "<Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[https://salon.example/]]></EventKey>"), func(in *Inbound) {
			*in = base(MsgEvent, EventView, "")
			in.EventKey = "https://salon.example/"
		}},
		{"LocationEvent", oaMsg("event", "<Event><![CDATA[LOCATION]]></Event><Latitude>23.137466</Latitude><Longitude>113.352425</Longitude><Precision>119.385040</Precision>"), func(in *Inbound) {
			*in = base(MsgEvent, EventLocation, "")
			in.Latitude, in.Longitude, in.Precision = 23.137466, 113.352425, 119.385040
		}},
		{"TemplateSendJobFinish", oaMsg("event", "<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event><MsgID>200163836</MsgID><Status><![CDATA[failed:user block]]></Status>"), func(in *Inbound) {
			*in = base(MsgEvent, EventTemplateSendJobFinish, "200163836")
			in.Status = "failed:user block"
		}},
		{"SubscribeMsgPopup", oaMsg("event", "<Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent>"+
			"<List><TemplateId><![CDATA[tplA]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"+
			"<List><TemplateId><![CDATA[tplB]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List>"+
			"</SubscribeMsgPopupEvent>"), func(in *Inbound) {
			*in = base(MsgEvent, EventSubscribeMsgPopup, "")
			in.Subscriptions = []Subscription{{TemplateID: "tplA", Status: "accept", PopupScene: "2"}, {TemplateID: "tplB", Status: "reject", PopupScene: "2"}}
		}},
		{"SubscribeMsgSent", oaMsg("event", "<Event><![CDATA[subscribe_msg_sent_event]]></Event><SubscribeMsgSentEvent>"+
			"<List><TemplateId><![CDATA[tplA]]></TemplateId><MsgID>1700827132819554304</MsgID><ErrorCode>0</ErrorCode><ErrorStatus><![CDATA[success]]></ErrorStatus></List>"+
			"</SubscribeMsgSentEvent>"), func(in *Inbound) {
			*in = base(MsgEvent, EventSubscribeMsgSent, "")
			in.Subscriptions = []Subscription{{TemplateID: "tplA", Status: "success", MsgID: "1700827132819554304", ErrorCode: "0"}}
		}},
		{"UnknownType", oaMsg("notsure", id+"<Whatever>x</Whatever>"), func(in *Inbound) {
			*in = base("notsure", "", "1234567890123456")
		}},
		{"UnknownEvent", oaMsg("event", "<Event><![CDATA[WifiConnected]]></Event><EventKey>k</EventKey>"), func(in *Inbound) {
			*in = base(MsgEvent, "WifiConnected", "")
			in.EventKey = "k"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, r.oa, r.post(EndpointOA, tt.msg))
			want := new(Inbound)
			tt.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestNewOA(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cfg       OAConfig
		wantField string
	}{
		{"OK", OAConfig{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey}, ""},
		{"OKPlaintextOnly", OAConfig{Token: testToken}, ""},
		{"ErrNoToken", OAConfig{AppID: testAppID, EncodingAESKey: testAESKey}, "Token"},
		{"ErrShortKey", OAConfig{AppID: testAppID, Token: testToken, EncodingAESKey: "abc"}, "EncodingAESKey"},
		{"ErrKeyNotBase64", OAConfig{AppID: testAppID, Token: testToken, EncodingAESKey: "!bcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}, "EncodingAESKey"},
		{"ErrKeyWithoutAppID", OAConfig{Token: testToken, EncodingAESKey: testAESKey}, "AppID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewOA(tt.cfg)
			if got := clienteling.ErrorField(err); got != tt.wantField {
				t.Errorf("NewOA error field = %q (%v), want %q", got, err, tt.wantField)
			}
			if tt.wantField != "" && clienteling.ErrorCode(err) != clienteling.EINVALID {
				t.Errorf("NewOA error code = %q, want %q", clienteling.ErrorCode(err), clienteling.EINVALID)
			}
		})
	}
}
