package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/salonhq/salon/clienteling"
)

// statusOf maps domain error codes to HTTP statuses. The one table.
var statusOf = map[string]int{
	clienteling.EINVALID:      http.StatusBadRequest,
	clienteling.EUNAUTHORIZED: http.StatusUnauthorized,
	clienteling.EFORBIDDEN:    http.StatusForbidden,
	clienteling.ENOTFOUND:     http.StatusNotFound,
	clienteling.ECONFLICT:     http.StatusConflict,
	clienteling.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	clienteling.EUNAVAILABLE:  http.StatusServiceUnavailable,
	clienteling.EINUSE:        http.StatusServiceUnavailable,
	clienteling.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the contract's error shape.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError answers with the JSON error for err. Internal errors are logged
// in full and shown to the caller only as "internal error".
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := clienteling.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if code == clienteling.EINTERNAL || code == clienteling.EUNAVAILABLE {
		log.ErrorContext(r.Context(), "api request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	if code == clienteling.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="salon"`)
	}
	writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: clienteling.ErrorMessage(err), Field: clienteling.ErrorField(err)}})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// MaxBodyBytes bounds every API request body.
const MaxBodyBytes = 1 << 20

// decode reads one JSON object from the body into v: at most MaxBodyBytes,
// no unknown fields, nothing after the object.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return clienteling.Errorf(clienteling.EINVALID, "body must hold one JSON object")
	}
	return nil
}

// decodeError names the offending field where encoding/json lets us.
func decodeError(err error) error {
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &tooBig):
		return clienteling.Errorf(clienteling.ETOOLARGE, "body over %d bytes", MaxBodyBytes)
	case errors.As(err, &typeErr):
		return clienteling.FieldError(typeErr.Field, "must be a %s", typeErr.Type.String())
	case errors.As(err, &syntaxErr):
		return clienteling.Errorf(clienteling.EINVALID, "malformed JSON at byte %d", syntaxErr.Offset)
	}
	const unknown = "json: unknown field "
	if msg := err.Error(); len(msg) > len(unknown) && msg[:len(unknown)] == unknown {
		field := msg[len(unknown):]
		if len(field) >= 2 {
			field = field[1 : len(field)-1]
		}
		return clienteling.FieldError(field, "unknown field")
	}
	return clienteling.Errorf(clienteling.EINVALID, "malformed JSON body")
}
