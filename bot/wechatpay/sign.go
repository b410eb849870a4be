package wechatpay

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// AuthScheme is the authentication type of the Authorization header of a
// request signed with an RSA merchant key.
const AuthScheme = "WECHATPAY2-SHA256-RSA2048"

// RequestMessage returns the string a merchant signs for a request: the
// method, the URL path with its query ("/v3/pay/transactions/jsapi" or
// ".../out-trade-no/X?mchid=Y"), the Unix timestamp, the nonce and the body,
// each followed by a newline, the body's too, even when empty.
func RequestMessage(method, pathAndQuery, timestamp, nonce string, body []byte) string {
	return method + "\n" + pathAndQuery + "\n" + timestamp + "\n" + nonce + "\n" + string(body) + "\n"
}

// ResponseMessage returns the string WeChat Pay signs for an answer or a
// notification: the Wechatpay-Timestamp, the Wechatpay-Nonce and the body,
// each followed by a newline.
func ResponseMessage(timestamp, nonce string, body []byte) string {
	return timestamp + "\n" + nonce + "\n" + string(body) + "\n"
}

// PaySignMessage returns the string signed into a JSAPI payment's paySign:
// the app id, the timestamp, the nonce and the package ("prepay_id=..."),
// each followed by a newline.
func PaySignMessage(appID, timestamp, nonce, pkg string) string {
	return appID + "\n" + timestamp + "\n" + nonce + "\n" + pkg + "\n"
}

// Sign returns the base64 SHA256-with-RSA (PKCS #1 v1.5) signature of
// message, the one signature scheme of API v3.
func Sign(key *rsa.PrivateKey, message string) (string, error) {
	sum := sha256.Sum256([]byte(message))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("wechatpay: sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// ErrBadSignature is returned when a signature is not valid base64 or does
// not verify with the key its serial names.
var ErrBadSignature = errors.New("wechatpay: signature does not verify")

// VerifySignature checks a base64 signature of message made by Sign.
func VerifySignature(key *rsa.PublicKey, message, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return ErrBadSignature
	}
	sum := sha256.Sum256([]byte(message))
	if rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig) != nil {
		return ErrBadSignature
	}
	return nil
}

// Authorization holds the fields of a signed request's Authorization
// header, in the order WeChat Pay's guide writes them.
type Authorization struct {
	MchID, NonceStr, Signature, Timestamp, SerialNo string
}

// String renders the header value, e.g.
// WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="...",signature="...",timestamp="1554208460",serial_no="...".
func (a Authorization) String() string {
	return fmt.Sprintf(`%s mchid="%s",nonce_str="%s",signature="%s",timestamp="%s",serial_no="%s"`,
		AuthScheme, a.MchID, a.NonceStr, a.Signature, a.Timestamp, a.SerialNo)
}

// ParseAuthorization reads an Authorization header value written by
// Authorization.String; WeChat Pay accepts the five fields in any order.
func ParseAuthorization(header string) (Authorization, error) {
	rest, found := strings.CutPrefix(header, AuthScheme+" ")
	if !found {
		return Authorization{}, errors.New("wechatpay: authorization: not " + AuthScheme)
	}
	var a Authorization
	fields := map[string]*string{
		"mchid": &a.MchID, "nonce_str": &a.NonceStr, "signature": &a.Signature,
		"timestamp": &a.Timestamp, "serial_no": &a.SerialNo,
	}
	for part := range strings.SplitSeq(rest, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		dst, known := fields[name]
		if !ok || !known || len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' || *dst != "" {
			return Authorization{}, fmt.Errorf("wechatpay: authorization: malformed field %q", name)
		}
		*dst = value[1 : len(value)-1]
	}
	for name, dst := range fields {
		if *dst == "" {
			return Authorization{}, fmt.Errorf("wechatpay: authorization: missing %s", name)
		}
	}
	return a, nil
}

// NewNonce returns 32 random upper-case hex digits, the form of the nonces
// in WeChat Pay's guide.
func NewNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return strings.ToUpper(hex.EncodeToString(b[:]))
}
