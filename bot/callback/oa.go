package callback

import (
	"net/http"
	"time"
)

// OAConfig is an Official Account's callback settings, as entered on the
// platform (基本配置 → 服务器配置).
type OAConfig struct {
	// AppID is the account's AppID, the receiver id sealed into every
	// ciphertext. Required with EncodingAESKey.
	AppID string
	// Token is the callback token. Required.
	Token string
	// EncodingAESKey is the 43-character message key. Empty means the
	// account runs in plaintext mode and encrypted callbacks are refused.
	EncodingAESKey string
	// AllowPlaintext accepts plaintext-mode POSTs although an
	// EncodingAESKey is set: only for the minutes of switching the platform
	// from plaintext to safe mode. Without it such POSTs are refused
	// (ReasonPlaintext), because a plaintext body is signed by nothing: a
	// signed URL copied from any log within MaxSkew would carry a forged
	// body past the check.
	AllowPlaintext bool
	// Now is the clock timestamps are judged by; nil means time.Now.
	Now func() time.Time
}

// OA verifies and parses the callbacks of /wechat/oa in all three of the
// platform's modes. It is safe for concurrent use.
type OA struct {
	core
	allowPlaintext bool
}

// NewOA checks cfg and returns the account's verifier. A missing Token, a
// malformed EncodingAESKey, or a key without an AppID is an EINVALID
// *clienteling.Error naming the field.
func NewOA(cfg OAConfig) (*OA, error) {
	c, err := newCore(EndpointOA, "AppID", cfg.AppID, cfg.Token, cfg.EncodingAESKey, false, cfg.Now)
	if err != nil {
		return nil, err
	}
	return &OA{core: c, allowPlaintext: cfg.AllowPlaintext || c.key == nil}, nil
}

// Endpoint returns EndpointOA.
func (v *OA) Endpoint() Endpoint { return EndpointOA }

// URLCheck verifies the GET the platform sends when the server URL is
// saved (signature over token, timestamp and nonce) and returns echostr,
// which the handler must write back verbatim with status 200. Errors are
// *RejectError.
func (v *OA) URLCheck(r *http.Request) (string, error) {
	if err := v.requireMethod(r, http.MethodGet); err != nil {
		return "", err
	}
	q := r.URL.Query()
	if err := v.authenticate("signature", q.Get("signature"), queryStamp(q)); err != nil {
		return "", err
	}
	echo := q.Get("echostr")
	if echo == "" {
		return "", v.reject(ReasonMissingField, "no echostr", nil)
	}
	return echo, nil
}

// Parse verifies, decrypts and parses a POSTed message or event.
//
// With encrypt_type=aes (safe and compatible modes) msg_signature must sign
// the <Encrypt> element, which must decrypt and be sealed for AppID; the
// plaintext fields of a compatible-mode body are ignored, being unsigned.
// Otherwise (plaintext mode) signature signs only the token, timestamp and
// nonce, never the body: the result has ModePlain and its fields are
// claims, and such POSTs are refused when an EncodingAESKey is configured
// unless AllowPlaintext says otherwise.
//
// Errors are *RejectError; nothing is parsed before the body is known to be
// at most MaxBody.
func (v *OA) Parse(r *http.Request) (*Inbound, error) {
	if err := v.requireMethod(r, http.MethodPost); err != nil {
		return nil, err
	}
	body, err := v.readBody(r)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	switch q.Get("encrypt_type") {
	case "aes":
		env, plain, err := v.openBody(q, body)
		if err != nil {
			return nil, err
		}
		mode := ModeSafe
		if env.MsgType != "" {
			mode = ModeCompat
		}
		return v.parse(mode, plain)
	case "", "raw":
		if err := v.authenticate("signature", q.Get("signature"), queryStamp(q)); err != nil {
			return nil, err
		}
		if !v.allowPlaintext {
			return nil, v.reject(ReasonPlaintext, "plaintext POST while an EncodingAESKey is configured", nil)
		}
		return v.parse(ModePlain, body)
	default:
		return nil, v.reject(ReasonDecrypt, "unknown encrypt_type", nil)
	}
}
