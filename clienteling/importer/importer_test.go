package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

// errLines returns the lines of an import error, nil for no error. A want
// line ending in "..." matches any line it begins.
func errLines(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var re *RowErrors
	if !errors.As(err, &re) {
		t.Fatalf("error %v (%T) is not *RowErrors", err, err)
	}
	return strings.Split(re.Error(), "\n")
}

func checkLines(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d error lines, want %d:\ngot:  %q\nwant: %q", len(got), len(want), got, want)
	}
	for i := range want {
		if w, ok := strings.CutSuffix(want[i], "..."); ok && strings.HasPrefix(got[i], w) {
			continue
		}
		if got[i] != want[i] {
			t.Errorf("line %d:\ngot:  %s\nwant: %s", i, got[i], want[i])
		}
	}
}

func checkValues[T any](t *testing.T, got, want []*T) {
	t.Helper()
	if want == nil {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", dump(got), dump(want))
	}
}

func dump[T any](vs []*T) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "%+v\n", *v)
	}
	return b.String()
}

func TestFormatOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
		want       Format
		wantErr    bool
	}{
		{"OK", "catalog.csv", CSV, false},
		{"OKUpperCase", "Catalog.CSV", CSV, false},
		{"OKJSON", "dir.v2/customers.json", JSON, false},
		{"ErrSpreadsheet", "catalog.xlsx", "", true},
		{"ErrNoExtension", "catalog", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FormatOf(tt.file)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("FormatOf(%q) = %q, %v; want %q, error %v", tt.file, got, err, tt.want, tt.wantErr)
			}
			if err != nil && clienteling.ErrorField(err) != "file" {
				t.Errorf("error field = %q, want file", clienteling.ErrorField(err))
			}
		})
	}
}

func TestRowErrors(t *testing.T) {
	t.Parallel()
	t.Run("OK", func(t *testing.T) {
		_, err := Catalog(strings.NewReader("sku,title_en,price\nA,Bag,0.00\n"), CSV)
		if got, want := err.Error(), "row 2: price.amount: must be > 0"; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if got := clienteling.ErrorCode(err); got != clienteling.EINVALID {
			t.Errorf("code = %q, want %q", got, clienteling.EINVALID)
		}
		var re RowError
		if !errors.As(err, &re) || re.Row != 2 || re.Field != "price.amount" {
			t.Errorf("errors.As RowError = %+v", re)
		}
	})
	t.Run("ErrManyRows", func(t *testing.T) {
		var in strings.Builder
		in.WriteString("sku,title_en,price\n")
		for i := range MaxErrors + 50 {
			fmt.Fprintf(&in, "S%d,Bag,0\n", i)
		}
		_, err := Catalog(strings.NewReader(in.String()), CSV)
		var re *RowErrors
		if !errors.As(err, &re) {
			t.Fatalf("got %v, want *RowErrors", err)
		}
		if len(re.Errors) != MaxErrors || re.Omitted != 50 {
			t.Errorf("got %d listed and %d omitted, want %d and 50", len(re.Errors), re.Omitted, MaxErrors)
		}
		lines := strings.Split(err.Error(), "\n")
		if got, want := lines[len(lines)-1], "... and 50 more"; got != want {
			t.Errorf("last line %q, want %q", got, want)
		}
	})
}

// spaces is an endless file of blanks.
type spaces struct{}

var blanks = bytes.Repeat([]byte(" "), 64<<10)

func (spaces) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], blanks)
	}
	return n, nil
}

func TestBounds(t *testing.T) {
	t.Parallel()
	t.Run("ErrTooLarge", func(t *testing.T) {
		_, err := Catalog(io.LimitReader(spaces{}, MaxBytes+1), JSON)
		if clienteling.ErrorCode(err) != clienteling.ETOOLARGE {
			t.Fatalf("got %v, want %s", err, clienteling.ETOOLARGE)
		}
	})
	// Rows that are cheap to refuse, so that the stop line must be listed
	// after MaxErrors others and a count.
	tooMany := func(t *testing.T, err error, row int) {
		t.Helper()
		lines := errLines(t, err)
		want := []string{
			fmt.Sprintf("... and %d more", MaxRows-MaxErrors),
			fmt.Sprintf("row %d: too many rows: at most %d in one file; split it", row, MaxRows),
		}
		if len(lines) != MaxErrors+2 {
			t.Fatalf("got %d lines, want %d", len(lines), MaxErrors+2)
		}
		checkLines(t, lines[MaxErrors:], want)
		var re *RowErrors
		if errors.As(err, &re); re.Errors[len(re.Errors)-1].Code != clienteling.ETOOLARGE {
			t.Errorf("code = %q, want %q", re.Errors[len(re.Errors)-1].Code, clienteling.ETOOLARGE)
		}
	}
	t.Run("ErrTooManyRowsCSV", func(t *testing.T) {
		in := "sku,title_en,price\n" + strings.Repeat("x\n", MaxRows+1)
		_, err := Catalog(strings.NewReader(in), CSV)
		tooMany(t, err, MaxRows+2)
	})
	t.Run("ErrTooManyRowsJSON", func(t *testing.T) {
		in := "[" + strings.Repeat("1,", MaxRows) + "{}]"
		_, err := Catalog(strings.NewReader(in), JSON)
		tooMany(t, err, MaxRows+1)
	})
	t.Run("ErrStopAfterManyRows", func(t *testing.T) {
		in := "sku,title_en,price\n" + strings.Repeat("x\n", MaxErrors+5) + "A,\"Bag,1\n"
		_, err := Catalog(strings.NewReader(in), CSV)
		lines := errLines(t, err)
		checkLines(t, lines[MaxErrors:], []string{"... and 5 more", fmt.Sprintf("row %d: malformed CSV...", MaxErrors+7)})
	})
	t.Run("ErrLongCell", func(t *testing.T) {
		in := "sku,title_en,description_en,price_minor\nA,Bag," + strings.Repeat("x", MaxCellBytes+1) + ",1\n"
		_, err := Catalog(strings.NewReader(in), CSV)
		checkLines(t, errLines(t, err), []string{fmt.Sprintf("row 2: description_en: must be at most %d bytes", MaxCellBytes)})
	})
	t.Run("ErrLongObject", func(t *testing.T) {
		in := `[{"sku":"A","title":{"en":"` + strings.Repeat("x", MaxObjectBytes) + `"}}]`
		_, err := Catalog(strings.NewReader(in), JSON)
		checkLines(t, errLines(t, err), []string{fmt.Sprintf("row 1: must be at most %d bytes", MaxObjectBytes)})
	})
	t.Run("ErrLongTitle", func(t *testing.T) {
		in := "sku,title_en,price_minor\nA," + strings.Repeat("x", 201) + ",1\n"
		_, err := Catalog(strings.NewReader(in), CSV)
		checkLines(t, errLines(t, err), []string{"row 2: title[en]: must be at most 200 characters"})
	})
}

func TestUnknownFormat(t *testing.T) {
	t.Parallel()
	_, err := Catalog(strings.NewReader("[]"), Format("xml"))
	if clienteling.ErrorCode(err) != clienteling.EINVALID || clienteling.ErrorField(err) != "format" {
		t.Fatalf("got %v, want an invalid format error", err)
	}
}

// The boutiques and associates the tests' rows may name. An associate
// already there is "legacy", so that the tests' new associates are free.
var (
	testBoutiques = []*clienteling.Boutique{{ID: "sh-plaza66"}, {ID: "bj-skp"}, {ID: "b"}}
	testStaff     = []*clienteling.Associate{
		{UserID: "amy", Boutique: "sh-plaza66"}, {UserID: "chenjing", Boutique: "sh-plaza66"}, {UserID: "legacy", Boutique: "bj-skp"}}
)

// readAssociates is Associates against a directory holding "legacy".
func readAssociates(r io.Reader, f Format) ([]*clienteling.Associate, error) {
	return Associates(context.Background(), r, f, List(testBoutiques, testStaff[2:]))
}

// readCustomers is Customers against a directory holding amy and chenjing.
func readCustomers(r io.Reader, f Format) ([]*clienteling.Customer, error) {
	return Customers(context.Background(), r, f, List(testBoutiques, testStaff[:2]))
}
