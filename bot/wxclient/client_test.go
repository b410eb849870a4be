package wxclient

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
		wantOA  string
	}{
		{name: "OK/Defaults", wantOA: "https://api.weixin.qq.com"},
		{name: "OK/TrailingSlash", cfg: Config{OABase: "http://127.0.0.1:9000/fake/"}, wantOA: "http://127.0.0.1:9000/fake"},
		{name: "ErrScheme", cfg: Config{OABase: "ftp://example.com"}, wantErr: "oa API base"},
		{name: "ErrNoHost", cfg: Config{WeComBase: "http://"}, wantErr: "wecom API base"},
		{name: "ErrQuery", cfg: Config{PayBase: "https://example.com/?a=1"}, wantErr: "pay API base"},
		{name: "ErrNotURL", cfg: Config{OABase: "://x"}, wantErr: "oa API base"},
		{name: "ErrNegativeTimeout", cfg: Config{Timeout: -time.Second}, wantErr: "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New error = %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := c.Base(OA); got != tt.wantOA {
				t.Errorf("Base(OA) = %q, want %q", got, tt.wantOA)
			}
		})
	}
}

func TestNewTimeouts(t *testing.T) {
	t.Parallel()
	c, err := New(Config{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tr := c.HTTPClient().Transport.(*http.Transport)
	if got, want := c.HTTPClient().Timeout, time.Second; got != want {
		t.Errorf("Timeout = %v, want %v", got, want)
	}
	// No phase may outlast the whole request.
	if got, want := tr.TLSHandshakeTimeout, time.Second; got != want {
		t.Errorf("TLSHandshakeTimeout = %v, want %v", got, want)
	}
	if got, want := tr.ResponseHeaderTimeout, time.Second; got != want {
		t.Errorf("ResponseHeaderTimeout = %v, want %v", got, want)
	}

	c, err = New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.HTTPClient().Timeout, DefaultTimeout; got != want {
		t.Errorf("default Timeout = %v, want %v", got, want)
	}
}

func TestRewrite(t *testing.T) {
	t.Parallel()
	c, err := New(Config{
		OABase:    "http://127.0.0.1:1/oa",
		WeComBase: "http://127.0.0.1:2",
		PayBase:   "https://pay-proxy.internal/mch/",
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want string
	}{
		{"https://api.weixin.qq.com/cgi-bin/stable_token", "http://127.0.0.1:1/oa/cgi-bin/stable_token"},
		{"https://api.weixin.qq.com/cgi-bin/token?grant_type=client_credential&appid=a&secret=s", "http://127.0.0.1:1/oa/cgi-bin/token?grant_type=client_credential&appid=a&secret=s"},
		{"https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=c&corpsecret=s", "http://127.0.0.1:2/cgi-bin/gettoken?corpid=c&corpsecret=s"},
		{"https://qyapi.weixin.qq.com/cgi-bin/kf/send_msg?access_token=%2B%2F", "http://127.0.0.1:2/cgi-bin/kf/send_msg?access_token=%2B%2F"},
		{"https://api.mch.weixin.qq.com/pay/unifiedorder", "https://pay-proxy.internal/mch/pay/unifiedorder"},
		{"https://api.weixin.qq.com", "http://127.0.0.1:1/oa"},
		{"https://api.weixin.qq.com?x=1", "http://127.0.0.1:1/oa?x=1"},
		// Not WeChat's API hosts: left alone.
		{"https://api.weixin.qq.com.example.com/cgi-bin/token", "https://api.weixin.qq.com.example.com/cgi-bin/token"},
		{"https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=t", "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=t"},
		{"http://api.weixin.qq.com/cgi-bin/token", "http://api.weixin.qq.com/cgi-bin/token"},
	}
	for _, tt := range tests {
		if got := c.Rewrite(tt.in); got != tt.want {
			t.Errorf("Rewrite(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGetJSON(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client(t)
	f.handleJSON("/wecom/cgi-bin/user/get", map[string]any{"errcode": 0, "errmsg": "ok", "name": "Amy"})
	f.handleJSON("/wecom/cgi-bin/user/list", map[string]any{"userlist": []string{}})
	f.handleJSON("/oa/cgi-bin/user/info", map[string]any{"errcode": 40003, "errmsg": "invalid openid rid: 1"})
	f.handle("/oa/cgi-bin/busy", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	f.handle("/oa/cgi-bin/html", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>")) })

	t.Run("OK", func(t *testing.T) {
		var got struct{ Name string }
		if err := c.GetJSON(context.Background(), WeCom, "/cgi-bin/user/get", url.Values{"userid": {"amy"}}, &got); err != nil {
			t.Fatalf("GetJSON: %v", err)
		}
		if got.Name != "Amy" {
			t.Errorf("Name = %q, want Amy", got.Name)
		}
		if q := f.requests("/wecom/cgi-bin/user/get")[0].Query.Get("userid"); q != "amy" {
			t.Errorf("userid = %q, want amy", q)
		}
	})
	t.Run("OK/NoErrcode", func(t *testing.T) {
		if err := c.GetJSON(context.Background(), WeCom, "cgi-bin/user/list", nil, nil); err != nil {
			t.Fatalf("GetJSON: %v", err)
		}
	})
	t.Run("ErrAPI", func(t *testing.T) {
		err := c.GetJSON(context.Background(), OA, "/cgi-bin/user/info", nil, nil)
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("error = %v, want *APIError", err)
		}
		want := APIError{Code: 40003, Msg: "invalid openid rid: 1", Op: "cgi-bin/user/info"}
		if *apiErr != want {
			t.Errorf("error = %+v, want %+v", *apiErr, want)
		}
	})
	t.Run("ErrHTTPStatus", func(t *testing.T) {
		err := c.GetJSON(context.Background(), OA, "/cgi-bin/busy", nil, nil)
		var httpErr *HTTPError
		if !errors.As(err, &httpErr) || httpErr.Status != http.StatusBadGateway {
			t.Fatalf("error = %v, want *HTTPError 502", err)
		}
		if !Retryable(err) {
			t.Error("Retryable(502) = false, want true")
		}
	})
	t.Run("ErrNotJSON", func(t *testing.T) {
		err := c.GetJSON(context.Background(), OA, "/cgi-bin/html", nil, nil)
		if err == nil || !strings.Contains(err.Error(), "decode response") {
			t.Fatalf("error = %v, want a decode error", err)
		}
	})
	t.Run("ErrFamily", func(t *testing.T) {
		if err := c.GetJSON(context.Background(), Family(9), "/x", nil, nil); err == nil {
			t.Fatal("GetJSON with an unknown family succeeded")
		}
	})
}

func TestPostJSON(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c := f.client(t)
	f.handleJSON("/wecom/cgi-bin/kf/send_msg", map[string]any{"errcode": 0, "errmsg": "ok", "msgid": "m1"})

	in := map[string]any{"touser": "wm1", "text": map[string]string{"content": "<Rendez-vous> & café"}}
	var out struct {
		MsgID string `json:"msgid"`
	}
	if err := c.PostJSON(context.Background(), WeCom, "/cgi-bin/kf/send_msg", url.Values{"access_token": {"T"}}, in, &out); err != nil {
		t.Fatalf("PostJSON: %v", err)
	}
	if out.MsgID != "m1" {
		t.Errorf("msgid = %q, want m1", out.MsgID)
	}
	req := f.requests("/wecom/cgi-bin/kf/send_msg")[0]
	if got, want := req.Method, http.MethodPost; got != want {
		t.Errorf("method = %s, want %s", got, want)
	}
	if got := req.Header.Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type = %q, want application/json", got)
	}
	if !strings.Contains(req.Body, "<Rendez-vous> & café") {
		t.Errorf("body = %s, want the text unescaped", req.Body)
	}
}

// TestTimeout shows that a server that never answers fails the call with a
// timeout.
func TestTimeout(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("/oa/cgi-bin/hang", hang(t))
	cfg := f.config()
	cfg.Timeout = 200 * time.Millisecond
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}

	assertTimeout := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("call to a hanging server succeeded")
		}
		var netErr net.Error
		if !errors.As(err, &netErr) || !netErr.Timeout() {
			t.Fatalf("error = %v, want a net.Error with Timeout() true", err)
		}
	}
	t.Run("GetJSON", func(t *testing.T) {
		err := c.GetJSON(context.Background(), OA, "/cgi-bin/hang", nil, nil)
		assertTimeout(t, err)
		if !Retryable(err) {
			t.Errorf("Retryable(%v) = false, want true", err)
		}
	})
	t.Run("ResponseHeader", func(t *testing.T) {
		// A client that copies only the transport (as for a TLS client
		// certificate) is still bounded by the response header timeout.
		hc := &http.Client{Transport: c.HTTPClient().Transport}
		_, err := hc.Get(f.srv.URL + "/oa/cgi-bin/hang")
		if err == nil || !strings.Contains(err.Error(), "timeout awaiting response headers") {
			t.Fatalf("error = %v, want a response header timeout", err)
		}
	})
}
