package wechatsim

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const customSend = "/cgi-bin/message/custom/send"

func textTo(openid string) map[string]any {
	return map[string]any{"touser": openid, "msgtype": "text", "text": map[string]string{"content": "hi"}}
}

func TestRecording(t *testing.T) {
	t.Parallel()
	s, _ := startClocked(t, Options{})
	tok := oaToken(t, s)
	post(t, s, customSend, tok, textTo("oA"))
	get(t, s, "/cgi-bin/user/info", url.Values{"access_token": {tok}, "openid": {"oUnknown"}})

	calls := s.Calls()
	type summary struct {
		Seq            int
		Method, Path   string
		Status, Errcod int
		Credential     string
	}
	var got []summary
	for _, c := range calls {
		got = append(got, summary{c.Seq, c.Method, c.Path, c.Status, c.Errcode, c.Credential})
	}
	want := []summary{
		{1, "GET", "/cgi-bin/token", 200, 0, ""},
		{2, "POST", customSend, 200, 0, DefaultOAAppID},
		{3, "GET", "/cgi-bin/user/info", 200, 40003, DefaultOAAppID},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("calls = %+v\nwant %+v", got, want)
	}
	send := s.CallsTo(customSend)
	if len(send) != 1 || send[0].AccessToken() != tok || !send[0].Time.Equal(epoch) || !send[0].Done {
		t.Fatalf("CallsTo = %+v", send)
	}
	var body struct {
		ToUser string `json:"touser"`
	}
	if err := send[0].JSON(&body); err != nil || body.ToUser != "oA" {
		t.Errorf("body touser = %q, %v; want oA", body.ToUser, err)
	}
	send[0].Body[0] = 'X' // a copy: the record must not change
	if again, _ := s.LastCall(customSend); again.Body[0] != '{' {
		t.Error("Calls shares memory with the recorder")
	}
	s.ResetCalls()
	if n := len(s.Calls()); n != 0 {
		t.Errorf("after ResetCalls %d calls, want 0", n)
	}
	if _, found := s.LastCall(customSend); found {
		t.Error("LastCall found a call after ResetCalls")
	}
}

func TestRecording_ConcurrentAndLimited(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{RecordLimit: 10})
	tok := oaToken(t, s)
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := http.Post(s.URL()+customSend+"?access_token="+tok, "application/json",
				strings.NewReader(fmt.Sprintf(`{"touser":"o%d","msgtype":"text"}`, i)))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	calls := s.CallsTo(customSend)
	if len(calls) != 10 {
		t.Fatalf("kept %d calls, want the last 10", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Seq <= calls[i-1].Seq {
			t.Errorf("calls out of order: seq %d after %d", calls[i].Seq, calls[i-1].Seq)
		}
	}
	if last := calls[len(calls)-1].Seq; last != n+1 {
		t.Errorf("last seq %d, want %d", last, n+1)
	}
}

func TestScript(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		path       string
		faults     []Fault
		always     *Fault
		wantStatus []int
		wantErr    []int
	}{
		{"TwoHTTP500", customSend, []Fault{{Status: 500}, {Status: 500}}, nil, []int{500, 500, 200}, []int{0, 0, 0}},
		{"Errcode40001", customSend, []Fault{{Errcode: 40001}}, nil, []int{200, 200}, []int{40001, 0}},
		{"ErrcodeWithStatus", customSend, []Fault{{Status: 503, Errcode: -1}}, nil, []int{503, 200}, []int{-1, 0}},
		{"PassThenFail", customSend, []Fault{{}, {Errcode: 45015}}, nil, []int{200, 200, 200}, []int{0, 45015, 0}},
		{"AnyPath", AnyPath, []Fault{{Status: 502}}, nil, []int{502, 200}, []int{0, 0}},
		{"AlwaysAfterScript", customSend, []Fault{{Errcode: 42001}}, &Fault{Errcode: -1}, []int{200, 200, 200}, []int{42001, -1, -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSim(t, Options{})
			tok := oaToken(t, s)
			s.Script(tt.path, tt.faults...)
			if tt.always != nil {
				s.Always(tt.path, *tt.always)
			}
			for i := range tt.wantStatus {
				resp, err := http.Post(s.URL()+customSend+"?access_token="+tok, "application/json", strings.NewReader(`{"touser":"o","msgtype":"text","text":{"content":"hi"}}`))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.wantStatus[i] {
					t.Errorf("call %d: status %d, want %d", i, resp.StatusCode, tt.wantStatus[i])
				}
			}
			var gotErr []int
			for _, c := range s.CallsTo(customSend) {
				gotErr = append(gotErr, c.Errcode)
			}
			if fmt.Sprint(gotErr) != fmt.Sprint(tt.wantErr) {
				t.Errorf("errcodes %v, want %v", gotErr, tt.wantErr)
			}
		})
	}
}

func TestScript_BodyAndClear(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	s.Script("/cgi-bin/gettoken", Fault{Body: `{"errcode":0,"access_tok`})
	resp, err := http.Get(s.URL() + "/cgi-bin/gettoken")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(raw) != `{"errcode":0,"access_tok` {
		t.Errorf("body %q, want the scripted truncation", raw)
	}
	s.Always(AnyPath, Fault{Status: 500})
	s.ClearFaults()
	if r := get(t, s, "/cgi-bin/gettoken", url.Values{"corpid": {DefaultCorpID}, "corpsecret": {DefaultAppSecret}}); r.Status != 200 || r.Errcode != 0 {
		t.Errorf("after ClearFaults: status %d errcode %d, want 200 and 0", r.Status, r.Errcode)
	}
}

func TestFault_Delay(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	tok := oaToken(t, s)

	// A delay the client outwaits answers normally.
	s.Script(customSend, Fault{Delay: time.Millisecond})
	if r := post(t, s, customSend, tok, textTo("o")); r.Errcode != 0 {
		t.Errorf("short delay: errcode %d, want 0", r.Errcode)
	}
	// A delay longer than the client's patience leaves it without answer.
	s.Always(customSend, Fault{Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+customSend+"?access_token="+tok, strings.NewReader("{}"))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("delayed call answered before the client's deadline")
	}
	calls, err := s.WaitCalls(context.Background(), customSend, 2)
	if err != nil {
		t.Fatal(err)
	}
	if c := calls[1]; c.Status != 0 {
		t.Errorf("abandoned call has status %d, want 0", c.Status)
	}
}

func TestFault_HangReleasedByClose(t *testing.T) {
	t.Parallel()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Script("/cgi-bin/kf/sync_msg", Fault{Hang: true})
	errc := make(chan error, 1)
	go func() {
		// No deadline: only Close can end this call.
		resp, err := http.Post(s.URL()+"/cgi-bin/kf/sync_msg", "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.WaitArrived(ctx, "/cgi-bin/kf/sync_msg", 1); err != nil {
		t.Fatal(err)
	}
	if got := s.CallsTo("/cgi-bin/kf/sync_msg"); got[0].Done {
		t.Error("hanging call marked done")
	}
	s.Close() // must not wait for the hanging client
	<-errc
}

func TestFault_HangUntilClientCancels(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	s.Always(customSend, Fault{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL()+customSend, strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if _, err := s.WaitArrived(wait, customSend, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-errc; err == nil {
		t.Error("hung call answered")
	}
	calls, err := s.WaitCalls(wait, customSend, 1)
	if err != nil {
		t.Fatal(err)
	}
	if calls[0].Status != 0 {
		t.Errorf("status %d, want 0 for an abandoned call", calls[0].Status)
	}
}
