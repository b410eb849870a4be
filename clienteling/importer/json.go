package importer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// readJSON parses data as one JSON array of objects and hands each object's
// value to b. The row number of an object is its 1-based index in the array.
// Fields the domain type does not have are refused, so that a misspelt
// "min_teir" is an error rather than a silently missing value.
func readJSON[T any](data []byte, b *batch[T]) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if d, ok := tok.(json.Delim); err != nil || !ok || d != '[' {
		b.errs.stop(0, "must be a JSON array of objects, one per row", clienteling.EINVALID)
		return
	}
	row := 0
	for dec.More() {
		if row++; row > MaxRows {
			b.errs.stop(row, fmt.Sprintf("too many rows: at most %d in one file; split it", MaxRows), clienteling.ETOOLARGE)
			return
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			// The decoder cannot find the next row after a syntax error.
			b.errs.stop(row, malformedJSON(data, err), clienteling.EINVALID)
			return
		}
		if len(raw) > MaxObjectBytes {
			b.errs.add(row, "", fmt.Sprintf("must be at most %d bytes", MaxObjectBytes))
			continue
		}
		if len(raw) == 0 || raw[0] != '{' {
			b.errs.add(row, "", "must be a JSON object")
			continue
		}
		t := new(T)
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(t); err != nil {
			field, msg := jsonProblem(err)
			b.errs.add(row, field, msg)
			continue
		}
		b.accept(row, t, nil)
	}
	if _, err := dec.Token(); err != nil {
		b.errs.stop(0, malformedJSON(data, err), clienteling.EINVALID)
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		b.errs.stop(0, "has more after the array's closing ]", clienteling.EINVALID)
	}
}

// malformedJSON describes a syntax error and the line it is on.
func malformedJSON(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := min(max(se.Offset, 0), int64(len(data)))
		line := 1 + bytes.Count(data[:off], []byte("\n"))
		return fmt.Sprintf("malformed JSON at line %d: %s", line, strings.TrimPrefix(se.Error(), "json: "))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "malformed JSON: the file ends before the array is closed"
	}
	return "malformed JSON"
}

// jsonProblem turns a decoding error into the field at fault and what is
// wrong with it, without quoting the value.
func jsonProblem(err error) (field, msg string) {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "", "must be a JSON object"
		}
		return te.Field, "must be " + kindName(te.Type)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if s, err := strconv.Unquote(name); err == nil {
			name = s
		}
		return name, "unknown field"
	}
	// time.Time reports neither the field nor a typed error for a non-string.
	var pe *time.ParseError
	if errors.As(err, &pe) || strings.HasPrefix(err.Error(), "Time.UnmarshalJSON") {
		return "", "has a time that is not in RFC 3339 form, such as 2026-05-18T10:00:00+08:00"
	}
	return "", "is invalid"
}

// kindName names the JSON value a Go type is decoded from.
func kindName(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	if t == reflect.TypeFor[time.Time]() {
		return "a time in RFC 3339 form, such as 2026-05-18T10:00:00+08:00"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return kindName(t.Elem())
	}
	return "a different type"
}
