package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
	"github.com/salonhq/salon/clienteling/importer"
	"github.com/salonhq/salon/store"
)

// dataDirFlag binds --data-dir with SALON_DATA_DIR as its default.
func dataDirFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	def := "./data"
	if v := getenv("SALON_DATA_DIR"); v != "" {
		def = v
	}
	return fs.String("data-dir", def, "directory of salon.db (env SALON_DATA_DIR)")
}

// openOffline opens the database for a command that works on the file
// directly, with a message that says what to do when serve holds it.
func openOffline(dataDir string) (*store.DB, error) {
	db, err := store.Open(filepath.Join(dataDir, store.FileName), store.Options{LockTimeout: 2 * time.Second})
	if clienteling.ErrorCode(err) == clienteling.EINUSE {
		return nil, fmt.Errorf("%s is in use by a running salon serve: stop it first", filepath.Join(dataDir, store.FileName))
	}
	return db, err
}

// existingDB returns the database file of dataDir, or an error saying there
// is none: only import may create one, since a command that reads would
// otherwise leave an empty database behind and answer from it.
func existingDB(dataDir string) (string, error) {
	path := filepath.Join(dataDir, store.FileName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("no database at %s", path)
	} else if err != nil {
		return "", err
	}
	return path, nil
}

func cmdImport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", "salon import catalog|associates|customers FILE\n\n"+
		"Imports a CSV or JSON file (by extension). Every row is checked before anything is\n"+
		"written; one bad row rejects the whole file, with each error naming its row and field.", stderr)
	dataDir := dataDirFlag(fs, getenv)
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return &exitError{2, errors.New("import needs a kind and a file")}
	}
	kind, path := fs.Arg(0), fs.Arg(1)
	if kind != "catalog" && kind != "associates" && kind != "customers" {
		return &exitError{2, fmt.Errorf("unknown import kind %q: catalog, associates or customers", kind)}
	}
	format, err := importer.FormatOf(path)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	db, err := openOffline(*dataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := clienteling.NewService(db, nil)
	// The rows are checked against the database (advisors, boutiques, userids
	// taken) before anything is written.
	sys := systemCtx(ctx)
	var write func() error
	var n int
	var prices []string
	switch kind {
	case "catalog":
		ps, err := importer.Catalog(f, format)
		if err != nil {
			return rowErrors(stderr, err)
		}
		n, write = len(ps), func() error { return svc.PutProducts(sys, ps...) }
		for _, p := range ps[:min(len(ps), pricesShown)] {
			prices = append(prices, fmt.Sprintf("  sku %s: %s", p.SKU, p.Price))
		}
	case "associates":
		as, err := importer.Associates(sys, f, format, svc)
		if err != nil {
			return rowErrors(stderr, err)
		}
		n, write = len(as), func() error { return svc.CreateAssociates(sys, as...) }
	case "customers":
		cs, err := importer.Customers(sys, f, format, svc)
		if err != nil {
			return rowErrors(stderr, err)
		}
		n, write = len(cs), func() error { return svc.ImportCustomers(sys, cs...) }
	}
	if err := write(); err != nil {
		return fmt.Errorf("nothing imported: %w", err)
	}
	fmt.Fprintf(stdout, "imported %d %s from %s\n", n, kind, filepath.Base(path))
	if len(prices) > 0 {
		// A price read in the wrong unit is off by a factor of 100: show a few
		// as Salon now reads them, so that such a mistake is seen at once.
		fmt.Fprintf(stdout, "prices as read, first %d:\n%s\n", len(prices), strings.Join(prices, "\n"))
	}
	return nil
}

// pricesShown is how many products' prices salon import catalog prints.
const pricesShown = 3

// rowErrors prints every rejected row and fails with status 1.
func rowErrors(stderr io.Writer, err error) error {
	fmt.Fprintln(stderr, err)
	return &exitError{1, errors.New("nothing imported: the file has rejected rows")}
}

func systemCtx(ctx context.Context) context.Context {
	return clienteling.WithPrincipal(ctx, clienteling.System())
}

func cmdBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", "salon backup [flags] FILE\n\n"+
		"Writes a consistent copy of the database to FILE. When salon serve runs on the data\n"+
		"dir, the copy is taken through its API (admin token needed); otherwise from the file.", stderr)
	dataDir := dataDirFlag(fs, getenv)
	serverURL := serverURLFlag(fs, getenv)
	token := fs.String("token", "", "admin bearer token for the running server (env SALON_ADMIN_TOKEN)")
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &exitError{2, errors.New("backup needs a file")}
	}
	out := fs.Arg(0)
	if *token == "" {
		*token = getenv("SALON_ADMIN_TOKEN")
	}
	path, err := existingDB(*dataDir)
	if err != nil {
		return err
	}
	db, err := store.Open(path, store.Options{LockTimeout: 500 * time.Millisecond})
	if err == nil {
		defer db.Close()
		n, err := db.BackupFile(out)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		fmt.Fprintf(stdout, "backup of %d bytes written to %s\n", n, out)
		return nil
	}
	if clienteling.ErrorCode(err) != clienteling.EINUSE {
		return err
	}
	if *token == "" {
		return errors.New("salon serve holds the database: pass --token (or SALON_ADMIN_TOKEN) to back up through its API")
	}
	n, err := backupOverHTTP(ctx, strings.TrimRight(*serverURL, "/"), *token, out)
	if err != nil {
		return fmt.Errorf("backup through %s: %w", *serverURL, err)
	}
	fmt.Fprintf(stdout, "backup of %d bytes written to %s (from the running server)\n", n, out)
	return nil
}

// backupOverHTTP streams the running server's backup into a temporary file
// and renames it into place only when complete.
func backupOverHTTP(ctx context.Context, base, token, out string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/admin/backup", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("server answered %s: %w", resp.Status, httpjson.ReadError(resp))
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".salon-backup-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, resp.Body)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	// A copy cut short would fail bbolt's check: verify before keeping it.
	check, err := store.Open(tmp.Name(), store.Options{})
	if err != nil {
		return 0, fmt.Errorf("received copy does not open: %w", err)
	}
	err = check.Check()
	check.Close()
	if err != nil {
		return 0, fmt.Errorf("received copy is inconsistent: %w", err)
	}
	return n, os.Rename(tmp.Name(), out)
}

// customerArg parses "customer ID" for export and erase.
func customerArg(fs *flag.FlagSet) (clienteling.CustomerID, error) {
	if fs.NArg() != 2 || fs.Arg(0) != "customer" {
		fs.Usage()
		return "", &exitError{2, errors.New("expected: customer ID")}
	}
	id := fs.Arg(1)
	if !clienteling.ValidID(id) {
		return "", fmt.Errorf("%q is not a customer id", id)
	}
	return clienteling.CustomerID(id), nil
}

// customerRequest is a parsed `salon export|erase customer ID`: offline
// on the data dir, or through the running server's API when token is set.
type customerRequest struct {
	id        clienteling.CustomerID
	dataDir   string
	serverURL string
	token     string
}

// parseCustomerRequest parses the flags and "customer ID" of export and
// erase.
func parseCustomerRequest(name, synopsis string, args []string, getenv func(string) string, stderr io.Writer) (*customerRequest, error) {
	fs := newFlagSet(name, synopsis+"\n\nWith --token, the request goes through the API of the running salon serve\n"+
		"(admin token), so that it needs no downtime; without, it works on the data dir.", stderr)
	dataDir := dataDirFlag(fs, getenv)
	serverURL := serverURLFlag(fs, getenv)
	token := fs.String("token", "", "admin bearer token: go through the running server's API")
	if err := parseInterspersed(fs, args); err != nil {
		return nil, err
	}
	id, err := customerArg(fs)
	if err != nil {
		return nil, err
	}
	return &customerRequest{id: id, dataDir: *dataDir, serverURL: strings.TrimRight(*serverURL, "/"), token: *token}, nil
}

// serverURLFlag binds --url, the running server, defaulting from
// SALON_HTTP_ADDR.
func serverURLFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	addr := getenv("SALON_HTTP_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	return fs.String("url", "http://"+addr, "URL of the running server (default from SALON_HTTP_ADDR)")
}

// openOffline opens the data dir's existing database for export or erase.
// The caller closes it.
func (c *customerRequest) openOffline() (*store.DB, error) {
	path, err := existingDB(c.dataDir)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(path, store.Options{LockTimeout: 2 * time.Second})
	if clienteling.ErrorCode(err) == clienteling.EINUSE {
		return nil, errors.New("database is in use: pass --token to go through the running server")
	}
	return db, err
}

// call sends method to the customer's path under /api/v1/customers/ and
// returns the answer when its status is want, else the server's error.
// The caller closes the body.
func (c *customerRequest) call(ctx context.Context, method, suffix string, want int) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.serverURL+"/api/v1/customers/"+string(c.id)+suffix, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("through %s: %w", c.serverURL, err)
	}
	if resp.StatusCode != want {
		defer resp.Body.Close()
		return nil, fmt.Errorf("through %s: server answered %s: %w", c.serverURL, resp.Status, httpjson.ReadError(resp))
	}
	return resp, nil
}

func cmdExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseCustomerRequest("export", "salon export customer ID\n\nPrints everything Salon holds on one client as JSON (a data subject access request).", args, getenv, stderr)
	if err != nil {
		return err
	}
	if c.token != "" {
		resp, err := c.call(ctx, http.MethodGet, "/export", http.StatusOK)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		// Indented as the offline export prints it.
		var out bytes.Buffer
		if err := json.Indent(&out, bytes.TrimSpace(body), "", "  "); err != nil {
			return fmt.Errorf("through %s: the export is not JSON: %w", c.serverURL, err)
		}
		out.WriteByte('\n')
		_, err = out.WriteTo(stdout)
		return err
	}
	db, err := c.openOffline()
	if err != nil {
		return err
	}
	defer db.Close()
	x, err := clienteling.NewService(db, nil).ExportCustomer(systemCtx(ctx), c.id)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(x)
}

func cmdErase(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parseCustomerRequest("erase", "salon erase customer ID\n\nErases a client: profile, identities, preferences and history, in one transaction.", args, getenv, stderr)
	if err != nil {
		return err
	}
	if c.token != "" {
		resp, err := c.call(ctx, http.MethodDelete, "", http.StatusNoContent)
		if err != nil {
			return err
		}
		resp.Body.Close()
		fmt.Fprintf(stdout, "customer %s erased (by the running server)\n", c.id)
		return nil
	}
	db, err := c.openOffline()
	if err != nil {
		return err
	}
	defer db.Close()
	if err := clienteling.NewService(db, nil).EraseCustomer(systemCtx(ctx), c.id); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "customer %s erased\n", c.id)
	return nil
}
