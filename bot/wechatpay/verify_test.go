package wechatpay

import (
	"crypto/rsa"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	platform, merchant := loadKey(t, "wechatpay_key.pem"), loadKey(t, "merchant_key.pem")
	const certSerial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
	v := NewVerifier(map[string]*rsa.PublicKey{testPublicKeyID: &platform.PublicKey, certSerial: &platform.PublicKey}, fixedClock)
	body := []byte(`{"prepay_id":"wx26112221580621e9b071c00d9e093b0000"}`)
	sign := func(edit func(h http.Header)) http.Header {
		h := signedHeaders(t, platform, testPublicKeyID, fixedNow, body)
		if edit != nil {
			edit(h)
		}
		return h
	}
	tests := []struct {
		name    string
		header  http.Header
		body    []byte
		wantErr error
	}{
		{"OK", sign(nil), body, nil},
		{"OKByCertificateSerial", sign(func(h http.Header) { h.Set(HeaderSerial, certSerial) }), body, nil},
		{"OKFourMinutesLate", signedHeaders(t, platform, testPublicKeyID, fixedNow.Add(-4*time.Minute), body), body, nil},
		{"TamperedBody", sign(nil), []byte(`{"prepay_id":"wx26112221580621e9b071c00d9e093b0001"}`), ErrBadSignature},
		{"TamperedTimestamp", sign(func(h http.Header) {
			h.Set(HeaderTimestamp, strconv.FormatInt(fixedNow.Unix()+1, 10))
		}), body, ErrBadSignature},
		{"TamperedNonce", sign(func(h http.Header) { h.Set(HeaderNonce, "0000") }), body, ErrBadSignature},
		{"UnknownSerial", sign(func(h http.Header) { h.Set(HeaderSerial, "PUB_KEY_ID_0000000000000000000000000000") }), body, ErrUnknownSerial},
		{"SignedByMerchantKey", signedHeaders(t, merchant, testPublicKeyID, fixedNow, body), body, ErrBadSignature},
		{"Stale", signedHeaders(t, platform, testPublicKeyID, fixedNow.Add(-6*time.Minute), body), body, ErrStaleTimestamp},
		{"FromTheFuture", signedHeaders(t, platform, testPublicKeyID, fixedNow.Add(6*time.Minute), body), body, ErrStaleTimestamp},
		{"TimestampNotANumber", sign(func(h http.Header) { h.Set(HeaderTimestamp, "soon") }), body, ErrStaleTimestamp},
		{"Probe", sign(func(h http.Header) { h.Set(HeaderSignature, ProbePrefix+h.Get(HeaderSignature)) }), body, ErrSignatureProbe},
		{"NoHeaders", http.Header{}, body, ErrMissingHeader},
		{"NoSignature", sign(func(h http.Header) { h.Del(HeaderSignature) }), body, ErrMissingHeader},
		{"NoSerial", sign(func(h http.Header) { h.Del(HeaderSerial) }), body, ErrMissingHeader},
		{"NoNonce", sign(func(h http.Header) { h.Del(HeaderNonce) }), body, ErrMissingHeader},
		{"NoTimestamp", sign(func(h http.Header) { h.Del(HeaderTimestamp) }), body, ErrMissingHeader},
		{"SignatureNotBase64", sign(func(h http.Header) { h.Set(HeaderSignature, "!!") }), body, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := v.Verify(tt.header, tt.body)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestResourceRoundTripAndTampering(t *testing.T) {
	t.Parallel()
	key := []byte(testAPIv3Key)
	plain := []byte(`{"out_trade_no":"S1","trade_state":"SUCCESS"}`)
	r, err := EncryptResource(key, "transaction", "0123456789ab", "transaction", plain)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecryptResource(key, r); err != nil || string(got) != string(plain) {
		t.Fatalf("round trip = %q, %v", got, err)
	}
	edits := map[string]func(r *Resource) []byte{
		"WrongKey":        func(r *Resource) []byte { return []byte("00000000000000000000000000000000") },
		"OtherAssociated": func(r *Resource) []byte { r.AssociatedData = "refund"; return key },
		"OtherNonce":      func(r *Resource) []byte { r.Nonce = "0123456789ac"; return key },
		"ShortNonce":      func(r *Resource) []byte { r.Nonce = "0123"; return key },
		"FlippedByte":     func(r *Resource) []byte { r.Ciphertext = "A" + r.Ciphertext[1:]; return key },
		"NotBase64":       func(r *Resource) []byte { r.Ciphertext = "***"; return key },
		"TooShort":        func(r *Resource) []byte { r.Ciphertext = "AAAA"; return key },
		"OtherAlgorithm":  func(r *Resource) []byte { r.Algorithm = "AEAD_SM4_GCM"; return key },
		"KeyTooShort":     func(r *Resource) []byte { return key[:16] },
	}
	for name, edit := range edits {
		bad := r
		k := edit(&bad)
		if got, err := DecryptResource(k, bad); err == nil {
			t.Errorf("%s: decrypted to %q", name, got)
		}
	}
}
