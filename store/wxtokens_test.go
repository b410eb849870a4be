package store_test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

func TestWeChatTokens(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), store.FileName)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.LoadTokens(ctx)
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty store: %v, %v; want an empty map", got, err)
	}
	exp := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	for _, key := range []string{"oa/wx1", "wecom/ww1/app", "wecom/ww1/kf"} {
		if err := db.SaveToken(ctx, key, store.WeChatToken{Value: "t-" + key, ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	// Replaced, then deleted by an empty value; deleting nothing is fine.
	if err := db.SaveToken(ctx, "oa/wx1", store.WeChatToken{Value: "t2", ExpiresAt: exp.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveToken(ctx, "wecom/ww1/kf", store.WeChatToken{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveToken(ctx, "wecom/ww1/none", store.WeChatToken{}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveToken(ctx, "", store.WeChatToken{Value: "x", ExpiresAt: exp}); clienteling.ErrorCode(err) != clienteling.EINVALID {
		t.Fatalf("empty key: got %v, want %s", err, clienteling.EINVALID)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// What was saved is there after a reopen.
	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err = db.LoadTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]store.WeChatToken{
		"oa/wx1":        {Value: "t2", ExpiresAt: exp.Add(time.Hour)},
		"wecom/ww1/app": {Value: "t-wecom/ww1/app", ExpiresAt: exp},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d tokens, want %d: %v", len(got), len(want), tokenKeys(got))
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g.Value != w.Value || !g.ExpiresAt.Equal(w.ExpiresAt) {
			t.Errorf("%s: got %+v, want %+v", k, g.ExpiresAt, w.ExpiresAt)
		}
	}
}

// TestWeChatTokensConcurrent: saves and loads from many goroutines (run
// with -race) leave each key with one of the values written to it.
func TestWeChatTokensConcurrent(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	exp := time.Now().Add(time.Hour)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				key := fmt.Sprintf("wecom/ww1/s%d", i%4)
				if err := db.SaveToken(ctx, key, store.WeChatToken{Value: fmt.Sprintf("v%d-%d", g, i), ExpiresAt: exp}); err != nil {
					t.Error(err)
					return
				}
				if _, err := db.LoadTokens(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := db.LoadTokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got keys %v, want 4", tokenKeys(got))
	}
	for k, v := range got {
		if v.Value == "" || !v.ExpiresAt.Equal(exp) {
			t.Errorf("%s: %+v", k, v.ExpiresAt)
		}
	}
}

func tokenKeys(m map[string]store.WeChatToken) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
