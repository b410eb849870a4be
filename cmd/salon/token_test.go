package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/store"
)

// printedToken finds the admin token in what salon printed, or "".
func printedToken(out string) string {
	return regexp.MustCompile(regexp.QuoteMeta(clienteling.TokenPrefix) + `[A-Za-z0-9_-]{43}`).FindString(out)
}

// storedAdminHash reads the admin token's hash from the database in dir.
func storedAdminHash(t *testing.T, dir string) ([32]byte, error) {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	return db.AdminTokenHash(context.Background())
}

// TestAdminTokenShownOnlyOnceStartSucceeded: a first start that fails
// prints no token and keeps none; the next start prints one that works,
// and later starts print none.
func TestAdminTokenShownOnlyOnceStartSucceeded(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	start := func(addr string) (*Main, string, error) {
		// No admin token configured: the first successful start makes one.
		cfg := testConfig(t, func(c *Config) { c.DataDir, c.HTTPAddr, c.AdminToken = dir, addr, "" })
		var out bytes.Buffer
		m := &Main{Config: cfg, Stdout: &out}
		err := m.Run(context.Background())
		return m, out.String(), err
	}

	if _, out, err := start(busy.Addr().String()); err == nil || !strings.Contains(err.Error(), "SALON_HTTP_ADDR") {
		t.Fatalf("start on a busy address: got %v, want a SALON_HTTP_ADDR error", err)
	} else if out != "" {
		t.Fatalf("a start that failed printed %q", out)
	}
	if _, err := storedAdminHash(t, dir); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("a start that failed stored an admin token nobody saw: %v", err)
	}

	m, out, err := start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	secret := printedToken(out)
	if secret == "" {
		t.Fatalf("the first successful start printed no token: %q", out)
	}
	if got := call(t, m, "GET", "/api/v1/tokens", secret, nil, nil); got != 200 {
		t.Fatalf("the printed token: got %d, want 200", got)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	m, out, err = start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if out != "" {
		t.Fatalf("a later start printed %q", out)
	}
	if got := call(t, m, "GET", "/api/v1/tokens", secret, nil, nil); got != 200 {
		t.Fatalf("the first token after a restart: got %d, want 200", got)
	}
}

func TestRotateAdmin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"SALON_DATA_DIR": dir}

	t.Run("ErrNoDatabase", func(t *testing.T) {
		_, _, err := runSalon(t, env, "token", "rotate-admin")
		if err == nil || !strings.Contains(err.Error(), "no database") {
			t.Fatalf("got %v, want no database", err)
		}
		if _, err := os.Stat(filepath.Join(dir, store.FileName)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("rotate-admin created a database: %v", err)
		}
	})

	db, err := store.Open(filepath.Join(dir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := clienteling.HashSecret("the-lost-admin-token")
	if err := db.SetAdminTokenHash(context.Background(), old); err != nil {
		t.Fatal(err)
	}

	t.Run("ErrServeRunning", func(t *testing.T) {
		_, _, err := runSalon(t, env, "token", "rotate-admin")
		if err == nil || !strings.Contains(err.Error(), "stop it first") {
			t.Fatalf("got %v, want the database in use", err)
		}
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("ErrAdminTokenConfigured", func(t *testing.T) {
		_, _, err := runSalon(t, map[string]string{"SALON_DATA_DIR": dir, "SALON_ADMIN_TOKEN": testAdminToken}, "token", "rotate-admin")
		if err == nil || !strings.Contains(err.Error(), "SALON_ADMIN_TOKEN") {
			t.Fatalf("got %v, want SALON_ADMIN_TOKEN named", err)
		}
	})
	if h, err := storedAdminHash(t, dir); err != nil || h != old {
		t.Fatalf("a refused rotation changed the admin token: %x, %v", h, err)
	}

	t.Run("OK", func(t *testing.T) {
		out, _, err := runSalon(t, env, "token", "rotate-admin")
		if err != nil {
			t.Fatal(err)
		}
		secret := printedToken(out)
		if secret == "" {
			t.Fatalf("no token printed: %q", out)
		}
		if h, err := storedAdminHash(t, dir); err != nil || h != clienteling.HashSecret(secret) {
			t.Fatalf("stored %x, %v; want the hash of the printed token", h, err)
		}
	})

	t.Run("Help", func(t *testing.T) {
		_, stderr, err := runSalon(t, env, "token", "rotate-admin", "--help")
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr, "salon token rotate-admin") {
			t.Fatalf("got %v and %q", err, stderr)
		}
	})
}
