package importer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/salonhq/salon/clienteling"
)

// Bounds on one import. A file over MaxBytes is refused before it is parsed;
// the others are reported as row errors.
const (
	MaxBytes       = 64 << 20 // bytes in one file
	MaxRows        = 100_000  // rows (CSV records or JSON array elements) in one file
	MaxErrors      = 100      // problems listed in RowErrors; the rest are counted
	MaxCellBytes   = 16 << 10 // bytes in one CSV cell
	MaxObjectBytes = 1 << 20  // bytes in one JSON array element
)

// Format is the syntax of an import file.
type Format string

// The formats an import file may be in.
const (
	CSV  Format = "csv"  // comma-separated, UTF-8, a header row naming the columns
	JSON Format = "json" // an array of objects shaped like the domain types' JSON
)

// FormatOf returns the format a file name's extension announces: ".csv" or
// ".json", in any case. Any other name is an EINVALID error naming the field
// "file".
func FormatOf(filename string) (Format, error) {
	switch strings.ToLower(filepath.Ext(filename)) {
	case ".csv":
		return CSV, nil
	case ".json":
		return JSON, nil
	}
	return "", clienteling.FieldError("file", "must end in .csv or .json")
}

// Catalog reads products. Each is validated with clienteling.Validate, and
// a SKU may appear once. The result is every product of the file, in file
// order, or none and an error: *RowErrors for problems in the content, an
// ETOOLARGE *clienteling.Error for a file over MaxBytes.
func Catalog(r io.Reader, format Format) ([]*clienteling.Product, error) {
	return load(r, format, &catalogKind, nil)
}

// Associates reads associates, normalized (a missing status is "active") and
// validated. A userid may appear once, compared without regard to case as
// WeCom compares them, and may not be in dir already; each associate's
// boutique must be in dir. The result is all of them or none, as for
// Catalog; an error of dir is returned as it is.
func Associates(ctx context.Context, r io.Reader, format Format, dir Directory) ([]*clienteling.Associate, error) {
	k, err := lookUp(ctx, dir)
	if err != nil {
		return nil, err
	}
	return load(r, format, &associatesKind, k)
}

// Customers reads new customers, normalized (default tier and language, the
// phone in E.164 form) and validated. Each needs a channel identity or a
// unionid; an identity or a unionid may appear once in the file. The advisor
// and boutique a customer names must be in dir. Ids are Salon's to give, so a
// JSON row with an "id" is refused. The result is all of them or none, as for
// Catalog; an error of dir is returned as it is.
func Customers(ctx context.Context, r io.Reader, format Format, dir Directory) ([]*clienteling.Customer, error) {
	k, err := lookUp(ctx, dir)
	if err != nil {
		return nil, err
	}
	return load(r, format, &customersKind, k)
}

// kind is what the shared machinery needs to know about one type of import.
type kind[T any] struct {
	columns []string // every CSV column it understands
	// required lists the CSV columns that must be present: for each entry,
	// exactly one of its names (price or price_minor).
	required [][]string
	fromCSV  func(c *cells) *T                                   // build a value from one CSV row
	check    func(t *T, f Format, k *known) []*clienteling.Error // normalize and validate one value
	keys     func(t *T, f Format) []uniqueKey                    // non-empty values that must be unique in a file
	// cellFields maps a CSV column to the JSON path of what it fills, where
	// they differ, so that a cell that could not be read is not reported a
	// second time as the empty field it left behind.
	cellFields map[string]string
}

// uniqueKey is one value that may occur once in a file, and the field that
// names it in the file's format.
type uniqueKey struct {
	field string
	value string
}

// batch accumulates the accepted values of one file and its problems.
type batch[T any] struct {
	kind   *kind[T]
	format Format
	known  *known
	out    []*T
	seen   map[string]int // unique key -> row where it first occurred
	errs   collector
}

// accept checks a parsed value and keeps it, or records every reason why
// not: the cells that could not be read (failed), then each field the
// domain refuses, then each key an earlier row holds. The unique keys of a
// rejected row still count, so that a later row repeating one is reported
// in the same pass rather than after the first row is fixed.
func (b *batch[T]) accept(row int, t *T, failed []RowError) {
	ok := len(failed) == 0
	for _, e := range failed {
		b.errs.addCode(e.Row, e.Field, e.Message, e.Code)
	}
	for _, err := range b.kind.check(t, b.format, b.known) {
		if b.covered(err.Field, failed) {
			continue
		}
		b.errs.addErr(row, err)
		ok = false
	}
	for _, k := range b.kind.keys(t, b.format) {
		if first, dup := b.seen[k.value]; !dup {
			b.seen[k.value] = row
		} else if first != row { // within a row, check reports it

			b.errs.add(row, k.field, fmt.Sprintf("duplicates row %d", first))
			ok = false
		}
	}
	if ok {
		b.out = append(b.out, t)
	}
}

// covered reports whether field was filled from a cell already reported.
func (b *batch[T]) covered(field string, failed []RowError) bool {
	for _, e := range failed {
		for _, f := range []string{e.Field, b.kind.cellFields[e.Field]} {
			if f != "" && (field == f || strings.HasPrefix(field, f+".") || strings.HasPrefix(field, f+"[")) {
				return true
			}
		}
	}
	return false
}

// load reads a whole file, parses it in its format and checks every row
// against k (nil for a kind that names nothing in the database).
func load[T any](r io.Reader, format Format, kd *kind[T], k *known) ([]*T, error) {
	if format != CSV && format != JSON {
		return nil, clienteling.FieldError("format", "must be csv or json")
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read import file: %w", err)
	}
	if len(data) > MaxBytes {
		return nil, clienteling.Errorf(clienteling.ETOOLARGE, "the file is over %d MiB: split it", MaxBytes>>20)
	}
	// Spreadsheet programs start UTF-8 files with a byte-order mark.
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	b := &batch[T]{kind: kd, format: format, known: k, out: []*T{}, seen: map[string]int{}}
	if format == CSV {
		readCSV(data, b)
	} else {
		readJSON(data, b)
	}
	if err := b.errs.err(); err != nil {
		return nil, err
	}
	return b.out, nil
}
