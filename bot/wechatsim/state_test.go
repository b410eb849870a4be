package wechatsim

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keptSim starts a simulator that keeps its sends in path.
func keptSim(t *testing.T, path string, limit int) *Server {
	t.Helper()
	s := startSim(t, Options{})
	if err := s.keep(path, limit, func(err error) { t.Errorf("keep: %v", err) }); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKeepSurvivesRestart checks that what the users were sent, and the
// template reports pushed, are shown again by a simulator started on the
// same file, and that the file holds no access token.
func TestKeepSurvivesRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.jsonl")
	s := keptSim(t, path, DefaultKeepLimit)
	rc := startReceiver(t)
	s.SetOACallback(rc.callback())
	s.SetOAUser(OAUser{OpenID: "oBlocked", Subscribe: true, TemplateStatus: TemplateUserBlock})
	tok := oaToken(t, s)
	post(t, s, customSend, tok, textTo("oVIP"))
	post(t, s, customSend, tok, textTo("")) // refused: kept with its errcode
	post(t, s, "/cgi-bin/message/template/send", tok, templateTo("oBlocked"))
	waitPushes(t, s, 1)
	before, pushes := s.CallsTo(customSend), s.Pushes()
	template, _ := s.LastCall("/cgi-bin/message/template/send")
	s.Close()

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(tok)) {
		t.Fatal("the kept file holds the access token")
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("the kept file's mode is %v, want 0600", info.Mode().Perm())
	}

	again := keptSim(t, path, DefaultKeepLimit)
	after := again.CallsTo(customSend)
	if len(after) != 2 {
		t.Fatalf("after a restart: %d sends, want 2", len(after))
	}
	for i, c := range after {
		b := before[i]
		if c.Seq != b.Seq || !c.Time.Equal(b.Time) || c.Status != b.Status || c.Errcode != b.Errcode || !c.Done || !bytes.Equal(compact(c.Body), compact(b.Body)) {
			t.Errorf("send %d after a restart: %+v, want %+v", i, c, b)
		}
	}
	if after[1].Errcode != 40003 {
		t.Errorf("the refused send kept errcode %d, want 40003", after[1].Errcode)
	}
	got := again.Pushes()
	if len(got) != 1 || got[0].Status != TemplateUserBlock || got[0].Call != template.Seq || got[0].Seq != pushes[0].Seq {
		t.Fatalf("pushes after a restart: %+v, want %+v", got, pushes)
	}
	// New calls number on from the old ones.
	post(t, again, customSend, oaToken(t, again), textTo("oVIP"))
	if last, _ := again.LastCall(customSend); last.Seq <= got[0].Seq {
		t.Fatalf("a new call got Seq %d, not after the kept %d", last.Seq, got[0].Seq)
	}
}

// TestKeepDropsTornLines checks that lines a crash cut short, or that are
// not records, are dropped on loading, and that appending goes on cleanly
// after a last line without its newline.
func TestKeepDropsTornLines(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.jsonl")
	good := `{"call":{"seq":3,"time":"2026-05-18T10:00:00Z","path":"/cgi-bin/message/custom/send","body":{"touser":"oVIP","msgtype":"text","text":{"content":"hi"}},"status":200}}`
	content := strings.Join([]string{
		good,
		`not json`,
		`{"call":{"seq":4,"time":"2026-05-18T10:00:00Z","path":"/cgi-bin/token","status":200}}`, // not a send
		`{"push":{"seq":0,"time":"2026-05-18T10:00:00Z","event":"SCAN"}}`,                       // no seq
		`{"push":{"seq":5,"time":"2026-05-18T10:00:01Z","openid":"oVIP","event":"SCAN","answer":200}}`,
		`{"call":{"seq":6,"time":"2026-05-18T10:00:02Z","pa`, // cut short, no newline
	}, "\n")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	s := keptSim(t, path, DefaultKeepLimit)
	if calls, pushes := s.CallsTo(customSend), s.Pushes(); len(calls) != 1 || calls[0].Seq != 3 || len(pushes) != 1 || pushes[0].Seq != 5 {
		t.Fatalf("loaded calls %+v and pushes %+v, want seq 3 and seq 5", calls, pushes)
	}
	post(t, s, customSend, oaToken(t, s), textTo("oVIP"))
	s.Close()
	lines := readLines(t, path)
	if len(lines) != 3 || lines[0] != good {
		t.Fatalf("the file holds %q, want the two good lines and the new send", lines)
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Fatalf("line %q is not JSON", l)
		}
	}
}

// TestKeepRewritesAtLimit checks that the file stays bounded: it is
// rewritten with the newest records when it holds twice the limit.
func TestKeepRewritesAtLimit(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.jsonl")
	s := keptSim(t, path, 3)
	tok := oaToken(t, s)
	for range 10 {
		post(t, s, customSend, tok, textTo("oVIP"))
	}
	last, _ := s.LastCall(customSend)
	s.Close()
	if n := len(readLines(t, path)); n > 6 {
		t.Fatalf("the file holds %d lines, want at most twice the limit of 3", n)
	}
	again := keptSim(t, path, 3)
	calls := again.CallsTo(customSend)
	if len(calls) != 3 || calls[2].Seq != last.Seq {
		t.Fatalf("after a restart: %d sends ending at %d, want the newest 3 ending at %d", len(calls), calls[len(calls)-1].Seq, last.Seq)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
}

// FuzzReadState checks that no file content makes the loader fail or
// panic, and that what it returns is only whole, sensible records.
func FuzzReadState(f *testing.F) {
	f.Add([]byte(`{"call":{"seq":1,"time":"2026-05-18T10:00:00Z","path":"/cgi-bin/message/custom/send","body":{"touser":"o"},"status":200}}` + "\n"))
	f.Add([]byte(`{"push":{"seq":2,"time":"2026-05-18T10:00:00Z","openid":"o","event":"TEMPLATESENDJOBFINISH","status":"success","call":1,"answer":200}}`))
	f.Add([]byte("\n\n{\"call\":null,\"push\":null}\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		calls, pushes, err := readState(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("readState: %v", err)
		}
		for i, c := range calls {
			if c.Seq <= 0 || !keptPaths[c.Path] || c.Time.IsZero() || (i > 0 && c.Seq < calls[i-1].Seq) {
				t.Fatalf("call %+v is not a sensible record in order", c)
			}
		}
		for i, p := range pushes {
			if p.Seq <= 0 || p.Event == "" || p.Time.IsZero() || (i > 0 && p.Seq < pushes[i-1].Seq) {
				t.Fatalf("push %+v is not a sensible record in order", p)
			}
		}
	})
}

// TestForget checks that what was sent to an erased user leaves the record
// and the kept file, and nothing else does.
func TestForget(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sim.jsonl")
	s := keptSim(t, path, DefaultKeepLimit)
	rc := startReceiver(t)
	s.SetOACallback(rc.callback())
	tok := oaToken(t, s)
	post(t, s, customSend, tok, textTo("oErased"))
	post(t, s, customSend, tok, textTo("oKept"))
	post(t, s, "/cgi-bin/message/template/send", tok, templateTo("oErased"))
	waitPushes(t, s, 1)
	if err := s.Forget(func(user string) bool { return user == "oErased" }); err != nil {
		t.Fatal(err)
	}
	check := func(s *Server) {
		t.Helper()
		sends := s.CallsTo(customSend)
		if len(sends) != 1 || !bytes.Contains(sends[0].Body, []byte("oKept")) || len(s.CallsTo("/cgi-bin/message/template/send")) != 0 || len(s.Pushes()) != 0 {
			t.Fatalf("after Forget: sends %d, templates %d, pushes %d; want only the send to oKept",
				len(sends), len(s.CallsTo("/cgi-bin/message/template/send")), len(s.Pushes()))
		}
	}
	check(s)
	s.Close()
	if raw, _ := os.ReadFile(path); bytes.Contains(raw, []byte("oErased")) {
		t.Fatal("the kept file still names the erased user")
	}
	check(keptSim(t, path, DefaultKeepLimit))
}

// BenchmarkCustomSend measures a customer-service send answered by the
// simulator, with the record in memory only and kept in a file (one
// fsync a send), in one run so the two compare.
func BenchmarkCustomSend(b *testing.B) {
	for _, kept := range []bool{false, true} {
		name := "Memory"
		if kept {
			name = "Kept"
		}
		b.Run(name, func(b *testing.B) {
			s := startSim(b, Options{RecordLimit: 1000})
			if kept {
				if err := s.Keep(filepath.Join(b.TempDir(), "sim.jsonl"), func(err error) { b.Error(err) }); err != nil {
					b.Fatal(err)
				}
			}
			tok := benchToken(b, s)
			body := []byte(`{"touser":"oVIP","msgtype":"text","text":{"content":"您好，耳环已为您留好。"}}`)
			client := &http.Client{}
			b.ResetTimer()
			for b.Loop() {
				resp, err := client.Post(s.URL()+customSend+"?access_token="+tok, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

func benchToken(b *testing.B, s *Server) string {
	b.Helper()
	resp, err := http.Get(s.URL() + "/cgi-bin/token?grant_type=client_credential&appid=" + DefaultOAAppID + "&secret=" + DefaultOASecret)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		b.Fatalf("token: %v", err)
	}
	return tok.AccessToken
}
