package callback

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

func TestWeCom_URLCheck(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	for _, ep := range []Endpoint{EndpointWeComApp, EndpointKF} {
		v := r.verifier(ep)
		t.Run(string(ep)+"/OK", func(t *testing.T) {
			cb := r.WeCom.URLCheck("1616140317555161061")
			got, err := v.URLCheck(cb.Request(ep.Path()))
			if err != nil {
				t.Fatal(err)
			}
			if got != "1616140317555161061" {
				t.Errorf("echo = %q, want the decrypted echostr", got)
			}
		})
		t.Run(string(ep)+"/UnescapedPlus", func(t *testing.T) {
			// Find an echostr whose base64 has a '+', and send it raw,
			// as a sender that forgets to percent-encode would.
			var cb *wechattest.Callback
			for i := 0; cb == nil || !strings.Contains(cb.Encrypt, "+"); i++ {
				cb = r.WeCom.URLCheck(strconv.Itoa(1000 + i))
			}
			req := cb.Request(ep.Path())
			q := url.Values{"timestamp": {cb.Timestamp}, "nonce": {cb.Nonce}, "msg_signature": {cb.Query.Get("msg_signature")}}
			req.URL.RawQuery = q.Encode() + "&echostr=" + cb.Encrypt
			got, err := v.URLCheck(req)
			if err != nil || got != cb.Echo {
				t.Errorf("URLCheck = %q, %v; want %q", got, err, cb.Echo)
			}
		})
		t.Run(string(ep)+"/ErrForged", func(t *testing.T) {
			_, err := v.URLCheck(r.WeCom.URLCheck("").Forge().Request(ep.Path()))
			wantReject(t, err, http.StatusUnauthorized, ReasonSignature)
		})
		t.Run(string(ep)+"/ErrOtherCorp", func(t *testing.T) {
			other := r.WeCom
			other.CorpID = "ww5a1000000000beef"
			_, err := v.URLCheck(other.URLCheck("").Request(ep.Path()))
			wantReject(t, err, http.StatusBadRequest, ReasonReceiver)
		})
	}
}

// wecomMsg wraps the type-specific elements of a WeCom app callback sent at
// epoch to the test corp.
func wecomMsg(from, msgType, rest string) []byte {
	return []byte("<xml><ToUserName><![CDATA[" + testCorpID + "]]></ToUserName><FromUserName><![CDATA[" + from +
		"]]></FromUserName><CreateTime>" + strconv.FormatInt(epoch.Unix(), 10) + "</CreateTime><MsgType><![CDATA[" +
		msgType + "]]></MsgType>" + rest + "</xml>")
}

func TestWeComApp_Parse(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	app := func(msgType, event, msgID string) Inbound {
		return Inbound{Channel: clienteling.ChannelWeCom, Endpoint: EndpointWeComApp, Mode: ModeSafe, MsgType: msgType,
			Event: event, Associate: "amy", To: testCorpID, AgentID: "1000002", CreateTime: epoch, MsgID: msgID}
	}
	contact := func(change string) Inbound {
		return Inbound{Channel: clienteling.ChannelWeCom, Endpoint: EndpointWeComApp, Mode: ModeSafe, MsgType: MsgEvent,
			Event: EventChangeExternalContact, ChangeType: change, ExternalUserID: "wmVIP0000000001", Associate: "amy",
			To: testCorpID, CreateTime: epoch}
	}
	ext := func(change string) wechattest.Msg {
		return wechattest.ExternalContactEvent(testCorpID, change, "amy", "wmVIP0000000001", epoch)
	}
	add := ext(wechattest.AddExternalContact)
	add.State, add.WelcomeCode = "adv:amy", "WELCOMECODE"
	del := ext(wechattest.DelExternalContact)
	del.Source = "DELETE_BY_TRANSFER"
	fail := ext(wechattest.TransferFail)
	fail.FailReason = "customer_refused"
	tests := []struct {
		name string
		msg  []byte
		want func(in *Inbound)
	}{
		{"TextNumericMsgId", wecomMsg("amy", "text", "<Content><![CDATA[on my way]]></Content><MsgId>4561255354251345929</MsgId><AgentID>1000002</AgentID>"), func(in *Inbound) {
			*in = app(MsgText, "", "4561255354251345929")
			in.Content = "on my way"
		}},
		{"TextStringMsgId", wecomMsg("amy", "text", "<Content><![CDATA[on my way]]></Content><MsgId><![CDATA[CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw==]]></MsgId><AgentID>1000002</AgentID>"), func(in *Inbound) {
			*in = app(MsgText, "", "CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw==")
			in.Content = "on my way"
		}},
		{"Image", wecomMsg("amy", "image", "<PicUrl><![CDATA[https://p.example/1]]></PicUrl><MediaId><![CDATA[m1]]></MediaId><MsgId>1</MsgId><AgentID>1000002</AgentID>"), func(in *Inbound) {
			*in = app(MsgImage, "", "1")
			in.PicURL, in.MediaID = "https://p.example/1", "m1"
		}},
		{"Click", wecomMsg("amy", "event", "<Event><![CDATA[click]]></Event><EventKey><![CDATA[MY_CLIENTS]]></EventKey><AgentID>1000002</AgentID>"), func(in *Inbound) {
			*in = app(MsgEvent, "click", "")
			in.EventKey = "MY_CLIENTS"
		}},
		{"View", wecomMsg("amy", "event", "<Event><![CDATA[view]]></Event><EventKey><![CDATA[https://salon.example/]]></EventKey><AgentID>1000002</AgentID>"), func(in *Inbound) {
			*in = app(MsgEvent, "view", "")
			in.EventKey = "https://salon.example/"
		}},
		{"EnterAgent", wecomMsg("amy", "event", "<Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey><AgentID>1000002</AgentID>"), func(in *Inbound) {
			*in = app(MsgEvent, EventEnterAgent, "")
		}},
		{"AddExternalContact", add.XML(), func(in *Inbound) {
			*in = contact(ChangeAddExternalContact)
			in.State, in.WelcomeCode = "adv:amy", "WELCOMECODE"
		}},
		{"EditExternalContact", ext(wechattest.EditExternalContact).XML(), func(in *Inbound) {
			*in = contact(ChangeEditExternalContact)
		}},
		{"DelExternalContact", del.XML(), func(in *Inbound) {
			*in = contact(ChangeDelExternalContact)
			in.Source = "DELETE_BY_TRANSFER"
		}},
		{"DelFollowUser", ext(wechattest.DelFollowUser).XML(), func(in *Inbound) {
			*in = contact(ChangeDelFollowUser)
		}},
		{"TransferFail", fail.XML(), func(in *Inbound) {
			*in = contact(ChangeTransferFail)
			in.FailReason = "customer_refused"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, r.app, r.post(EndpointWeComApp, tt.msg))
			want := new(Inbound)
			tt.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
	t.Run("ErrExternalContactWithoutExternalUserID", func(t *testing.T) {
		m := ext(wechattest.AddExternalContact)
		m.ExternalUserID = ""
		_, err := r.app.Parse(r.post(EndpointWeComApp, m.XML()))
		wantReject(t, err, http.StatusBadRequest, ReasonMissingField)
	})
}

func TestKF_Parse(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	t.Run("OK", func(t *testing.T) {
		msg := wechattest.KfMsgOrEvent(testCorpID, "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR", "wkSalon0000001", epoch)
		got := mustParse(t, r.kf, r.post(EndpointKF, msg.XML()))
		want := &Inbound{Channel: clienteling.ChannelWeCom, Endpoint: EndpointKF, Mode: ModeSafe, MsgType: MsgEvent,
			Event: EventKfMsgOrEvent, To: testCorpID, CreateTime: epoch,
			KfToken: "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR", OpenKfID: "wkSalon0000001"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	for _, tt := range []struct{ name, token, kfID string }{
		{"ErrNoToken", "", "wkSalon0000001"},
		{"ErrNoOpenKfId", "ENCAp", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.kf.Parse(r.post(EndpointKF, wechattest.KfMsgOrEvent(testCorpID, tt.token, tt.kfID, epoch).XML()))
			wantReject(t, err, http.StatusBadRequest, ReasonMissingField)
		})
	}
}

// TestRecordedEnvelopes posts the recorded encrypted bodies of testdata as
// they are, with their query, to the endpoint each belongs to.
func TestRecordedEnvelopes(t *testing.T) {
	t.Parallel()
	var envs map[string]struct {
		CorpID         string `json:"corpid"`
		EncodingAESKey string `json:"encoding_aes_key"`
		MsgSignature   string `json:"msg_signature"`
		Nonce          string `json:"nonce"`
		PlaintextFile  string `json:"plaintext_file"`
		Timestamp      string `json:"timestamp"`
		Token          string `json:"token"`
	}
	if err := json.Unmarshal(readTestdata(t, "crypto_vectors/synthetic_envelopes.json"), &envs); err != nil {
		t.Fatal(err)
	}
	wants := map[string]struct {
		ep              Endpoint
		msgType, event  string
		sender, kfToken string
	}{
		"synthetic_change_external_contact_add.encrypted.xml": {EndpointWeComApp, MsgEvent, EventChangeExternalContact, "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", ""},
		"synthetic_kf_msg_or_event.encrypted.xml":             {EndpointKF, MsgEvent, EventKfMsgOrEvent, "", "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR"},
		"synthetic_work_app_text.encrypted.xml":               {EndpointWeComApp, MsgText, "", "fromUser", ""},
	}
	if len(envs) != len(wants) {
		t.Fatalf("%d envelopes in testdata, %d expected here", len(envs), len(wants))
	}
	for file, e := range envs {
		t.Run(file, func(t *testing.T) {
			w := wants[file]
			ts, err := strconv.ParseInt(e.Timestamp, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			cfg := WeComConfig{CorpID: e.CorpID, Token: e.Token, EncodingAESKey: e.EncodingAESKey,
				Now: func() time.Time { return time.Unix(ts, 0) }}
			var v Verifier
			if w.ep == EndpointKF {
				v, err = NewKF(cfg)
			} else {
				v, err = NewWeComApp(cfg)
			}
			if err != nil {
				t.Fatal(err)
			}
			q := url.Values{"msg_signature": {e.MsgSignature}, "timestamp": {e.Timestamp}, "nonce": {e.Nonce}}
			cb := &wechattest.Callback{Method: http.MethodPost, Query: q, Body: readTestdata(t, "crypto_vectors/"+file)}
			got := mustParse(t, v, cb.Request(w.ep.Path()))
			if got.MsgType != w.msgType || got.Event != w.event || got.Sender() != w.sender || got.KfToken != w.kfToken {
				t.Errorf("got type %q event %q sender %q kf token %q, want %q %q %q %q",
					got.MsgType, got.Event, got.Sender(), got.KfToken, w.msgType, w.event, w.sender, w.kfToken)
			}
		})
	}
}
