package wechatpay

import (
	"crypto/rsa"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"
)

// The keys under testdata were generated for these tests with
// crypto/rsa.GenerateKey (2048 bits) and protect nothing.
func loadKey(tb testing.TB, name string) *rsa.PrivateKey {
	tb.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	k, err := ParsePrivateKeyPEM(data)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

const (
	testPublicKeyID = "PUB_KEY_ID_0114232134912410000000000000"
	testAPIv3Key    = "salonTestAPIv3Key000000000000000" // 32 characters
)

// fixedNow is the clock of the tests that need one.
var fixedNow = time.Date(2026, 5, 20, 13, 29, 35, 0, beijing)

func fixedClock() time.Time { return fixedNow }

// signedHeaders returns the Wechatpay- headers WeChat Pay would send with
// body at time at, signed with key.
func signedHeaders(tb testing.TB, key *rsa.PrivateKey, serial string, at time.Time, body []byte) http.Header {
	tb.Helper()
	ts, nonce := strconv.FormatInt(at.Unix(), 10), NewNonce()
	sig, err := Sign(key, ResponseMessage(ts, nonce, body))
	if err != nil {
		tb.Fatal(err)
	}
	h := http.Header{}
	h.Set(HeaderTimestamp, ts)
	h.Set(HeaderNonce, nonce)
	h.Set(HeaderSignature, sig)
	h.Set(HeaderSerial, serial)
	return h
}
