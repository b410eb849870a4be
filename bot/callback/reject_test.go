package callback

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
)

// textFrom is a text message with a string MsgId from a sender fit for ep.
func textFrom(ep Endpoint) []byte {
	from := "oVIP0000001"
	if ep != EndpointOA {
		from = "amy"
	}
	return wecomMsg(from, "text", "<Content><![CDATA[hi]]></Content><MsgId><![CDATA[CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw==]]></MsgId>")
}

// kfEvent is a valid kf_msg_or_event.
func kfEvent() []byte {
	return wechattest.KfMsgOrEvent(testCorpID, "ENCAp", "wkSalon0000001", epoch).XML()
}

// valid is a message each endpoint accepts.
func valid(ep Endpoint) []byte {
	if ep == EndpointKF {
		return kfEvent()
	}
	return textFrom(ep)
}

// sealed returns a callback for ep whose signature is right for whatever
// <Encrypt> the test puts in: what a holder of the token, but not of a
// sound ciphertext, would send.
func (r *rig) sealed(ep Endpoint, encrypt string) *http.Request {
	cb := r.callback(ep, valid(ep))
	cb.Query.Set("msg_signature", wechattest.Signature(testToken, cb.Timestamp, cb.Nonce, encrypt))
	cb.Body = []byte("<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[" + encrypt + "]]></Encrypt></xml>")
	return cb.Request(ep.Path())
}

func (r *rig) callback(ep Endpoint, msg []byte) *wechattest.Callback {
	if ep == EndpointOA {
		return r.OA.Safe(msg)
	}
	return r.WeCom.Message(msg)
}

// shifted returns the rig with its builders' clock moved by d, so that
// their callbacks are that far from the verifiers' now.
func (r *rig) shifted(d time.Duration) *rig {
	s := *r
	clock := func() time.Time { return r.clock.Now().Add(d) }
	s.OA.Stamp.Clock, s.WeCom.Stamp.Clock = clock, clock
	return &s
}

// TestReject is the contract's table of refusals, for each endpoint.
func TestReject(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	big := func(ep Endpoint) *http.Request {
		req := r.post(ep, valid(ep))
		req.Body = io.NopCloser(bytes.NewReader(make([]byte, MaxBody+1)))
		req.ContentLength = MaxBody + 1
		return req
	}
	tests := []struct {
		name   string
		only   Endpoint // "" for every endpoint
		req    func(ep Endpoint) *http.Request
		status int
		reason string
	}{
		{"OK", "", func(ep Endpoint) *http.Request { return r.post(ep, valid(ep)) }, 200, ""},
		{"OKStringMsgId", EndpointOA, func(ep Endpoint) *http.Request { return r.post(ep, textFrom(ep)) }, 200, ""},
		{"OKTimestamp300sPast", "", func(ep Endpoint) *http.Request { return r.shifted(-300*time.Second).post(ep, valid(ep)) }, 200, ""},
		{"OKTimestamp300sFuture", "", func(ep Endpoint) *http.Request { return r.shifted(300*time.Second).post(ep, valid(ep)) }, 200, ""},
		{"ForgedSignature", "", func(ep Endpoint) *http.Request { return r.callback(ep, valid(ep)).Forge().Request(ep.Path()) }, 401, ReasonSignature},
		{"NoSignature", "", func(ep Endpoint) *http.Request {
			cb := r.callback(ep, valid(ep))
			cb.Query.Del("msg_signature")
			return cb.Request(ep.Path())
		}, 401, ReasonSignature},
		{"NoNonce", "", func(ep Endpoint) *http.Request {
			cb := r.callback(ep, valid(ep))
			cb.Query.Del("nonce")
			return cb.Request(ep.Path())
		}, 401, ReasonSignature},
		{"BodyTampered", "", func(ep Endpoint) *http.Request {
			other := r.callback(ep, valid(ep))
			cb := r.callback(ep, valid(ep))
			cb.Body = other.Body // a sound ciphertext under someone else's signature
			return cb.Request(ep.Path())
		}, 401, ReasonSignature},
		{"Stale301sPast", "", func(ep Endpoint) *http.Request { return r.shifted(-301*time.Second).post(ep, valid(ep)) }, 401, ReasonStale},
		{"Stale301sFuture", "", func(ep Endpoint) *http.Request { return r.shifted(301*time.Second).post(ep, valid(ep)) }, 401, ReasonStale},
		{"TimestampNotNumber", "", func(ep Endpoint) *http.Request {
			cb := r.callback(ep, valid(ep))
			cb.Query.Set("timestamp", "soon")
			cb.Query.Set("msg_signature", wechattest.Signature(testToken, "soon", cb.Nonce, cb.Encrypt))
			return cb.Request(ep.Path())
		}, 401, ReasonStale},
		{"TooLarge", "", big, 413, ReasonTooLarge},
		{"TooLargeUnknownLength", "", func(ep Endpoint) *http.Request {
			req := big(ep)
			req.ContentLength = -1 // chunked: only reading can tell
			return req
		}, 413, ReasonTooLarge},
		{"MalformedEnvelope", "", func(ep Endpoint) *http.Request {
			cb := r.callback(ep, valid(ep))
			cb.Body = []byte("<xml><Encrypt><![CDATA[" + cb.Encrypt + "]]></Encrypt>")
			return cb.Request(ep.Path())
		}, 400, ReasonXML},
		{"MalformedMessage", "", func(ep Endpoint) *http.Request {
			return r.post(ep, []byte("<xml><MsgType>text</MsgType><Content>a & b</Content></xml>"))
		}, 400, ReasonXML},
		{"EmptyMessage", "", func(ep Endpoint) *http.Request { return r.post(ep, nil) }, 400, ReasonXML},
		{"NoEncrypt", "", func(ep Endpoint) *http.Request {
			cb := r.callback(ep, valid(ep))
			cb.Body = []byte("<xml><ToUserName><![CDATA[x]]></ToUserName></xml>")
			return cb.Request(ep.Path())
		}, 400, ReasonMissingField},
		{"NoFromUserName", EndpointOA, func(ep Endpoint) *http.Request {
			return r.post(ep, []byte("<xml><ToUserName>gh_salon</ToUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>"))
		}, 400, ReasonMissingField},
		{"NoFromUserName", EndpointWeComApp, func(ep Endpoint) *http.Request {
			return r.post(ep, []byte("<xml><ToUserName>ww</ToUserName><CreateTime>1700000000</CreateTime><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>"))
		}, 400, ReasonMissingField},
		{"NoMsgType", "", func(ep Endpoint) *http.Request {
			return r.post(ep, []byte("<xml><ToUserName>to</ToUserName><FromUserName>oVIP0000001</FromUserName><CreateTime>1700000000</CreateTime><Content>hi</Content></xml>"))
		}, 400, ReasonMissingField},
		{"NoCreateTime", "", func(ep Endpoint) *http.Request {
			return r.post(ep, []byte("<xml><FromUserName>oVIP0000001</FromUserName><MsgType>text</MsgType><Content>hi</Content></xml>"))
		}, 400, ReasonMissingField},
		{"NoEvent", "", func(ep Endpoint) *http.Request {
			return r.post(ep, []byte("<xml><FromUserName>oVIP0000001</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType></xml>"))
		}, 400, ReasonMissingField},
		{"CreateTimeNotNumber", "", func(ep Endpoint) *http.Request {
			return r.post(ep, []byte("<xml><FromUserName>u</FromUserName><CreateTime>today</CreateTime><MsgType>text</MsgType></xml>"))
		}, 400, ReasonXML},
		{"LocationNaN", "", func(ep Endpoint) *http.Request {
			return r.post(ep, []byte("<xml><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>location</MsgType><Location_X>NaN</Location_X></xml>"))
		}, 400, ReasonXML},
		{"UndecryptableNotBase64", "", func(ep Endpoint) *http.Request { return r.sealed(ep, "not*base64") }, 400, ReasonDecrypt},
		{"UndecryptableShort", "", func(ep Endpoint) *http.Request {
			return r.sealed(ep, base64.StdEncoding.EncodeToString([]byte("sixteen bytes...")))
		}, 400, ReasonDecrypt},
		{"UndecryptableOtherKey", "", func(ep Endpoint) *http.Request {
			enc, err := wechattest.Seal(testAppID, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "aaaabbbbccccdddd", valid(ep))
			if err != nil {
				t.Fatal(err)
			}
			return r.sealed(ep, enc)
		}, 400, ReasonDecrypt},
		{"WrongReceiver", EndpointOA, func(ep Endpoint) *http.Request {
			oa := r.OA
			oa.AppID = otherAppID
			return oa.Safe(valid(ep)).Request(ep.Path())
		}, 400, ReasonReceiver},
		{"WrongReceiver", EndpointWeComApp, func(ep Endpoint) *http.Request {
			wc := r.WeCom
			wc.CorpID = "ww5a1000000000beef"
			return wc.Message(valid(ep)).Request(ep.Path())
		}, 400, ReasonReceiver},
		{"WrongReceiver", EndpointKF, func(ep Endpoint) *http.Request {
			wc := r.WeCom
			wc.CorpID = "ww5a1000000000beef"
			return wc.Message(valid(ep)).Request(ep.Path())
		}, 400, ReasonReceiver},
		{"Method", "", func(ep Endpoint) *http.Request {
			req := r.post(ep, valid(ep))
			req.Method = http.MethodPut
			return req
		}, 405, ReasonMethod},
		{"UnknownEncryptType", EndpointOA, func(ep Endpoint) *http.Request {
			cb := r.OA.Safe(valid(ep))
			cb.Query.Set("encrypt_type", "sm4")
			return cb.Request(ep.Path())
		}, 400, ReasonDecrypt},
	}
	for _, tt := range tests {
		for _, ep := range []Endpoint{EndpointOA, EndpointWeComApp, EndpointKF} {
			if tt.only != "" && tt.only != ep {
				continue
			}
			t.Run(tt.name+"/"+string(ep), func(t *testing.T) {
				in, err := r.verifier(ep).Parse(tt.req(ep))
				if tt.status == 200 {
					if err != nil {
						t.Fatalf("Parse: %v (cause: %v)", err, errors.Unwrap(err))
					}
					if in == nil || in.Endpoint != ep {
						t.Errorf("Parse = %+v, want an Inbound of %s", in, ep)
					}
					return
				}
				if in != nil {
					t.Errorf("Parse returned %+v with its error", in)
				}
				wantReject(t, err, tt.status, tt.reason)
				if got := Status(err); got != tt.status {
					t.Errorf("Status(err) = %d, want %d", got, tt.status)
				}
				if got := Reason(err); got != tt.reason {
					t.Errorf("Reason(err) = %q, want %q", got, tt.reason)
				}
			})
		}
	}
}

// TestReject_BodyAtLimit pins the boundary: MaxBody bytes are read and
// parsed, one more is refused unparsed.
func TestReject_BodyAtLimit(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	v, err := NewOA(OAConfig{Token: testToken, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	msg := oaMsg("text", "<Content><![CDATA[hi]]></Content><MsgId>1</MsgId>")
	for _, tt := range []struct {
		name string
		size int
		want int
	}{{"AtLimit", MaxBody, 200}, {"OverLimit", MaxBody + 1, 413}} {
		t.Run(tt.name, func(t *testing.T) {
			body := append(bytes.Clone(msg), strings.Repeat(" ", tt.size-len(msg))...)
			cb := r.OA.Plaintext(body)
			_, err := v.Parse(cb.Request("/wechat/oa"))
			if got := Status(err); got != tt.want {
				t.Errorf("status = %d (%v), want %d", got, err, tt.want)
			}
		})
	}
}

func TestRejectError(t *testing.T) {
	t.Parallel()
	cause := errors.New("XML syntax error on line 1: secret client text")
	err := reject(EndpointKF, ReasonXML, "message is not XML", cause)
	if got, want := err.Error(), "callback: wecom_kf: xml: message is not XML"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, cause) {
		t.Error("errors.Is(err, cause) = false, want true")
	}
	if got := Status(errors.New("disk full")); got != http.StatusInternalServerError {
		t.Errorf("Status(other) = %d, want 500", got)
	}
	if got := Status(nil); got != http.StatusOK {
		t.Errorf("Status(nil) = %d, want 200", got)
	}
	if got := Reason(errors.New("disk full")); got != "internal" {
		t.Errorf("Reason(other) = %q, want internal", got)
	}
}

func TestReject_ReadError(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	req := r.post(EndpointOA, valid(EndpointOA))
	req.Body = io.NopCloser(io.MultiReader(strings.NewReader("<xml>"), iotest.ErrReader(errors.New("connection reset"))))
	_, err := r.oa.Parse(req)
	wantReject(t, err, http.StatusBadRequest, ReasonRead)
}
