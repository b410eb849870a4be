package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/salonhq/salon/bot/wechattest"
)

// The running service must never turn bbolt's sync off: WeChat hears
// "success" only for what is on disk.
func TestServeKeepsSyncOn(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	if m.DB.Bolt().NoSync {
		t.Fatal("salon serve opened the database with NoSync: callbacks would be acknowledged before they are on disk")
	}
}

// TestCallbackAcknowledgedAfterFsync watches the real binary's system calls
// under strace: between reading a client's message and writing WeChat's
// "success", the process writes salon.db and syncs it (bbolt syncs twice a
// commit: the pages, then the meta page). A database opened with NoSync
// passes every other test, since SIGKILL keeps unsynced pages in the
// kernel's cache; only a power cut would lose them.
//
// It needs strace and permission to trace: without them it skips, unless
// CI is set, where it fails.
func TestCallbackAcknowledgedAfterFsync(t *testing.T) {
	t.Parallel()
	strace, err := exec.LookPath("strace")
	if err == nil {
		err = exec.Command(strace, "-f", "-qq", "-o", os.DevNull, "true").Run()
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("strace is needed in CI to check that commits are synced before WeChat hears success: %v", err)
		}
		t.Skipf("strace is not available (%v): install it to check that commits are synced before WeChat hears success", err)
	}
	bin := buildSalon(t)
	fake := wechattest.Start(t, wechattest.Options{})
	dataDir := t.TempDir()
	trace := filepath.Join(t.TempDir(), "strace.out")
	child := startServing(t, childEnv(dataDir, fake), strace, "-f", "-y", "-qq", "-s", "4096", "-o", trace,
		"-e", "trace=read,write,pwrite64,fdatasync,fsync", bin, "serve")
	const probe = "FSYNC-PROBE-7c1e"
	child.clientWrites(t, fake, "oFSYNCPROBE01", probe, 1)
	// SIGTERM stops salon cleanly and makes strace detach and flush.
	child.kill(t, syscall.SIGTERM)

	calls := readTrace(t, trace)
	request, response := -1, -1
	for i, c := range calls {
		if request < 0 && c.name == "read" && strings.Contains(c.text, probe) {
			request = i
		}
		if request >= 0 && c.name == "write" && strings.Contains(c.text, "HTTP/1.1 200") && strings.Contains(c.text, "success") {
			response = i
			break
		}
	}
	if request < 0 || response < 0 {
		t.Fatalf("trace has no request (%d) or no response (%d); %d calls traced", request, response, len(calls))
	}
	var wrote, synced int
	for _, c := range calls[request:response] {
		if !strings.Contains(c.text, filepath.Join(dataDir, "salon.db")+">") {
			continue
		}
		switch c.name {
		case "pwrite64":
			wrote++
		case "fdatasync", "fsync":
			if wrote > 0 {
				synced++
			}
		}
	}
	t.Logf("between the request and its success: %d writes to salon.db, %d syncs after them", wrote, synced)
	if wrote == 0 || synced < 2 {
		t.Fatalf("between the request and its success: %d writes to salon.db, %d syncs after them; want a commit's two syncs before WeChat is answered", wrote, synced)
	}
}

// tracedCall is one system call from strace's output, in order of return.
type tracedCall struct {
	name string
	text string
}

var (
	traceCall    = regexp.MustCompile(`^(\d+)\s+(\w+)\(`)
	traceResumed = regexp.MustCompile(`^(\d+)\s+<\.\.\. (\w+) resumed>`)
)

// readTrace parses strace -f output, joining calls strace split in two
// when another thread ran meanwhile: a call counts where it returned.
func readTrace(t *testing.T, path string) []tracedCall {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []tracedCall
	unfinished := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := traceResumed.FindStringSubmatch(line); m != nil {
			calls = append(calls, tracedCall{name: m[2], text: unfinished[m[1]] + line})
			delete(unfinished, m[1])
			continue
		}
		m := traceCall.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if strings.HasSuffix(line, "<unfinished ...>") {
			unfinished[m[1]] = line
			continue
		}
		calls = append(calls, tracedCall{name: m[2], text: line})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return calls
}
