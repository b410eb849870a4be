package httpjson

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/salonhq/salon/clienteling"
)

// MaxBodyBytes bounds a request body unless the endpoint sets its own bound.
const MaxBodyBytes = 1 << 20

// Decode reads the request body into v with the MaxBodyBytes bound; see
// DecodeLimit.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	return DecodeLimit(w, r, v, MaxBodyBytes)
}

// DecodeLimit reads the request body into v: one JSON value of at most
// limit bytes, no field v does not have, nothing after it. A failure is an
// EINVALID error naming the offending field when there is one, or
// ETOOLARGE over the bound.
func DecodeLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, limit)
	}
	// More would let a stray "}" or "]" through; only the end may follow.
	if _, err := dec.Token(); err != io.EOF {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return decodeError(err, limit)
		}
		return clienteling.Errorf(clienteling.EINVALID, "body must hold one JSON value, and nothing after it")
	}
	return nil
}

// decodeError turns an encoding/json failure into a domain error that names
// the field and says what was expected, without Go's type names.
func decodeError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var domainErr *clienteling.Error
	const unknown = "json: unknown field "
	switch {
	case errors.As(err, &domainErr):
		return err // from a type's own UnmarshalJSON: it knows best
	case errors.As(err, &tooBig):
		return clienteling.Errorf(clienteling.ETOOLARGE, "body over %d bytes", limit)
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return clienteling.Errorf(clienteling.EINVALID, "body must be %s", expected(typeErr.Type))
	case errors.As(err, &typeErr):
		return clienteling.FieldError(typeErr.Field, "must be %s", expected(typeErr.Type))
	case errors.As(err, &syntaxErr):
		return clienteling.Errorf(clienteling.EINVALID, "malformed JSON at byte %d", syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		return clienteling.Errorf(clienteling.EINVALID, "body is empty: a JSON value is expected")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return clienteling.Errorf(clienteling.EINVALID, "body ends inside its JSON value")
	case strings.HasPrefix(err.Error(), unknown):
		// encoding/json has no type for this one: the field is in the text.
		field, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), unknown))
		if uerr != nil {
			field = ""
		}
		return clienteling.FieldError(field, "unknown field")
	}
	return clienteling.Errorf(clienteling.EINVALID, "malformed JSON body")
}

// expected says in JSON's words what a Go type accepts.
func expected(t reflect.Type) string {
	if t == nil {
		return "another JSON type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "another JSON type"
}
