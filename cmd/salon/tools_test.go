package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/store"
)

func runSalon(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, nil, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestImportAllOrNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"SALON_DATA_DIR": dir}
	good := filepath.Join(t.TempDir(), "catalog.csv")
	bad := filepath.Join(t.TempDir(), "catalog2.csv")
	header := "sku,title_zh,title_en,description_zh,description_en,category,price,currency,sizes,images,min_tier,stock\n"
	if err := os.WriteFile(good, []byte(header+"BAG-1,手袋,Bag,,,bags,28900.00,CNY,,,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(header+"BAG-2,手袋,Bag,,,bags,100.00,CNY,,,,\nBAG-3,鞋,Shoe,,,shoes,0.00,CNY,,,,\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	_, stderr, err := runSalon(t, env, "import", "catalog", bad)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(stderr, "row 3: price.amount: must be > 0") {
		t.Fatalf("bad file: got %v and %q, want exit 1 naming row 3", err, stderr)
	}
	out, _, err := runSalon(t, env, "import", "catalog", good)
	if err != nil || !strings.Contains(out, "imported 1 catalog") || !strings.Contains(out, "sku BAG-1: CNY 28,900.00") {
		t.Fatalf("good file: %v %q, want the price as read", err, out)
	}

	db, err := store.Open(filepath.Join(dir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ps, err := db.FindProducts(context.Background(), clienteling.ProductFilter{})
	if err != nil || len(ps) != 1 || ps[0].SKU != "BAG-1" {
		t.Fatalf("got %v (%v), want only BAG-1: the bad file must write nothing", ps, err)
	}
}

// Rows naming what the database does not hold are refused with their row,
// and nothing of the file is written.
func TestImportChecksTheDatabase(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SALON_DATA_DIR": dir}
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	db, err := store.Open(filepath.Join(dir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := clienteling.NewService(db, nil)
	if err := svc.CreateBoutique(systemCtx(t.Context()), &clienteling.Boutique{ID: "sh-plaza66", Brand: "maison", Name: "Plaza 66", City: "Shanghai", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	associates := write("associates.csv", "userid,name,boutique,role\namy,Amy,sh-plaza66,associate\nben,Ben,bj-skp,associate\n")
	_, stderr, err := runSalon(t, env, "import", "associates", associates)
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(stderr, "row 3: boutique: no such boutique") {
		t.Fatalf("associates: got %v and %q, want exit 1 naming row 3", err, stderr)
	}
	associates = write("associates.csv", "userid,name,boutique,role\namy,Amy,sh-plaza66,associate\n")
	if _, _, err := runSalon(t, env, "import", "associates", associates); err != nil {
		t.Fatal(err)
	}
	customers := write("customers.csv", "channel,external_id,advisor,phone\noa,o1,amy,138 0013 8000\noa,o2,ben,\n")
	_, stderr, err = runSalon(t, env, "import", "customers", customers)
	if !errors.As(err, &ee) || ee.code != 1 || !strings.Contains(stderr, "row 3: advisor: no such associate") {
		t.Fatalf("customers: got %v and %q, want exit 1 naming row 3", err, stderr)
	}

	db, err = store.Open(filepath.Join(dir, store.FileName), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if cs, err := db.FindCustomers(t.Context(), clienteling.CustomerFilter{}); err != nil || len(cs) != 0 {
		t.Fatalf("got %d customers (%v), want none: a rejected file writes nothing", len(cs), err)
	}
}

func TestBackupWhileServing(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	out := filepath.Join(t.TempDir(), "copy.db")
	env := map[string]string{"SALON_DATA_DIR": m.Config.DataDir}

	if _, _, err := runSalon(t, env, "backup", "--url", m.URL(), out); err == nil || !strings.Contains(err.Error(), "--token") {
		t.Fatalf("without a token: got %v, want advice to pass --token", err)
	}
	// The server's JSON error comes back as the domain error it was.
	if _, _, err := runSalon(t, env, "backup", "--url", m.URL(), "--token", "slt_wrong", out); clienteling.ErrorCode(err) != clienteling.EUNAUTHORIZED {
		t.Fatalf("a wrong token: got %v, want the server's unauthorized error", err)
	}
	stdout, _, err := runSalon(t, env, "backup", "--url", m.URL(), "--token", testAdminToken, out)
	if err != nil || !strings.Contains(stdout, "from the running server") {
		t.Fatalf("backup: %v %q", err, stdout)
	}
	copyDB, err := store.Open(out, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if err := copyDB.Check(); err != nil {
		t.Fatal(err)
	}
	if ps, _ := copyDB.FindProducts(context.Background(), clienteling.ProductFilter{}); len(ps) != 30 {
		t.Fatalf("backup holds %d products, want the 30 demo ones", len(ps))
	}
}

func TestBackupOfflineExportErase(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	dir := m.Config.DataDir
	cs, err := m.DB.FindCustomers(context.Background(), clienteling.CustomerFilter{Limit: 1})
	if err != nil || len(cs) != 1 {
		t.Fatal(err)
	}
	id := string(cs[0].ID)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SALON_DATA_DIR": dir}
	out := filepath.Join(t.TempDir(), "offline.db")
	if stdout, _, err := runSalon(t, env, "backup", out); err != nil || !strings.Contains(stdout, "written to") {
		t.Fatalf("offline backup: %v %q", err, stdout)
	}
	stdout, _, err := runSalon(t, env, "export", "customer", id)
	if err != nil || !strings.Contains(stdout, `"messages"`) || !strings.Contains(stdout, id) {
		t.Fatalf("export: %v %q", err, stdout)
	}
	if _, _, err := runSalon(t, env, "erase", "customer", id); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runSalon(t, env, "export", "customer", id); clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		t.Fatalf("after erase: got %v, want not found", err)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	out, _, err := runSalon(t, nil, "version")
	if err != nil || !strings.HasPrefix(out, "salon ") || !strings.Contains(out, "go1.") {
		t.Fatalf("got %q, %v", out, err)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(t.TempDir(), "associates.json")
	if err := os.WriteFile(file, []byte(`[]`), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runSalon(t, nil, "import", "associates", file, "--data-dir", dir)
	if err != nil || !strings.Contains(out, "imported 0 associates") {
		t.Fatalf("got %v %q", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		t.Fatalf("--data-dir after the file was ignored: %v", err)
	}
}
