package ingress_test

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/store"
)

const crashChildEnv = "SALON_INGRESS_CRASH_CHILD"

// TestMain lets the test binary double as the crash test's server process.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashServer(path)
		return
	}
	os.Exit(m.Run())
}

// crashServer serves /wechat/oa on a loopback port it prints, until killed.
func crashServer(path string) {
	db, err := store.Open(path, store.Options{LockTimeout: 5 * time.Second})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	mux, err := newMux(db, nil)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	srv := httptest.NewServer(mux)
	fmt.Println("listening", srv.URL)
	select {}
}

// TestAcknowledgedMessagesSurviveSIGKILL kills the server at random points
// while 8 clients write, 20 times; every message WeChat saw acknowledged
// must be there exactly once afterwards, in a file that passes Check.
func TestAcknowledgedMessagesSurviveSIGKILL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	path := filepath.Join(t.TempDir(), store.FileName)
	oa := &wechattest.OA{AppID: appID, Token: token, EncodingAESKey: aesKey}
	acked := map[string]string{} // MsgId -> openid
	var mu sync.Mutex
	msgID := int64(0)
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
		sc := bufio.NewScanner(stdout)
		if !sc.Scan() {
			t.Fatal("child said nothing")
		}
		url, ok := strings.CutPrefix(sc.Text(), "listening ")
		if !ok {
			t.Fatalf("child said %q", sc.Text())
		}
		killAfter := 1 + rand.IntN(200)
		var sent sync.WaitGroup
		var count int
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: (&net.Dialer{}).DialContext}}
		for w := 0; w < 8; w++ {
			sent.Add(1)
			go func() {
				defer sent.Done()
				for {
					mu.Lock()
					msgID++
					id := msgID
					mu.Unlock()
					openid := fmt.Sprintf("oCRASH%02d", id%13)
					cb := oa.Safe(wechattest.TextMsg("gh_x", openid, fmt.Sprint(id), id, time.Now()).XML())
					resp, err := client.Do(cb.Request(url + "/wechat/oa"))
					if err != nil {
						return // the child is gone
					}
					resp.Body.Close()
					if resp.StatusCode == 200 {
						mu.Lock()
						acked[fmt.Sprint(id)] = openid
						count++
						mu.Unlock()
					}
				}
			}()
		}
		// Kill while the clients are still writing, so that the kill lands
		// in the middle of requests and commits.
		for {
			mu.Lock()
			n := count
			mu.Unlock()
			if n >= killAfter {
				break
			}
			time.Sleep(100 * time.Microsecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		sent.Wait()

		db, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if err := db.Check(); err != nil {
			t.Fatalf("round %d: check: %v", round, err)
		}
		if err := db.VerifyIndexes(); err != nil {
			t.Fatalf("round %d: indexes: %v", round, err)
		}
		stored := map[string]int{}
		for i := 0; i < 13; i++ {
			c, err := db.FindCustomerByIdentity(t.Context(), clienteling.Identity{Channel: "oa", ExternalID: fmt.Sprintf("oCRASH%02d", i)})
			if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
				continue
			} else if err != nil {
				t.Fatal(err)
			}
			cursor := ""
			for {
				page, next, err := db.Messages(t.Context(), c.ID, clienteling.MessagePage{Limit: 100, Before: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range page {
					stored[m.Text]++
				}
				if next == "" {
					break
				}
				cursor = next
			}
		}
		for id := range acked {
			if stored[id] != 1 {
				t.Fatalf("round %d: acknowledged message %s stored %d times, want once", round, id, stored[id])
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d acknowledged messages survived 20 SIGKILLs", len(acked))
}
