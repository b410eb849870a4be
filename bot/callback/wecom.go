package callback

import (
	"net/http"
	"time"
)

// WeComConfig is a WeCom callback's settings, as entered in the admin
// console for the self-built app (接收消息 → API接收) or for 微信客服.
type WeComConfig struct {
	// CorpID is the enterprise's id, the receiver id sealed into every
	// ciphertext. Required.
	CorpID string
	// Token is the callback token. Required.
	Token string
	// EncodingAESKey is the 43-character message key. Required: WeCom
	// callbacks are always encrypted.
	EncodingAESKey string
	// Now is the clock timestamps are judged by; nil means time.Now.
	Now func() time.Time
}

// newWeCom checks cfg for either WeCom endpoint.
func newWeCom(ep Endpoint, cfg WeComConfig) (core, error) {
	// The key is required, and with it the CorpID it is checked against.
	return newCore(ep, "CorpID", cfg.CorpID, cfg.Token, cfg.EncodingAESKey, true, cfg.Now)
}

// wecomURLCheck verifies msg_signature over token, timestamp, nonce and
// echostr, and returns the echostr decrypted: WeCom, unlike the Official
// Account platform, wants the plaintext back.
func (c *core) wecomURLCheck(r *http.Request) (string, error) {
	if err := c.requireMethod(r, http.MethodGet); err != nil {
		return "", err
	}
	q := r.URL.Query()
	echo := echoCiphertext(q)
	if echo == "" {
		return "", c.reject(ReasonMissingField, "no echostr", nil)
	}
	if err := c.authenticate("msg_signature", q.Get("msg_signature"), queryStamp(q), echo); err != nil {
		return "", err
	}
	plain, err := c.open(echo)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

// wecomParse verifies, decrypts and parses a WeCom POST.
func (c *core) wecomParse(r *http.Request) (*Inbound, error) {
	if err := c.requireMethod(r, http.MethodPost); err != nil {
		return nil, err
	}
	body, err := c.readBody(r)
	if err != nil {
		return nil, err
	}
	_, plain, err := c.openBody(r.URL.Query(), body)
	if err != nil {
		return nil, err
	}
	return c.parse(ModeSafe, plain)
}

// WeComApp verifies and parses the callbacks of /wecom/app: associates'
// messages and menu events in the self-built app, and the customer-contact
// events (change_external_contact) WeCom delivers to the same URL. It is
// safe for concurrent use.
type WeComApp struct {
	core
}

// NewWeComApp checks cfg and returns the app's verifier. A missing CorpID
// or Token, or a malformed EncodingAESKey, is an EINVALID
// *clienteling.Error naming the field.
func NewWeComApp(cfg WeComConfig) (*WeComApp, error) {
	c, err := newWeCom(EndpointWeComApp, cfg)
	if err != nil {
		return nil, err
	}
	return &WeComApp{core: c}, nil
}

// Endpoint returns EndpointWeComApp.
func (v *WeComApp) Endpoint() Endpoint { return EndpointWeComApp }

// URLCheck verifies the GET WeCom sends when the callback URL is saved and
// returns the decrypted echostr, which the handler must write back verbatim
// with status 200. Errors are *RejectError.
func (v *WeComApp) URLCheck(r *http.Request) (string, error) { return v.wecomURLCheck(r) }

// Parse verifies msg_signature over the <Encrypt> element, decrypts it,
// checks it was sealed for CorpID, and parses the message. An associate's
// message or event sets Associate; a change_external_contact event sets
// ExternalUserID (required, with UserID, for the change types Salon acts
// on) and the associate in UserID. MsgId may be a number or not. Errors are
// *RejectError.
func (v *WeComApp) Parse(r *http.Request) (*Inbound, error) { return v.wecomParse(r) }

// KF verifies and parses the callbacks of /wecom/kf (微信客服). Those carry
// no message: a kf_msg_or_event says that messages wait for an account
// (OpenKfID) and hands over a token for kf/sync_msg, which pulls them.
// silenceper's kf callback parser does not check msg_signature; this does.
// It is safe for concurrent use.
type KF struct {
	core
}

// NewKF checks cfg and returns the customer-service verifier. A missing
// CorpID or Token, or a malformed EncodingAESKey, is an EINVALID
// *clienteling.Error naming the field.
func NewKF(cfg WeComConfig) (*KF, error) {
	c, err := newWeCom(EndpointKF, cfg)
	if err != nil {
		return nil, err
	}
	return &KF{core: c}, nil
}

// Endpoint returns EndpointKF.
func (v *KF) Endpoint() Endpoint { return EndpointKF }

// URLCheck verifies the GET WeCom sends when the callback URL is saved and
// returns the decrypted echostr, which the handler must write back verbatim
// with status 200. Errors are *RejectError.
func (v *KF) URLCheck(r *http.Request) (string, error) { return v.wecomURLCheck(r) }

// Parse verifies msg_signature, decrypts and parses a 微信客服 callback. A
// kf_msg_or_event must carry Token and OpenKfId (set as KfToken and
// OpenKfID); no FromUserName is expected. 微信客服 takes no passive reply:
// answer NoReply, then pull and answer through the kf APIs. Errors are
// *RejectError.
func (v *KF) Parse(r *http.Request) (*Inbound, error) { return v.wecomParse(r) }

// Verifier is what the three endpoints have in common, so that one HTTP
// handler can serve each of them: GET is URLCheck, POST is Parse.
type Verifier interface {
	// Endpoint names the endpoint, for metrics and logs.
	Endpoint() Endpoint
	// URLCheck verifies a GET URL check and returns the body to answer.
	URLCheck(r *http.Request) (string, error)
	// Parse verifies, decrypts and parses a POSTed callback.
	Parse(r *http.Request) (*Inbound, error)
}

var (
	_ Verifier = (*OA)(nil)
	_ Verifier = (*WeComApp)(nil)
	_ Verifier = (*KF)(nil)
)
