package wxclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"syscall"
)

// APIError is an answer of WeChat's that carried a non-zero errcode. The
// code is kept as WeChat sent it, so callers can branch on it (45015: the
// 48-hour reply window is closed; 43004: the user unsubscribed; ...).
type APIError struct {
	// Code is WeChat's errcode, never 0.
	Code int
	// Msg is WeChat's errmsg, which usually ends in a request id ("rid: ...")
	// worth quoting to WeChat's support.
	Msg string
	// Op names the call that failed, usually its path without the leading
	// slash, e.g. "cgi-bin/message/custom/send".
	Op string

	// tokenEndpoint marks an answer of the token endpoint itself, where
	// 40001 means a wrong secret rather than a stale token.
	tokenEndpoint bool
}

// Error returns "wxclient: OP: errcode CODE: MSG".
func (e *APIError) Error() string {
	return fmt.Sprintf("wxclient: %s: errcode %d: %s", e.Op, e.Code, redact(e.Msg))
}

// HTTPError is an answer whose HTTP status was not 2xx; WeChat itself
// answers 200 even for errors, so this usually comes from a proxy or an
// outage.
type HTTPError struct {
	// Op names the call that failed.
	Op string
	// Status is the HTTP status code.
	Status int
}

// Error returns "wxclient: OP: http status STATUS".
func (e *HTTPError) Error() string {
	return fmt.Sprintf("wxclient: %s: http status %d", e.Op, e.Status)
}

// errcodeSystemBusy is WeChat's "system busy, try again later".
const errcodeSystemBusy = -1

// tokenErrcodes are the errcodes that mean "this access token is no longer
// good": 40001 invalid credential, 40014 invalid access_token, 42001
// access_token expired.
var tokenErrcodes = map[int]bool{40001: true, 40014: true, 42001: true}

// Retryable reports whether the same call may succeed if made again later
// unchanged: network failures and timeouts, HTTP 5xx and 429, and errcode -1
// (system busy). A context cancelled by the caller is not retryable; every
// other error is final.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code == errcodeSystemBusy
	}
	var httpErr *HTTPError
	if errors.As(err, &httpErr) {
		return httpErr.Status >= 500 || httpErr.Status == 429
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED)
}

// TokenExpired reports whether err says the access token used was invalid or
// expired (errcode 40001, 40014 or 42001), so that invalidating it and
// trying once more with a fresh one may succeed. Errors of the token
// endpoint itself never count: there 40001 means a wrong secret, and
// fetching again would fail the same way.
func TokenExpired(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return tokenErrcodes[apiErr.Code] && !apiErr.tokenEndpoint
}

// secretParam matches the value of any query parameter that grants access:
// access_token (and its *_access_token kin), secret, corpsecret, appsecret.
var secretParam = regexp.MustCompile(`(?i)([?&;][a-z_]*(?:access_token|secret)=)[^&#\s"']*`)

const redacted = "REDACTED"

// redact masks secret query values wherever a URL appears in s.
func redact(s string) string {
	return secretParam.ReplaceAllString(s, "${1}"+redacted)
}

// redactURLError masks the URL inside the *url.Error net/http returns, which
// would otherwise print the access token; the error keeps its type so
// Retryable still sees a net.Error.
func redactURLError(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		urlErr.URL = redact(urlErr.URL)
	}
	return err
}
