package wechatsim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// epoch is an arbitrary fixed start for the tests' clocks.
var epoch = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

func startClocked(t *testing.T, opts Options) (*Server, *clientelingtest.Clock) {
	t.Helper()
	clk := clientelingtest.NewClock(epoch)
	opts.Clock = clk.Now
	return startSim(t, opts), clk
}

// reply is a decoded JSON answer, with the errcode pulled out.
type reply struct {
	Status  int
	Errcode int
	Fields  map[string]any
}

func do(t *testing.T, method, u string, body any) reply {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{Status: resp.StatusCode, Fields: map[string]any{}}
	if err := json.Unmarshal(raw, &r.Fields); err != nil {
		t.Fatalf("%s %s: answer %q is not JSON: %v", method, u, raw, err)
	}
	if ec, ok := r.Fields["errcode"].(float64); ok {
		r.Errcode = int(ec)
	}
	return r
}

func get(t *testing.T, s *Server, path string, q url.Values) reply {
	t.Helper()
	return do(t, http.MethodGet, s.URL()+path+"?"+q.Encode(), nil)
}

func post(t *testing.T, s *Server, path, token string, body any) reply {
	t.Helper()
	return do(t, http.MethodPost, s.URL()+path+"?access_token="+url.QueryEscape(token), body)
}

func oaToken(t *testing.T, s *Server) string {
	t.Helper()
	o := s.Options()
	r := get(t, s, "/cgi-bin/token", url.Values{"grant_type": {"client_credential"}, "appid": {o.OAAppID}, "secret": {o.OASecret}})
	tok, _ := r.Fields["access_token"].(string)
	if tok == "" {
		t.Fatalf("no OA token: %v", r.Fields)
	}
	return tok
}

func wecomToken(t *testing.T, s *Server, secret string) string {
	t.Helper()
	r := get(t, s, "/cgi-bin/gettoken", url.Values{"corpid": {s.Options().CorpID}, "corpsecret": {secret}})
	tok, _ := r.Fields["access_token"].(string)
	if tok == "" {
		t.Fatalf("no WeCom token: %v", r.Fields)
	}
	return tok
}

func userInfo(t *testing.T, s *Server, token, openid string) reply {
	t.Helper()
	return get(t, s, "/cgi-bin/user/info", url.Values{"access_token": {token}, "openid": {openid}, "lang": {"zh_CN"}})
}

func TestNew_ListensOnLoopbackAndCloses(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s.URL())
	if u.Hostname() != "127.0.0.1" {
		t.Errorf("URL = %s, want 127.0.0.1", s.URL())
	}
	s.Close()
	s.Close() // a second Close is harmless
	if _, err := http.Get(s.URL() + "/cgi-bin/token"); err == nil {
		t.Error("server answers after Close")
	}
}

func TestOptions_Defaults(t *testing.T) {
	t.Parallel()
	o := startSim(t, Options{}).Options()
	if o.OAAppID != DefaultOAAppID || o.CorpID != DefaultCorpID || o.AgentID != DefaultAgentID ||
		o.PayKey != DefaultPayKey || o.TokenTTL != 7200*time.Second || len(o.CorpSecrets) != 3 {
		t.Errorf("defaults = %+v", o)
	}
	if len(DefaultPayKey) != 32 || len(DefaultOAAppID) != 18 || len(DefaultCorpID) != 18 {
		t.Error("default credentials do not have WeChat's shapes")
	}
}

func TestRewriteAndTransport(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	tests := []struct{ in, want string }{
		{"https://api.weixin.qq.com/cgi-bin/token?appid=x", s.URL() + "/cgi-bin/token?appid=x"},
		{"https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=y", s.URL() + "/cgi-bin/gettoken?corpid=y"},
		{"https://api.mch.weixin.qq.com/pay/unifiedorder", s.URL() + "/pay/unifiedorder"},
		{"https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=T", s.URL() + "/cgi-bin/showqrcode?ticket=T"},
		{"https://example.com/x", "https://example.com/x"},
	}
	for _, tt := range tests {
		if got := s.Rewrite(tt.in); got != tt.want {
			t.Errorf("Rewrite(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
	c := &http.Client{Transport: s.Transport(nil)}
	resp, err := c.Get("https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=" + s.Options().CorpID + "&corpsecret=" + DefaultKfSecret)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if n := s.TokensIssuedFor(DefaultKfSecret); n != 1 {
		t.Errorf("token fetched through Transport: issued %d, want 1", n)
	}
}

func TestWaitCalls(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Post(s.URL()+"/cgi-bin/message/custom/send", "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	calls, err := s.WaitCalls(ctx, "/cgi-bin/message/custom/send", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !calls[0].Done || calls[0].Errcode != 41001 {
		t.Errorf("call = %+v, want done with errcode 41001", calls[0])
	}
	<-done

	short, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := s.WaitCalls(short, "/cgi-bin/message/custom/send", 2); err == nil {
		t.Error("WaitCalls for a call never made returned no error")
	}
}
