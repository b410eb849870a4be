package wechatpay

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is WeChat Pay's API host for direct merchants.
const DefaultBaseURL = "https://api.mch.weixin.qq.com"

// MaxResponseBytes bounds an answer's body: WeChat Pay's answers to the
// calls here are a few kilobytes.
const MaxResponseBytes = 256 << 10

// DefaultTimeout bounds one call when the caller's context has no earlier
// deadline.
const DefaultTimeout = 10 * time.Second

// Config configures a Client. Every field but BaseURL, HTTPClient, Timeout
// and Clock is required.
type Config struct {
	// BaseURL is the API host; empty means DefaultBaseURL. A sandbox
	// points it at the simulator. Only the API path is signed, as WeChat
	// Pay sees it: a server mounted under a path prefix must strip it.
	BaseURL string
	// AppID is the app (Official Account) orders are paid under; MchID
	// the merchant.
	AppID, MchID string
	// CertSerial is the serial of the merchant API certificate whose
	// PrivateKey signs requests.
	CertSerial string
	PrivateKey *rsa.PrivateKey
	// APIv3Key decrypts notifications; 32 bytes.
	APIv3Key []byte
	// PublicKeys verify WeChat Pay's answers and notifications, by the
	// serial WeChat Pay names them with: the WeChat Pay public key's id
	// (PUB_KEY_ID_...) and/or platform certificate serials.
	PublicKeys map[string]*rsa.PublicKey
	// HTTPClient sends the calls; nil means a client of its own.
	HTTPClient *http.Client
	// Timeout bounds each call; 0 means DefaultTimeout.
	Timeout time.Duration
	// Clock gives request timestamps and checks answers'; nil means
	// time.Now.
	Clock func() time.Time
}

// Client calls WeChat Pay API v3 for one merchant and app. It is safe for
// concurrent use.
type Client struct {
	cfg      Config
	base     *url.URL
	http     *http.Client
	verifier *Verifier
}

// New checks cfg and returns a Client. The error names what is missing,
// never a key's value.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	base, err := url.Parse(strings.TrimSuffix(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("wechatpay: base URL %q is not an http(s) URL", cfg.BaseURL)
	}
	var missing []string
	for name, empty := range map[string]bool{
		"app id": cfg.AppID == "", "merchant id": cfg.MchID == "", "certificate serial": cfg.CertSerial == "",
		"private key": cfg.PrivateKey == nil, "WeChat Pay public key": len(cfg.PublicKeys) == 0,
	} {
		if empty {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("wechatpay: config lacks %s", strings.Join(missing, ", "))
	}
	if len(cfg.APIv3Key) != APIv3KeySize {
		return nil, fmt.Errorf("wechatpay: APIv3 key has %d bytes, want %d", len(cfg.APIv3Key), APIv3KeySize)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{cfg: cfg, base: base, http: hc, verifier: NewVerifier(cfg.PublicKeys, cfg.Clock)}, nil
}

// Verifier returns the verifier of the client's WeChat Pay keys.
func (c *Client) Verifier() *Verifier { return c.verifier }

// APIError is WeChat Pay's refusal of a call, in a signed answer: the HTTP
// status and WeChat Pay's code (PARAM_ERROR, ORDER_NOT_EXIST, SIGN_ERROR...)
// and message.
type APIError struct {
	Op      string
	Status  int
	Code    string
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechatpay: %s: HTTP %d %s: %s", e.Op, e.Status, e.Code, e.Message)
}

// IsCode reports whether err is an APIError with code.
func IsCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// do sends a signed request and verifies the answer's signature before
// anything of it is believed. out, when not nil, receives a 2xx body.
func (c *Client) do(ctx context.Context, op, method, pathAndQuery string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("wechatpay: %s: %w", op, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+pathAndQuery, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("wechatpay: %s: %w", op, err)
	}
	ts, nonce := strconv.FormatInt(c.cfg.Clock().Unix(), 10), NewNonce()
	sig, err := Sign(c.cfg.PrivateKey, RequestMessage(method, pathAndQuery, ts, nonce, body))
	if err != nil {
		return fmt.Errorf("wechatpay: %s: %w", op, err)
	}
	req.Header.Set("Authorization", Authorization{
		MchID: c.cfg.MchID, NonceStr: nonce, Signature: sig, Timestamp: ts, SerialNo: c.cfg.CertSerial,
	}.String())
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "salon-wechatpay")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("wechatpay: %s: %w", op, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("wechatpay: %s: read answer: %w", op, err)
	}
	if len(answer) > MaxResponseBytes {
		return fmt.Errorf("wechatpay: %s: answer larger than %d bytes", op, MaxResponseBytes)
	}
	if err := c.verifier.Verify(resp.Header, answer); err != nil {
		// An unsigned answer may come from a proxy in between as well
		// as from an attacker: its status is worth reporting, its body
		// is not worth believing.
		return fmt.Errorf("wechatpay: %s: HTTP %d answer refused: %w", op, resp.StatusCode, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var e struct{ Code, Message string }
		_ = json.Unmarshal(answer, &e) // an unreadable error body still is an error
		return &APIError{Op: op, Status: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("wechatpay: %s: decode answer: %w", op, err)
	}
	return nil
}
