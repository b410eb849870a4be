package importer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/salonhq/salon/clienteling"
)

// RowError is one rejected row, or one problem with the file as a whole when
// Row is 0. Field is a JSON path as clienteling.Validate names it
// ("price.amount"), or a CSV column name for a cell that could not be read;
// it is empty when the whole row is at fault.
type RowError struct {
	Row     int
	Field   string
	Message string
	Code    string // a clienteling error code; EINVALID unless said otherwise
}

// Error reads "row 7: price.amount: must be > 0", or "file: ..." for Row 0.
// It never quotes a cell's value, which may be personal data.
func (e RowError) Error() string {
	var b strings.Builder
	if e.Row > 0 {
		fmt.Fprintf(&b, "row %d: ", e.Row)
	} else {
		b.WriteString("file: ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap gives the row's problem as a domain error, so that
// clienteling.ErrorCode and the adapters' code-to-status tables apply.
func (e RowError) Unwrap() error {
	code := e.Code
	if code == "" {
		code = clienteling.EINVALID
	}
	return &clienteling.Error{Code: code, Field: e.Field, Message: e.Message}
}

// RowErrors is every problem an import found, in row order: the first
// MaxErrors of them, a count of the rest, and last, whatever the count, the
// problem that stopped the reading (malformed CSV or JSON, too many rows), if
// one did. An import that returns it has imported nothing.
type RowErrors struct {
	Errors  []RowError
	Omitted int // problems found beyond MaxErrors, not listed
}

// Error lists one problem per line, saying how many were left out after the
// first MaxErrors.
func (e *RowErrors) Error() string {
	lines := make([]string, 0, len(e.Errors)+1)
	more := fmt.Sprintf("... and %d more", e.Omitted)
	for i, re := range e.Errors {
		if i == MaxErrors && e.Omitted > 0 {
			lines = append(lines, more)
		}
		lines = append(lines, re.Error())
	}
	if e.Omitted > 0 && len(e.Errors) <= MaxErrors {
		lines = append(lines, more)
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the listed problems, so that errors.As finds a RowError or a
// *clienteling.Error in them.
func (e *RowErrors) Unwrap() []error {
	out := make([]error, len(e.Errors))
	for i, re := range e.Errors {
		out[i] = re
	}
	return out
}

// collector gathers row errors up to MaxErrors and counts the rest, so that
// a file of a million bad rows yields a readable report, not a flood.
type collector struct {
	errs RowErrors
}

func (c *collector) add(row int, field, msg string) {
	c.addCode(row, field, msg, clienteling.EINVALID)
}

func (c *collector) addCode(row int, field, msg, code string) {
	if len(c.errs.Errors) >= MaxErrors {
		c.errs.Omitted++
		return
	}
	c.errs.Errors = append(c.errs.Errors, RowError{Row: row, Field: field, Message: msg, Code: code})
}

// stop records the problem that ends the reading of a file. It is listed
// even past MaxErrors: it is the one the author must fix first.
func (c *collector) stop(row int, msg, code string) {
	c.errs.Errors = append(c.errs.Errors, RowError{Row: row, Message: msg, Code: code})
}

// addErr records err at row; a domain error keeps its field and code, and
// anything else is reported without detail, as it may carry input values.
func (c *collector) addErr(row int, err error) {
	var de *clienteling.Error
	if errors.As(err, &de) {
		c.addCode(row, de.Field, clienteling.ErrorMessage(de), de.Code)
		return
	}
	c.add(row, "", "is invalid")
}

func (c *collector) empty() bool { return len(c.errs.Errors) == 0 && c.errs.Omitted == 0 }

// err returns the collected errors as *RowErrors, or nil when there are none.
func (c *collector) err() error {
	if c.empty() {
		return nil
	}
	e := c.errs
	return &e
}
