package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
)

// servingChild is `salon serve` run as a child process, in its own process
// group, so that a test can kill it as a crash would.
type servingChild struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{} // closed when its stderr ends
}

// childEnv configures a child with an Official Account at fake, sandbox
// off, on dataDir.
func childEnv(dataDir string, fake *wechattest.Server) []string {
	o := fake.Options()
	return append(os.Environ(),
		"SALON_DATA_DIR="+dataDir, "SALON_HTTP_ADDR=127.0.0.1:0", "SALON_LOG_FORMAT=json",
		"SALON_ADMIN_TOKEN="+testAdminToken, "SALON_SANDBOX=off", "SALON_WECHAT_API_BASE="+fake.URL(),
		"SALON_OA_APPID="+o.OAAppID, "SALON_OA_SECRET="+o.OASecret, "SALON_OA_TOKEN="+childOAToken)
}

// childOAToken is the Official Account callback token children run with.
const childOAToken = "oa-callback-token"

// startServing runs argv (the binary and "serve", possibly behind a tracer)
// with env and waits until it logs its URL. Cleanup kills what is left.
func startServing(t *testing.T, env []string, argv ...string) *servingChild {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &servingChild{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { c.kill(t, syscall.SIGKILL) })
	serving := make(chan string, 1)
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "salon serving" {
				url, _ := line["url"].(string)
				serving <- url
			}
		}
	}()
	select {
	case c.url = <-serving:
	case <-c.done:
		t.Fatal("salon exited before serving")
	case <-time.After(90 * time.Second):
		t.Fatal("salon did not log its URL within 90s")
	}
	return c
}

// kill sends sig to the child's whole process group and waits for it.
func (c *servingChild) kill(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if c.cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-c.cmd.Process.Pid, sig)
	<-c.done
	_ = c.cmd.Wait()
}

// call makes one request to the child as the admin and decodes a JSON
// answer into out (if not nil); it returns the status.
func (c *servingChild) call(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.url+path, r)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// clientWrites posts a client's text to the child's Official Account
// callback, in plaintext mode, and wants WeChat's "success".
func (c *servingChild) clientWrites(t *testing.T, fake *wechattest.Server, openid, text string, msgID int64) {
	t.Helper()
	oa := wechattest.OA{AppID: fake.Options().OAAppID, Token: childOAToken}
	cb := oa.Plaintext(wechattest.TextMsg("gh_salon", openid, text, msgID, time.Now()).XML())
	resp, err := http.DefaultClient.Do(cb.Request(c.url + "/wechat/oa"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "success" {
		t.Fatalf("callback: got %d %q, want 200 success", resp.StatusCode, body)
	}
}
