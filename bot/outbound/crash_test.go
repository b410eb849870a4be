package outbound_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/store"
)

// The crash test's child process runs a sender on the database named by
// crashDBEnv, posting to the fake WeChat at crashFakeEnv.
const (
	crashDBEnv   = "SALON_OUTBOUND_CRASH_DB"
	crashFakeEnv = "SALON_OUTBOUND_CRASH_FAKE"
)

// TestMain lets the test binary double as the crash test's sender process.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashDBEnv); path != "" {
		crashSender(path, os.Getenv(crashFakeEnv))
		return
	}
	os.Exit(m.Run())
}

// crashSender sends the queue of the database at path to the fake at
// fakeURL until killed.
func crashSender(path, fakeURL string) {
	fail := func(err error) {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(2)
	}
	db, err := store.Open(path, store.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		fail(err)
	}
	client, err := wxclient.New(wxclient.Config{OABase: fakeURL})
	if err != nil {
		fail(err)
	}
	oa, err := wxclient.NewAccessTokenProvider(client, wxclient.Credential{Family: wxclient.OA,
		ID: wechattest.DefaultOAAppID, Secret: wechattest.DefaultOASecret}, wxclient.ProviderOptions{})
	if err != nil {
		fail(err)
	}
	// A call timeout far beyond the test: the kill comes while the call
	// is under way.
	s := outbound.New(db, outbound.APIs{OA: oa}, outbound.Options{CallTimeout: time.Hour})
	if err := s.Reconcile(context.Background()); err != nil {
		fail(err)
	}
	os.Stdout.WriteString("running\n")
	s.Run(context.Background())
}

// The sender is killed with SIGKILL while WeChat holds its call: the
// message is sending. After a restart it is reconciled (failed, as WeChat
// may or may not have shown it) and never sent again, and the queue goes
// on.
func TestDeliveryCrashWhileSending(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	fake := wechattest.Start(t, wechattest.Options{})
	path := filepath.Join(t.TempDir(), store.FileName)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, db, "oCRASH00001", "")
	held := queue(t, db, c, &clienteling.Outgoing{Type: "text", Channel: "oa", Text: "première"})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	fake.Script(outbound.CustomSendPath, wechattest.Fault{Hang: true})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path, crashFakeEnv+"="+fake.URL())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if sc := bufio.NewScanner(stdout); !sc.Scan() || sc.Text() != "running" {
		_ = cmd.Process.Kill()
		t.Fatalf("child said %q", sc.Text())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := fake.WaitArrived(ctx, outbound.CustomSendPath, 1); err != nil {
		_ = cmd.Process.Kill()
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Check(); err != nil {
			t.Error(err)
		}
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if m, err := db.FindMessage(ctx, held.ID); err != nil || m.Status != clienteling.StatusSending {
		t.Fatalf("after the kill: %+v %v, want the message sending", m, err)
	}
	next := queue(t, db, c, &clienteling.Outgoing{Type: "text", Channel: "oa", Text: "deuxième"})
	s := outbound.New(db, apisFor(t, fake), outbound.Options{Backoff: time.Millisecond})
	if err := s.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(runCtx) }()
	defer func() { stop(); <-done }()

	if got := final(t, db, next.ID); got.Status != clienteling.StatusSent {
		t.Fatalf("the next message: %s %s, want sent", got.Status, got.ErrorReason)
	}
	got, err := db.FindMessage(ctx, held.ID)
	if err != nil || got.Status != clienteling.StatusFailed || got.ErrorReason != clienteling.ReasonInterrupted {
		t.Fatalf("the interrupted message: %+v %v, want failed as interrupted", got, err)
	}
	var texts []string
	for _, call := range fake.CallsTo(outbound.CustomSendPath) {
		var body struct{ Text struct{ Content string } }
		_ = call.JSON(&body)
		texts = append(texts, body.Text.Content)
	}
	if strings.Join(texts, ",") != "première,deuxième" {
		t.Fatalf("WeChat was called with %q, want each message once", texts)
	}
}
