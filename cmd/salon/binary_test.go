package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// builtSalon is the real binary, built once per run of the package by
// buildSalon and removed by TestMain.
var builtSalon struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// buildSalon returns the real binary, compiling it on the first call only:
// linking it costs seconds, and the tests that run it may run in parallel.
// It is built without -race even under go test -race: these tests are
// about how the process behaves (signals, exit status, fsync, restarts),
// and the same code runs in-process, under the race detector, in every
// other test of the package.
func buildSalon(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("binary tests skipped in -short mode")
	}
	b := &builtSalon
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "salon-bin-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "salon")
		if out, err := exec.Command("go", "build", "-o", b.path, ".").CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// TestMain removes the binary buildSalon built, after every test.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtSalon.dir != "" {
		os.RemoveAll(builtSalon.dir)
	}
	os.Exit(code)
}

// TestBinaryServeAndStop runs `salon serve` as an operator would: it starts
// in sandbox mode and says so, prints the admin token once, refuses a second
// process on the same data dir, and exits cleanly on SIGTERM.
func TestBinaryServeAndStop(t *testing.T) {
	t.Parallel()
	bin := buildSalon(t)
	dataDir := t.TempDir()
	cmd := exec.Command(bin, "serve", "--http-addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "SALON_DATA_DIR="+dataDir, "SALON_LOG_FORMAT=json", "SALON_ADMIN_TOKEN=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	logs := make(chan map[string]any, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil {
				logs <- line
			}
		}
		close(logs)
	}()
	printed := make(chan string, 1)
	go func() {
		raw, _ := io.ReadAll(stdout)
		printed <- string(raw)
	}()

	var url string
	sawSandbox := false
	deadline := time.After(60 * time.Second)
	for url == "" || !sawSandbox {
		select {
		case line, ok := <-logs:
			if !ok {
				t.Fatal("salon exited before serving")
			}
			if line["msg"] == "salon serving" {
				url, _ = line["url"].(string)
			}
			if msg, _ := line["msg"].(string); strings.HasPrefix(msg, "SANDBOX MODE") {
				sawSandbox = true
			}
		case <-deadline:
			t.Fatal("salon did not log its URL and sandbox mode within 60s")
		}
	}
	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()

	second := exec.Command(bin, "serve", "--http-addr", "127.0.0.1:0")
	second.Env = append(os.Environ(), "SALON_DATA_DIR="+dataDir)
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "in use") {
		t.Fatalf("second serve: got %v and %q, want a clear 'in use' exit", err, out)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range logs {
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("salon did not exit cleanly on SIGTERM: %v", err)
	}
	if got := <-printed; strings.Count(got, "slt_") != 1 {
		t.Fatalf("stdout should show the generated admin token exactly once, got %q", got)
	}
}
