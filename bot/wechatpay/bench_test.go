package wechatpay

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
)

// BenchmarkNotify measures ParseNotification of a TRANSACTION.SUCCESS:
// headers checked, RSA signature verified, resource decrypted and decoded.
// Compare it with BenchmarkNotifyReference in the same run.
func BenchmarkNotify(b *testing.B) {
	v, platform := testVerifier(b)
	body := notification(b, EventTransactionSuccess, "transaction", paidTransaction)
	h := signedHeaders(b, platform, testPublicKeyID, fixedNow, body)
	key := []byte(testAPIv3Key)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseNotification(v, key, h, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNotifyReference is the floor under BenchmarkNotify: the bare
// standard-library steps it cannot avoid, rsa.VerifyPKCS1v15 over the
// message's SHA-256 and one AES-256-GCM open, without headers or JSON.
func BenchmarkNotifyReference(b *testing.B) {
	_, platform := testVerifier(b)
	body := notification(b, EventTransactionSuccess, "transaction", paidTransaction)
	h := signedHeaders(b, platform, testPublicKeyID, fixedNow, body)
	var env Envelope
	if err := json.Unmarshal(body, &env); err != nil {
		b.Fatal(err)
	}
	sig, _ := base64.StdEncoding.DecodeString(h.Get(HeaderSignature))
	sealed, _ := base64.StdEncoding.DecodeString(env.Resource.Ciphertext)
	msg := []byte(ResponseMessage(h.Get(HeaderTimestamp), h.Get(HeaderNonce), body))
	block, _ := aes.NewCipher([]byte(testAPIv3Key))
	aead, _ := cipher.NewGCM(block)
	pub := &platform.PublicKey
	b.ReportAllocs()
	for b.Loop() {
		sum := sha256.Sum256(msg)
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}
		if _, err := aead.Open(nil, []byte(env.Resource.Nonce), sealed, []byte(env.Resource.AssociatedData)); err != nil {
			b.Fatal(err)
		}
	}
}
