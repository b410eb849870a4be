package wechatpay

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
)

// FuzzParseNotification feeds the notification parser bodies of three
// kinds, by mode: 0 the raw body signed with the test WeChat Pay key, so
// that parsing goes past the signature; 1 an envelope of event around the
// raw plaintext sealed with the APIv3 key, so that decoding the resource is
// reached; anything else the raw body with forged headers. It must never
// panic, and must accept only what decodes into the struct of its event.
// The committed corpus is under testdata/fuzz/FuzzParseNotification/.
func FuzzParseNotification(f *testing.F) {
	v, platform := testVerifier(f)
	good, _ := json.Marshal(paidTransaction)
	f.Add(notification(f, EventTransactionSuccess, "transaction", paidTransaction), []byte(nil), "", uint8(0))
	f.Add([]byte(nil), good, EventTransactionSuccess, uint8(1))
	f.Add([]byte(nil), []byte(`{"out_refund_no":"R1","refund_status":"SUCCESS","amount":{"refund":-1}}`), EventRefundSuccess, uint8(1))
	f.Add([]byte(`{"id":"EV-1","event_type":"REFUND.SUCCESS","resource_type":"encrypt-resource","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"x"}}`), []byte(nil), "", uint8(0))
	f.Add([]byte(`{}`), []byte(nil), "", uint8(2))
	f.Fuzz(func(t *testing.T, body, plaintext []byte, event string, mode uint8) {
		var h http.Header
		switch mode {
		case 0:
			h = signedHeaders(t, platform, testPublicKeyID, fixedNow, body)
		case 1:
			r, err := EncryptResource([]byte(testAPIv3Key), "transaction", "fdasflkja484", "transaction", plaintext)
			if err != nil {
				t.Fatal(err)
			}
			body, _ = json.Marshal(Envelope{ID: "EV-1", EventType: event, ResourceType: "encrypt-resource", Resource: r})
			h = signedHeaders(t, platform, testPublicKeyID, fixedNow, body)
		default:
			h = http.Header{HeaderTimestamp: {"1"}, HeaderNonce: {"n"}, HeaderSignature: {string(plaintext)}, HeaderSerial: {event}}
		}
		n, err := ParseNotification(v, []byte(testAPIv3Key), h, body)
		if err != nil {
			if mode > 1 && !errors.Is(err, ErrStaleTimestamp) && !errors.Is(err, ErrSignatureProbe) && !errors.Is(err, ErrMissingHeader) {
				t.Fatalf("forged headers refused for an unexpected reason: %v", err)
			}
			return
		}
		if mode > 1 {
			t.Fatal("accepted a notification with forged headers")
		}
		switch {
		case n.EventType == EventTransactionSuccess:
			if n.Transaction == nil || n.Transaction.OutTradeNo == "" || n.Refund != nil {
				t.Fatalf("transaction notification without its transaction: %+v", n)
			}
		case n.Refund == nil || n.Refund.OutRefundNo == "" || n.Transaction != nil:
			t.Fatalf("%s notification without its refund: %+v", n.EventType, n)
		}
	})
}

// FuzzParseAuthorization checks the parser the simulator runs on every
// request's Authorization header: no panic, and whatever it accepts
// renders back to a header that parses to the same fields. The committed
// corpus is under testdata/fuzz/FuzzParseAuthorization/.
func FuzzParseAuthorization(f *testing.F) {
	f.Add(`WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="593BEC0C930BF1AFEB40B4A08C8FB242",signature="uOVRnA4qG/MNnYzdQ==",timestamp="1554208460",serial_no="1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"`)
	f.Add(`WECHATPAY2-SHA256-RSA2048 mchid=""`)
	f.Add(`WECHATPAY2-SHA256-RSA2048 `)
	f.Fuzz(func(t *testing.T, header string) {
		a, err := ParseAuthorization(header)
		if err != nil {
			return
		}
		back, err := ParseAuthorization(a.String())
		if err != nil || back != a {
			t.Fatalf("%q parsed to %+v, which renders to %q, which parses to %+v, %v", header, a, a.String(), back, err)
		}
	})
}
