package callback

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
)

// vector holds the fields of the entries of official_vectors.json.
type vector struct {
	Token          string `json:"token"`
	EncodingAESKey string `json:"encodingAESKey"`
	AppID          string `json:"appid"`
	CorpID         string `json:"receiveid_corpid"`
	Timestamp      string `json:"timestamp"`
	Nonce          string `json:"nonce"`
	Random         string `json:"random"`
	MsgSignature   string `json:"msg_signature"`
	Encrypt        string `json:"encrypt"`
	PostBody       string `json:"post_body"`
	Plaintext      string `json:"expected_plaintext"`

	Plaintext1  string `json:"plaintext1"`
	Ciphertext1 string `json:"ciphertext1"`
	Plaintext2  string `json:"plaintext2"`
	Ciphertext2 string `json:"ciphertext2"`

	Echostr           string `json:"echostr"`
	EchostrURLEncoded string `json:"echostr_urlencoded_as_sent"`
	EchostrPlaintext  string `json:"expected_echostr_plaintext"`

	ReplyRandom       string `json:"reply_random"`
	ReplyPlaintext    string `json:"reply_plaintext"`
	ReplyEncrypt      string `json:"reply_encrypt"`
	ReplyTimestamp    string `json:"reply_timestamp"`
	ReplyNonce        string `json:"reply_nonce"`
	ReplyMsgSignature string `json:"reply_msg_signature"`
}

func loadVectors(t *testing.T) map[string]vector {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(readTestdata(t, "crypto_vectors/official_vectors.json"), &raw); err != nil {
		t.Fatal(err)
	}
	vs := map[string]vector{}
	for name, b := range raw {
		if strings.HasPrefix(name, "_") { // notes about the file, not vectors
			continue
		}
		var v vector
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		vs[name] = v
	}
	return vs
}

// clockAt stops a clock at a decimal Unix timestamp of a vector.
func clockAt(t *testing.T, ts string) func() time.Time {
	t.Helper()
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return func() time.Time { return time.Unix(sec, 0) }
}

func TestVectors_Decrypt(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)["A_official_account_java_test"]
	oa, err := NewOA(OAConfig{AppID: v.AppID, Token: v.Token, EncodingAESKey: v.EncodingAESKey})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, cipher, plain string }{
		{"ChineseText", v.Ciphertext1, v.Plaintext1},
		{"VideoReply", v.Ciphertext2, v.Plaintext2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := oa.open(tt.cipher)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.plain {
				t.Errorf("open = %q, want %q", got, tt.plain)
			}
		})
	}
}

// TestVectors_OA posts Tencent's Official Account samples as WeChat sent
// them, with the clock at their timestamp.
func TestVectors_OA(t *testing.T) {
	t.Parallel()
	vs := loadVectors(t)
	for _, tt := range []struct {
		name     string
		mode     Mode
		wantType string
	}{
		{"C_official_account_python_sample", ModeCompat, MsgText},
		{"D_cpp_sample", ModeSafe, MsgText},
		{"E_debug_demo", ModeSafe, MsgEvent},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := vs[tt.name]
			oa, err := NewOA(OAConfig{AppID: v.AppID, Token: v.Token, EncodingAESKey: v.EncodingAESKey, Now: clockAt(t, v.Timestamp)})
			if err != nil {
				t.Fatal(err)
			}
			body := v.PostBody
			if body == "" {
				body = "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[" + v.Encrypt + "]]></Encrypt></xml>"
			}
			q := url.Values{"signature": {wechattest.Signature(v.Token, v.Timestamp, v.Nonce)}, "timestamp": {v.Timestamp},
				"nonce": {v.Nonce}, "encrypt_type": {"aes"}, "msg_signature": {v.MsgSignature}}
			cb := &wechattest.Callback{Method: http.MethodPost, Query: q, Body: []byte(body)}
			got := mustParse(t, oa, cb.Request("/wechat/oa"))
			var want struct {
				From string `xml:"FromUserName"`
			}
			if err := xml.Unmarshal([]byte(v.Plaintext), &want); err != nil {
				t.Fatal(err)
			}
			if got.Mode != tt.mode || got.MsgType != tt.wantType || string(got.OpenID) != want.From {
				t.Errorf("got mode %s type %s openid %s, want %s %s %s", got.Mode, got.MsgType, got.OpenID, tt.mode, tt.wantType, want.From)
			}
		})
	}
}

// TestVectors_WeCom checks Tencent's WeCom samples: the URL check as sent
// (percent-encoded echostr) and the message, whose decryption is recorded.
func TestVectors_WeCom(t *testing.T) {
	t.Parallel()
	vs := loadVectors(t)
	t.Run("URLCheck", func(t *testing.T) {
		v := vs["B_wecom_verify_url"]
		app, err := NewWeComApp(WeComConfig{CorpID: v.CorpID, Token: v.Token, EncodingAESKey: v.EncodingAESKey, Now: clockAt(t, v.Timestamp)})
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(http.MethodGet, "/wecom/app?msg_signature="+v.MsgSignature+"&timestamp="+v.Timestamp+
			"&nonce="+v.Nonce+"&echostr="+v.EchostrURLEncoded, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := app.URLCheck(req)
		if err != nil || got != v.EchostrPlaintext {
			t.Errorf("URLCheck = %q, %v; want %q", got, err, v.EchostrPlaintext)
		}
	})
	t.Run("Message", func(t *testing.T) {
		v := vs["B2_wecom_decrypt_msg"]
		app, err := NewWeComApp(WeComConfig{CorpID: v.CorpID, Token: v.Token, EncodingAESKey: v.EncodingAESKey, Now: clockAt(t, v.Timestamp)})
		if err != nil {
			t.Fatal(err)
		}
		q := url.Values{"msg_signature": {v.MsgSignature}, "timestamp": {v.Timestamp}, "nonce": {v.Nonce}}
		cb := &wechattest.Callback{Method: http.MethodPost, Query: q, Body: []byte(v.PostBody)}
		got := mustParse(t, app, cb.Request("/wecom/app"))
		if string(readTestdata(t, "crypto_vectors/wecom_sample_decrypted_B2.xml")) != v.Plaintext {
			t.Fatal("wecom_sample_decrypted_B2.xml differs from expected_plaintext")
		}
		want := []string{MsgText, "mycreate", "hello", "4561255354251345929", "218"}
		if g := []string{got.MsgType, string(got.Associate), got.Content, got.MsgID, got.AgentID}; !slices.Equal(g, want) {
			t.Errorf("got %q, want %q", g, want)
		}
	})
}
