package httpjson

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

// TestStatusCoversEveryDomainCode fails when a code is added to the
// domain's error.go without its row in the table: it would answer 500.
func TestStatusCoversEveryDomainCode(t *testing.T) {
	t.Parallel()
	f, err := parser.ParseFile(token.NewFileSet(), "../error.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if i >= len(vs.Values) {
				continue
			}
			if lit, ok := vs.Values[i].(*ast.BasicLit); ok && strings.HasPrefix(name.Name, "E") && lit.Kind == token.STRING {
				code, _ := strconv.Unquote(lit.Value)
				codes = append(codes, code)
			}
		}
		return true
	})
	if len(codes) < 5 {
		t.Fatalf("found only %d codes in error.go: is the parse broken?", len(codes))
	}
	for _, code := range codes {
		if !inTable(code) {
			t.Errorf("code %q has no status in the table", code)
		}
	}
}

func inTable(code string) bool {
	for _, s := range statuses {
		if s.code == code {
			return true
		}
	}
	return false
}

func TestStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want int
	}{
		{clienteling.EINVALID, 400},
		{clienteling.EUNAUTHORIZED, 401},
		{clienteling.EFORBIDDEN, 403},
		{clienteling.ENOTFOUND, 404},
		{EMETHOD, 405},
		{clienteling.ECONFLICT, 409},
		{clienteling.ETOOLARGE, 413},
		{clienteling.EINTERNAL, 500},
		{clienteling.EUNAVAILABLE, 503},
		{clienteling.EINUSE, 503},
		{"no_such_code", 500},
	}
	for _, tt := range tests {
		if got := Status(tt.code); got != tt.want {
			t.Errorf("Status(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
}

// serveError answers every request with WriteError(err) over real HTTP and
// returns the response; the logged lines go to logs.
func serveError(t *testing.T, err error, logs io.Writer) *http.Response {
	t.Helper()
	log := slog.New(slog.NewTextHandler(logs, nil))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, log, err)
	}))
	t.Cleanup(srv.Close)
	resp, gerr := http.Get(srv.URL + "/customers/c123")
	if gerr != nil {
		t.Fatal(gerr)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantBody   string
		wantLogged bool
	}{
		{"OK", clienteling.FieldError("price.amount", "must be positive"), 400,
			`{"error":{"code":"invalid","message":"must be positive","field":"price.amount"}}`, false},
		{"ErrNotFound", clienteling.Errorf(clienteling.ENOTFOUND, "no such client"), 404,
			`{"error":{"code":"not_found","message":"no such client"}}`, false},
		{"ErrInternal", clienteling.Internal("find customer", errors.New("page 7 of /srv/salon.db is corrupt")), 500,
			`{"error":{"code":"internal","message":"internal error"}}`, true},
		{"ErrPlain", errors.New("a bare error"), 500,
			`{"error":{"code":"internal","message":"internal error"}}`, true},
		{"ErrUnavailable", clienteling.Errorf(clienteling.EUNAVAILABLE, "storage is busy"), 503,
			`{"error":{"code":"unavailable","message":"storage is busy"}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			resp := serveError(t, tt.err, &logs)
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(body)); resp.StatusCode != tt.wantStatus || got != tt.wantBody {
				t.Fatalf("got %d %s, want %d %s", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q", got)
			}
			if logged := logs.Len() > 0; logged != tt.wantLogged {
				t.Errorf("logged %v, want %v: %s", logged, tt.wantLogged, logs.String())
			}
			if strings.Contains(logs.String(), "c123") {
				t.Errorf("the log names the path, which may hold a client's id: %s", logs.String())
			}
		})
	}
	t.Run("ErrUnauthorized", func(t *testing.T) {
		resp := serveError(t, clienteling.Errorf(clienteling.EUNAUTHORIZED, "missing bearer token"), io.Discard)
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="salon"` {
			t.Fatalf("got %d with WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	})
}

// TestReadError reads back over real HTTP what WriteError wrote.
func TestReadError(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		resp := serveError(t, &clienteling.Error{Code: clienteling.EINVALID, Field: "role", Message: "must be one of associate, manager, crm, admin"}, io.Discard)
		got := ReadError(resp)
		if got.Code != clienteling.EINVALID || got.Field != "role" || got.Message != "must be one of associate, manager, crm, admin" {
			t.Fatalf("got %+v", got)
		}
	})
	t.Run("NotJSON", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
		}))
		defer srv.Close()
		req, err := http.NewRequestWithContext(context.Background(), "GET", srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got := ReadError(resp)
		if got.Code != clienteling.EUNAVAILABLE || got.Message != "502 Bad Gateway" {
			t.Fatalf("got %+v", got)
		}
	})
}
