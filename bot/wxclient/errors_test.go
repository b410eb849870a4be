package wxclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	netErr := &url.Error{Op: "Get", URL: "https://api.weixin.qq.com/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name             string
		err              error
		retryable, token bool
	}{
		{"Nil", nil, false, false},
		{"SystemBusy", &APIError{Code: -1, Msg: "system error"}, true, false},
		{"InvalidCredential", &APIError{Code: 40001}, false, true},
		{"InvalidToken", &APIError{Code: 40014}, false, true},
		{"TokenExpired", &APIError{Code: 42001}, false, true},
		{"TokenExpired/Wrapped", fmt.Errorf("send: %w", &APIError{Code: 42001}), false, true},
		{"WrongSecret", &APIError{Code: 40001, tokenEndpoint: true}, false, false},
		{"ReplyWindowClosed", &APIError{Code: 45015}, false, false},
		{"QuotaExceeded", &APIError{Code: 45009}, false, false},
		{"InvalidOpenID", &APIError{Code: 40003}, false, false},
		{"HTTP500", &HTTPError{Status: 500}, true, false},
		{"HTTP503/Wrapped", fmt.Errorf("x: %w", &HTTPError{Status: 503}), true, false},
		{"HTTP429", &HTTPError{Status: 429}, true, false},
		{"HTTP404", &HTTPError{Status: 404}, false, false},
		{"Network", netErr, true, false},
		{"ConnReset", fmt.Errorf("read: %w", syscall.ECONNRESET), true, false},
		{"UnexpectedEOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true, false},
		{"Deadline", context.DeadlineExceeded, true, false},
		{"Canceled", context.Canceled, false, false},
		{"Canceled/InURLError", &url.Error{Op: "Get", URL: "u", Err: context.Canceled}, false, false},
		{"Other", errors.New("json: cannot unmarshal"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Retryable(tt.err); got != tt.retryable {
				t.Errorf("Retryable = %v, want %v", got, tt.retryable)
			}
			if got := TokenExpired(tt.err); got != tt.token {
				t.Errorf("TokenExpired = %v, want %v", got, tt.token)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://x/cgi-bin/gettoken?corpid=ww&corpsecret=abc", "https://x/cgi-bin/gettoken?corpid=ww&corpsecret=REDACTED"},
		{"https://x/cgi-bin/token?grant_type=client_credential&appid=wx&secret=abc&x=1", "https://x/cgi-bin/token?grant_type=client_credential&appid=wx&secret=REDACTED&x=1"},
		{`Get "https://x/send?access_token=a.b-c": EOF`, `Get "https://x/send?access_token=REDACTED": EOF`},
		{"https://x/api?component_access_token=abc&ACCESS_TOKEN=def", "https://x/api?component_access_token=REDACTED&ACCESS_TOKEN=REDACTED"},
		{"uri=https://x/a?access_token=abc , statusCode=500", "uri=https://x/a?access_token=REDACTED , statusCode=500"},
		{"https://x/a?openid=o1&secretary=no", "https://x/a?openid=o1&secretary=no"},
		{"no url here", "no url here"},
	}
	for _, tt := range tests {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSecretsStayOutOfErrors makes real calls that fail in each way and
// checks that neither tokens nor secrets reach the error text.
func TestSecretsStayOutOfErrors(t *testing.T) {
	t.Parallel()
	const secret, token = "S3CRET-VALUE", "T0KEN-VALUE"
	f := newFake(t)
	c := f.client(t)

	t.Run("Network", func(t *testing.T) {
		down := newFake(t)
		dc := down.client(t)
		down.srv.Close()
		err := dc.GetJSON(context.Background(), WeCom, "/cgi-bin/gettoken", url.Values{"corpid": {"ww"}, "corpsecret": {secret}}, nil)
		if err == nil {
			t.Fatal("call to a closed server succeeded")
		}
		assertHidden(t, err.Error(), secret)
		if !strings.Contains(err.Error(), "corpsecret="+redacted) || !Retryable(err) {
			t.Errorf("error = %v, want a retryable error with the secret masked", err)
		}
	})
	t.Run("HTTPStatus", func(t *testing.T) {
		err := c.GetJSON(context.Background(), OA, "/cgi-bin/missing", url.Values{"access_token": {token}}, nil)
		assertHidden(t, err.Error(), token)
	})
	t.Run("TokenFetch", func(t *testing.T) {
		f.handleJSON("/oa/cgi-bin/stable_token", map[string]any{"errcode": 40125, "errmsg": "invalid appsecret"})
		p, err := NewAccessTokenProvider(c, Credential{Family: OA, ID: "wx", Secret: secret}, ProviderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Token(context.Background())
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Code != 40125 {
			t.Fatalf("Token error = %v, want errcode 40125", err)
		}
		assertHidden(t, err.Error(), secret)
	})
	t.Run("Credential", func(t *testing.T) {
		cred := Credential{Family: WeCom, ID: "ww", Secret: secret, Name: "kf"}
		var logged strings.Builder
		slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "cred", cred)
		for _, text := range []string{fmt.Sprint(cred), fmt.Sprintf("%+v", cred), fmt.Sprintf("%#v", cred), logged.String()} {
			assertHidden(t, text, secret)
		}
	})
}

func assertHidden(t *testing.T, text, secret string) {
	t.Helper()
	if strings.Contains(text, secret) {
		t.Errorf("%q shows a secret", text)
	}
}
