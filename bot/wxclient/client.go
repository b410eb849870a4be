package wxclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Family names one of WeChat's three API hosts. Every outbound call belongs
// to exactly one family, and each family can be redirected to its own base.
type Family uint8

// The three API families Salon talks to.
const (
	// OA is the Official Account API, https://api.weixin.qq.com.
	OA Family = iota + 1
	// WeCom is the WeCom (企业微信) API, https://qyapi.weixin.qq.com, which
	// also serves customer contact and customer service (微信客服).
	WeCom
	// Pay is the WeChat Pay API, https://api.mch.weixin.qq.com.
	Pay
)

var families = [...]Family{OA, WeCom, Pay}

// String returns the family's short lowercase name: "oa", "wecom" or "pay".
func (f Family) String() string {
	switch f {
	case OA:
		return "oa"
	case WeCom:
		return "wecom"
	case Pay:
		return "pay"
	}
	return fmt.Sprintf("family(%d)", uint8(f))
}

// ProductionBase returns the base URL WeChat itself serves family f from, or
// "" for an unknown family.
func (f Family) ProductionBase() string {
	switch f {
	case OA:
		return "https://api.weixin.qq.com"
	case WeCom:
		return "https://qyapi.weixin.qq.com"
	case Pay:
		return "https://api.mch.weixin.qq.com"
	}
	return ""
}

// Default timeouts. WeChat answers in well under a second when healthy; five
// seconds overall keeps a stuck upstream from holding webhook-side work, and
// the per-phase limits make a dead host fail before the overall one.
const (
	DefaultTimeout               = 5 * time.Second
	DefaultDialTimeout           = 2 * time.Second
	DefaultTLSHandshakeTimeout   = 3 * time.Second
	DefaultResponseHeaderTimeout = 5 * time.Second
)

// maxResponseBytes bounds what one API answer may occupy in memory; WeChat's
// JSON answers are a few KiB, sync_msg pages at most a few hundred.
const maxResponseBytes = 8 << 20

// Config says where each API family lives and how long a call may take.
// The zero Config talks to WeChat's production hosts with default timeouts.
type Config struct {
	// OABase, WeComBase and PayBase replace the production base of their
	// family (scheme, host and an optional path prefix, no query); empty
	// means the production base.
	OABase    string
	WeComBase string
	PayBase   string

	// Timeout bounds a whole request, from dialling to the last body byte;
	// zero means DefaultTimeout.
	Timeout time.Duration
	// DialTimeout, TLSHandshakeTimeout and ResponseHeaderTimeout bound one
	// phase each; zero means the matching default, and none exceeds Timeout.
	DialTimeout           time.Duration
	TLSHandshakeTimeout   time.Duration
	ResponseHeaderTimeout time.Duration
}

// Client is Salon's one HTTP path to WeChat: a timeout-bound *http.Client
// plus the base URL of each family. It is safe for concurrent use.
type Client struct {
	http  *http.Client
	bases [len(families) + 1]string // indexed by Family; no trailing slash
}

// New validates cfg and returns a Client for it.
func New(cfg Config) (*Client, error) {
	c := &Client{}
	for _, f := range families {
		raw := cfg.base(f)
		if raw == "" {
			raw = f.ProductionBase()
		}
		base, err := parseBase(raw)
		if err != nil {
			return nil, fmt.Errorf("wxclient: %s API base %q: %w", f, raw, err)
		}
		c.bases[f] = base
	}
	if cfg.Timeout < 0 || cfg.DialTimeout < 0 || cfg.TLSHandshakeTimeout < 0 || cfg.ResponseHeaderTimeout < 0 {
		return nil, errors.New("wxclient: timeouts must not be negative")
	}
	overall := orDefault(cfg.Timeout, DefaultTimeout)
	dialer := &net.Dialer{
		Timeout:   min(orDefault(cfg.DialTimeout, DefaultDialTimeout), overall),
		KeepAlive: 30 * time.Second,
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   min(orDefault(cfg.TLSHandshakeTimeout, DefaultTLSHandshakeTimeout), overall),
		ResponseHeaderTimeout: min(orDefault(cfg.ResponseHeaderTimeout, DefaultResponseHeaderTimeout), overall),
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   16,
	}
	c.http = &http.Client{Transport: transport, Timeout: overall}
	return c, nil
}

// HTTPClient returns the timeout-bound client every call goes through, for
// the rare caller that must speak something other than JSON.
func (c *Client) HTTPClient() *http.Client { return c.http }

// Base returns the base URL family f is sent to, without a trailing slash,
// or "" for an unknown family.
func (c *Client) Base(f Family) string {
	if f < OA || f > Pay {
		return ""
	}
	return c.bases[f]
}

// Rewrite maps a URL on one of WeChat's production hosts to the configured
// base of its family, keeping path and query byte for byte. Any other URL,
// such as a link meant for a browser, comes back unchanged.
func (c *Client) Rewrite(uri string) string {
	for _, f := range families {
		prod := f.ProductionBase()
		if !strings.HasPrefix(uri, prod) {
			continue
		}
		rest := uri[len(prod):]
		// "https://api.weixin.qq.com.evil" shares the prefix but not the host.
		if rest != "" && !strings.ContainsRune("/?#", rune(rest[0])) {
			continue
		}
		return c.bases[f] + rest
	}
	return uri
}

// URL returns the address of path (which starts with "/") in family f with
// query appended; it is what GetJSON and PostJSON request.
func (c *Client) URL(f Family, path string, query url.Values) (string, error) {
	base := c.Base(f)
	if base == "" {
		return "", fmt.Errorf("wxclient: unknown API family %d", uint8(f))
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u, nil
}

// GetJSON requests path in family f with query and decodes the JSON answer
// into out (which may be nil). A non-zero errcode comes back as *APIError
// and out is left alone; a non-2xx status as *HTTPError; anything else that
// fails is wrapped with the operation name. Secrets in the URL never reach
// the error text.
func (c *Client) GetJSON(ctx context.Context, f Family, path string, query url.Values, out any) error {
	return c.do(ctx, http.MethodGet, f, path, query, nil, out)
}

// PostJSON posts in, encoded as JSON without HTML escaping (WeChat shows
// \u0026 literally in some fields), and handles the answer as GetJSON does.
func (c *Client) PostJSON(ctx context.Context, f Family, path string, query url.Values, in, out any) error {
	if in == nil {
		in = struct{}{}
	}
	return c.do(ctx, http.MethodPost, f, path, query, in, out)
}

// envelope is the part every WeChat JSON answer may carry. A pointer tells
// an absent errcode from errcode 0.
type envelope struct {
	ErrCode *int   `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// PostFile uploads content as the file filename in the multipart/form-data
// field field, as WeChat's media uploads take it, and handles the answer
// as GetJSON does.
func (c *Client) PostFile(ctx context.Context, f Family, path string, query url.Values, field, filename string, content []byte, out any) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile(field, filename)
	if err == nil {
		_, err = part.Write(content)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return fmt.Errorf("wxclient: %s: encode file: %w", strings.TrimPrefix(path, "/"), err)
	}
	return c.send(ctx, http.MethodPost, f, path, query, &buf, mw.FormDataContentType(), out)
}

func (c *Client) do(ctx context.Context, method string, f Family, path string, query url.Values, in, out any) error {
	if in == nil {
		return c.send(ctx, method, f, path, query, nil, "", out)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(in); err != nil {
		return fmt.Errorf("wxclient: %s: encode request: %w", strings.TrimPrefix(path, "/"), err)
	}
	return c.send(ctx, method, f, path, query, &buf, "application/json; charset=utf-8", out)
}

// send makes the request with body, of contentType, and decodes the answer.
func (c *Client) send(ctx context.Context, method string, f Family, path string, query url.Values, body io.Reader, contentType string, out any) error {
	op := strings.TrimPrefix(path, "/")
	u, err := c.URL(f, path, query)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("wxclient: %s: %s", op, redact(err.Error()))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")

	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("wxclient: %s: %w", op, redactURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return fmt.Errorf("wxclient: %s: read response: %w", op, redactURLError(err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &HTTPError{Op: op, Status: resp.StatusCode}
	}
	if len(data) > maxResponseBytes {
		return fmt.Errorf("wxclient: %s: response larger than %d bytes", op, maxResponseBytes)
	}
	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("wxclient: %s: decode response: %w", op, err)
	}
	if env.ErrCode != nil && *env.ErrCode != 0 {
		return &APIError{Code: *env.ErrCode, Msg: env.ErrMsg, Op: op}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("wxclient: %s: decode response: %w", op, err)
	}
	return nil
}

func (cfg Config) base(f Family) string {
	switch f {
	case OA:
		return cfg.OABase
	case WeCom:
		return cfg.WeComBase
	case Pay:
		return cfg.PayBase
	}
	return ""
}

// parseBase checks that raw can prefix a path and returns it without a
// trailing slash, so that base+"/cgi-bin/token" never doubles the slash.
func parseBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", errors.New("scheme must be http or https")
	}
	if u.Host == "" {
		return "", errors.New("host is missing")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("must not carry a query, fragment or user info")
	}
	return strings.TrimRight(raw, "/"), nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
