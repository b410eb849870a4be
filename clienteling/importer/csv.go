package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/salonhq/salon/clienteling"
)

// cells is one CSV record seen by column name, with the problems found while
// turning it into a value.
type cells struct {
	row    int
	index  map[string]int // column name -> position in record
	record []string
	errs   []RowError
}

// has reports whether the file has the column at all.
func (c *cells) has(col string) bool {
	_, ok := c.index[col]
	return ok
}

// get returns the column's cell with surrounding spaces removed, which
// spreadsheets leave behind and nobody means; "" if the column is absent.
func (c *cells) get(col string) string {
	i, ok := c.index[col]
	if !ok {
		return ""
	}
	return strings.TrimSpace(c.record[i])
}

// list splits a |-separated cell, dropping empty items (a trailing | is a
// common slip, not a request for an empty size).
func (c *cells) list(col string) []string {
	var out []string
	for _, s := range strings.Split(c.get(col), "|") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// fail records a problem with one cell. The message must not quote the
// cell: it may be personal data, and the row and column already locate it.
func (c *cells) fail(col, msg string) {
	c.errs = append(c.errs, RowError{Row: c.row, Field: col, Message: msg, Code: clienteling.EINVALID})
}

// readCSV parses data as a header row and records, and hands each record's
// value to b. The row number of a record is the line it starts on, which is
// the row number a spreadsheet shows unless a quoted cell spans lines.
func readCSV[T any](data []byte, b *batch[T]) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // a ragged row is a row error, not the end of the file
	r.ReuseRecord = true
	head, err := r.Read()
	if err == io.EOF {
		b.errs.add(1, "", "the file is empty: the first row must name the columns")
		return
	} else if err != nil {
		csvFailure(&b.errs, err)
		return
	}
	headLine, _ := r.FieldPos(0)
	names, index := readHeader(head, headLine, b.kind.columns, b.kind.required, &b.errs)
	if names == nil {
		return
	}
	rows := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return
		} else if err != nil {
			csvFailure(&b.errs, err)
			return
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		if rows++; rows > MaxRows {
			b.errs.stop(line, fmt.Sprintf("too many rows: at most %d in one file; split it", MaxRows), clienteling.ETOOLARGE)
			return
		}
		if len(rec) != len(names) {
			b.errs.add(line, "", fmt.Sprintf("has %d cells, the header row has %d", len(rec), len(names)))
			continue
		}
		c := &cells{row: line, index: index, record: rec}
		for i, v := range rec {
			if len(v) > MaxCellBytes {
				c.fail(names[i], fmt.Sprintf("must be at most %d bytes", MaxCellBytes))
			} else if !utf8.ValidString(v) {
				c.fail(names[i], "is not UTF-8: save the file as \"CSV UTF-8\"")
			}
		}
		if len(c.errs) > 0 {
			// Cells that are not text cannot be read into a value.
			for _, e := range c.errs {
				b.errs.add(e.Row, e.Field, e.Message)
			}
			continue
		}
		t := b.kind.fromCSV(c)
		b.accept(line, t, c.errs)
	}
}

// readHeader checks the header row against the columns a kind understands
// and returns the normalized names and their positions, or nil names if the
// header is unusable. Names are matched without regard to case or spaces.
func readHeader(head []string, row int, known []string, required [][]string, errs *collector) ([]string, map[string]int) {
	names := make([]string, len(head))
	index := make(map[string]int, len(head))
	ok := true
	for i, h := range head {
		name := strings.ToLower(strings.TrimSpace(h))
		names[i] = name
		switch {
		case name == "":
			errs.add(row, fmt.Sprintf("column %d", i+1), "has no name")
			ok = false
		case !slices.Contains(known, name):
			errs.add(row, name, "unknown column; the columns are: "+strings.Join(known, ", "))
			ok = false
		default:
			if _, dup := index[name]; dup {
				errs.add(row, name, "column appears twice")
				ok = false
			} else {
				index[name] = i
			}
		}
	}
	for _, cols := range required {
		var have []string
		for _, col := range cols {
			if _, in := index[col]; in {
				have = append(have, col)
			}
		}
		switch {
		case len(have) == 0 && len(cols) == 1:
			errs.add(row, cols[0], "required column is missing")
			ok = false
		case len(have) == 0:
			errs.add(row, cols[0], "required column is missing; or name it "+strings.Join(cols[1:], " or "))
			ok = false
		case len(have) > 1:
			errs.add(row, have[1], "give one of the columns "+strings.Join(cols, ", ")+", not several")
			ok = false
		}
	}
	if !ok {
		return nil, nil
	}
	return names, index
}

// csvFailure reports malformed CSV; the reader cannot resynchronise after
// one, so it ends the file.
func csvFailure(errs *collector, err error) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		errs.stop(0, "malformed CSV", clienteling.EINVALID)
		return
	}
	why := pe.Err.Error()
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		why = `a " inside a cell that does not start with one: quote the cell and double the "`
	case errors.Is(pe.Err, csv.ErrQuote):
		why = `a quoted cell is never closed, or a " inside it is not doubled`
	}
	errs.stop(pe.StartLine, fmt.Sprintf("malformed CSV at line %d, byte %d: %s", pe.Line, pe.Column, why), clienteling.EINVALID)
}

// blank reports whether every cell is empty: spreadsheets export the rows
// below the data as lines of commas.
func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}
