package wechatpay

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of WeChat Pay's signed answers and notifications.
const (
	HeaderTimestamp = "Wechatpay-Timestamp"
	HeaderNonce     = "Wechatpay-Nonce"
	HeaderSignature = "Wechatpay-Signature"
	HeaderSerial    = "Wechatpay-Serial"
)

var verifiedHeaders = []string{HeaderTimestamp, HeaderNonce, HeaderSignature, HeaderSerial}

// ProbePrefix starts the Wechatpay-Signature of the probes WeChat Pay sends
// to check that a merchant verifies signatures; a probe must be refused.
const ProbePrefix = "WECHATPAY/SIGNTEST/"

// MaxClockSkew is how far a signed timestamp may be from now, either way,
// before the message is refused as stale: WeChat Pay's guide says five
// minutes.
const MaxClockSkew = 5 * time.Minute

// Reasons a signed answer or notification is refused. They are distinct so
// that a receiver can count refusals by reason.
var (
	ErrMissingHeader  = errors.New("wechatpay: signature header missing")
	ErrSignatureProbe = errors.New("wechatpay: signature probe")
	ErrStaleTimestamp = errors.New("wechatpay: timestamp outside the allowed window")
	ErrUnknownSerial  = errors.New("wechatpay: unknown key serial")
)

// Verifier checks WeChat Pay's signatures. It holds WeChat Pay's public
// keys by the serial that names them in Wechatpay-Serial: the WeChat Pay
// public key's id (PUB_KEY_ID_...) or a platform certificate's serial.
// Keys are fixed at construction, so a Verifier is safe for concurrent use.
type Verifier struct {
	keys  map[string]*rsa.PublicKey
	clock func() time.Time
}

// NewVerifier returns a Verifier trusting keys, by serial. clock gives the
// time timestamps are checked against; nil means time.Now.
func NewVerifier(keys map[string]*rsa.PublicKey, clock func() time.Time) *Verifier {
	if clock == nil {
		clock = time.Now
	}
	own := make(map[string]*rsa.PublicKey, len(keys))
	for serial, k := range keys {
		own[serial] = k
	}
	return &Verifier{keys: own, clock: clock}
}

// Verify checks that body came signed from WeChat Pay: all four Wechatpay-
// headers present, not a probe, a timestamp within MaxClockSkew of now, a
// known serial and a signature over ResponseMessage that verifies. The
// error wraps one of the Err values above or ErrBadSignature.
func (v *Verifier) Verify(h http.Header, body []byte) error {
	ts, nonce, sig, serial := h.Get(HeaderTimestamp), h.Get(HeaderNonce), h.Get(HeaderSignature), h.Get(HeaderSerial)
	for i, value := range []string{ts, nonce, sig, serial} {
		if value == "" {
			return fmt.Errorf("%w: %s", ErrMissingHeader, verifiedHeaders[i])
		}
	}
	if strings.HasPrefix(sig, ProbePrefix) {
		return ErrSignatureProbe
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: not a number", ErrStaleTimestamp)
	}
	if skew := v.clock().Sub(time.Unix(sec, 0)); skew > MaxClockSkew || skew < -MaxClockSkew {
		return fmt.Errorf("%w: %s away", ErrStaleTimestamp, skew.Round(time.Second))
	}
	key, known := v.keys[serial]
	if !known {
		// The serial is WeChat's public identifier, not a secret; naming
		// it tells an operator which key to configure.
		return fmt.Errorf("%w %q", ErrUnknownSerial, serial)
	}
	return VerifySignature(key, ResponseMessage(ts, nonce, body), sig)
}
