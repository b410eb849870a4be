package callback

import (
	"encoding/xml"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/salonhq/salon/bot/wechattest"
)

// The fuzzers drive each endpoint through real requests. Most inputs are
// wrapped so that they get past the signature: sealed with the test key and
// signed (the input is then the decrypted plaintext, and reaches the XML
// parser), or posted as the body with msg_signature computed over whatever
// <Encrypt> it holds (the input reaches the decryption). The mode byte
// picks the wrapping. No input may panic, and every outcome must be an
// Inbound that keeps the package's promises or a well-formed RejectError.
// The committed corpus is under testdata/fuzz/<FuzzName>/.

// fuzzRig is a rig whose builders use a fixed nonce and random, so that a
// failing input replays exactly.
func fuzzRig(t testing.TB) *rig {
	t.Helper()
	r := newRig(t)
	stamp := wechattest.Stamp{Clock: r.clock.Now, Nonce: "1372623149", Random: "aaaabbbbccccdddd"}
	r.OA.Stamp, r.WeCom.Stamp = stamp, stamp
	return r
}

// signedEnvelope posts data as the body of an encrypted callback to ep, with
// a msg_signature that matches the <Encrypt> in it, if any. On the way it
// holds the fast envelope reader to encoding/xml.
func (r *rig) signedEnvelope(t *testing.T, ep Endpoint, data []byte) *http.Request {
	t.Helper()
	var env struct {
		Encrypt string `xml:"Encrypt"`
	}
	_ = xml.Unmarshal(data, &env) // no Encrypt: signed over "", refused later
	if quick, ok := quickEnvelope(data); ok {
		agreeWithXML(t, data, quick)
	}
	cb := r.callback(ep, nil)
	cb.Query.Set("msg_signature", wechattest.Signature(testToken, cb.Timestamp, cb.Nonce, strings.TrimSpace(env.Encrypt)))
	cb.Body = data
	return cb.Request(ep.Path())
}

// checkOutcome holds one result of Parse to the package's promises.
func checkOutcome(t *testing.T, ep Endpoint, in *Inbound, err error) {
	t.Helper()
	if err != nil {
		var re *RejectError
		if !errors.As(err, &re) {
			t.Fatalf("error %v is a %T, want *RejectError", err, err)
		}
		if re.Status != statusOf[re.Reason] || re.Endpoint != ep || in != nil {
			t.Fatalf("reject %+v with Inbound %v: want status of its reason, endpoint %s, no Inbound", re, in, ep)
		}
		return
	}
	if in.Endpoint != ep || in.MsgType == "" {
		t.Fatalf("Inbound %+v lacks endpoint or type", in)
	}
	if in.IsEvent() && in.Event == "" {
		t.Fatalf("Inbound %+v is an event without Event", in)
	}
	if ep == EndpointOA && in.OpenID == "" {
		t.Fatalf("Inbound %+v has no openid", in)
	}
	for _, f := range []float64{in.LocationX, in.LocationY, in.Latitude, in.Longitude, in.Precision} {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			t.Fatalf("Inbound %+v has a non-finite number", in)
		}
	}
	if in.DedupeKey() == "" {
		t.Fatal("empty DedupeKey")
	}
	if !in.IsEvent() && in.MsgID != "" && !strings.Contains(in.DedupeKey(), "|"+in.Sender()+"|") {
		t.Fatalf("DedupeKey %q of a message does not name its sender %q", in.DedupeKey(), in.Sender())
	}
	_ = in.LogValue().Resolve()
}

// FuzzOA drives /wechat/oa in plaintext and safe mode, with raw envelopes
// and with URL checks.
func FuzzOA(f *testing.F) {
	r := fuzzRig(f)
	transition, err := NewOA(OAConfig{AppID: testAppID, Token: testToken, EncodingAESKey: testAESKey,
		AllowPlaintext: true, Now: r.clock.Now})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, mode byte, data []byte) {
		switch mode % 4 {
		case 0: // plaintext mode: the body reaches the parser as it is
			in, err := transition.Parse(r.OA.Plaintext(data).Request("/wechat/oa"))
			checkOutcome(t, EndpointOA, in, err)
		case 1: // safe mode: data is the decrypted message
			in, err := r.oa.Parse(r.OA.Safe(data).Request("/wechat/oa"))
			checkOutcome(t, EndpointOA, in, err)
		case 2: // data is the envelope, its ciphertext signed
			in, err := r.oa.Parse(r.signedEnvelope(t, EndpointOA, data))
			checkOutcome(t, EndpointOA, in, err)
		case 3: // URL check: the echostr comes back as it went
			echo, err := r.oa.URLCheck(r.OA.URLCheck(string(data)).Request("/wechat/oa"))
			if err != nil || (len(data) > 0 && echo != string(data)) {
				checkOutcome(t, EndpointOA, nil, err)
				if err == nil {
					t.Fatalf("URLCheck = %q, want %q", echo, data)
				}
			}
		}
	})
}

// fuzzWeCom is the body of FuzzWeComApp and FuzzKF.
func fuzzWeCom(f *testing.F, ep Endpoint) {
	r := fuzzRig(f)
	v := r.verifier(ep)
	f.Fuzz(func(t *testing.T, mode byte, data []byte) {
		switch mode % 3 {
		case 0: // data is the decrypted message
			in, err := v.Parse(r.WeCom.Message(data).Request(ep.Path()))
			checkOutcome(t, ep, in, err)
		case 1: // data is the envelope, its ciphertext signed
			in, err := v.Parse(r.signedEnvelope(t, ep, data))
			checkOutcome(t, ep, in, err)
		case 2: // URL check: data sealed as echostr must decrypt to itself
			cb := r.WeCom.URLCheck(string(data))
			echo, err := v.URLCheck(cb.Request(ep.Path()))
			if err != nil {
				checkOutcome(t, ep, nil, err)
			} else if echo != cb.Echo {
				t.Fatalf("URLCheck = %q, want %q", echo, cb.Echo)
			}
			// And data as a raw, signed echostr must not break anything.
			cb.Query.Set("echostr", string(data))
			cb.Query.Set("msg_signature", wechattest.Signature(testToken, cb.Timestamp, cb.Nonce, strings.ReplaceAll(string(data), " ", "+")))
			if _, err := v.URLCheck(cb.Request(ep.Path())); err != nil {
				checkOutcome(t, ep, nil, err)
			}
		}
	})
}

// FuzzWeComApp drives /wecom/app.
func FuzzWeComApp(f *testing.F) { fuzzWeCom(f, EndpointWeComApp) }

// FuzzKF drives /wecom/kf.
func FuzzKF(f *testing.F) { fuzzWeCom(f, EndpointKF) }
