package store_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/store"
)

const crashChildEnv = "SALON_STORE_CRASH_CHILD"

// TestMain lets the test binary double as the crash test's child process.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	os.Exit(m.Run())
}

// crashChild appends messages from 8 goroutines forever, printing the id of
// each append after its commit returned: the parent holds it to that.
func crashChild(path string) {
	db, err := store.Open(path, store.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	c := newCustomer(fmt.Sprintf("oCrash%d", os.Getpid()))
	if err := db.CreateCustomers(ctx, []*clienteling.Customer{c}); err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	for w := 0; w < 8; w++ {
		go func() {
			for {
				m := textMessage(c.ID, "crash", time.Time{})
				if _, err := db.AppendMessage(ctx, m); err != nil {
					mu.Lock()
					fmt.Fprintln(out, "error", err)
					out.Flush()
					mu.Unlock()
					return
				}
				mu.Lock()
				fmt.Fprintln(out, "ok", m.ID)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	select {}
}

func TestCrashSafetySIGKILL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	path := filepath.Join(t.TempDir(), store.FileName)
	committed := map[clienteling.MessageID]bool{}
	for round := 0; round < 20; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Kill after a random number of reported commits, so the kill lands
		// at a random point of a commit.
		killAt := 1 + rand.IntN(300)
		n := 0
		for line := range lines {
			id, ok := strings.CutPrefix(line, "ok ")
			if !ok {
				t.Fatalf("round %d: child said %q", round, line)
			}
			committed[clienteling.MessageID(id)] = true
			if n++; n == killAt {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
			}
		}
		_ = cmd.Wait()

		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if err := db.Check(); err != nil {
			t.Fatalf("round %d: check: %v", round, err)
		}
		if err := db.VerifyIndexes(); err != nil {
			t.Fatalf("round %d: indexes: %v", round, err)
		}
		for id := range committed {
			if _, err := db.FindMessage(ctx, id); err != nil {
				t.Fatalf("round %d: committed message %s lost: %v", round, id, err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d acknowledged appends survived 20 SIGKILLs", len(committed))
}
