package httpjson

import (
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"

	"github.com/salonhq/salon/clienteling"
)

// EMETHOD is the code of a 405: the path is served, under other methods.
// It is the edge's own code, not the domain's: methods are HTTP's notion.
const EMETHOD = "method_not_allowed"

// statuses maps error codes to HTTP statuses: the one table. A slice, not
// a map, so that reading a status back (codeOf, for an answer without the
// JSON error) picks the same code every time.
var statuses = []struct {
	code   string
	status int
}{
	{clienteling.EINVALID, http.StatusBadRequest},
	{clienteling.EUNAUTHORIZED, http.StatusUnauthorized},
	{clienteling.EFORBIDDEN, http.StatusForbidden},
	{clienteling.ENOTFOUND, http.StatusNotFound},
	{EMETHOD, http.StatusMethodNotAllowed},
	{clienteling.ECONFLICT, http.StatusConflict},
	{clienteling.EPRECONDITION, http.StatusPreconditionFailed},
	{clienteling.ETOOLARGE, http.StatusRequestEntityTooLarge},
	{clienteling.EUNAVAILABLE, http.StatusServiceUnavailable},
	{clienteling.EINUSE, http.StatusServiceUnavailable},
	{clienteling.EINTERNAL, http.StatusInternalServerError},
}

// Status returns the HTTP status for an error code; 500 for a code the
// table does not know, since an unknown code is a bug.
func Status(code string) int {
	for _, s := range statuses {
		if s.code == code {
			return s.status
		}
	}
	return http.StatusInternalServerError
}

// codeOf returns the first code the table maps to status: for an answer
// with no JSON error in it (a proxy's page, say).
func codeOf(status int) string {
	for _, s := range statuses {
		if s.status == status {
			return s.code
		}
	}
	if status >= 500 {
		return clienteling.EUNAVAILABLE
	}
	return clienteling.EINVALID
}

// ErrorBody is the wire shape of every JSON error. Servers write it and
// clients decode it with the same type.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody. Field names the offending input,
// as a JSON path such as "price.amount", and is left out when there is none.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// BodyOf returns the error body shown to a caller for err: its code, field
// and message, with an internal error's detail hidden.
func BodyOf(err error) ErrorBody {
	return ErrorBody{Error: ErrorDetail{
		Code:    clienteling.ErrorCode(err),
		Message: clienteling.ErrorMessage(err),
		Field:   clienteling.ErrorField(err),
	}}
}

// Err returns the domain error the body describes, for a client that
// reads a server's answer.
func (b ErrorBody) Err() *clienteling.Error {
	return &clienteling.Error{Code: b.Error.Code, Message: b.Error.Message, Field: b.Error.Field}
}

// WriteError answers with the JSON error for err, at the status its code
// maps to. Failures of ours (5xx) are logged in full, with the route and
// never the path, which may hold a client's id; the caller sees only
// "internal error" for an internal one.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	body := BodyOf(err)
	status := Status(body.Error.Code)
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", r.Pattern, "code", body.Error.Code, "err", err)
	}
	if status == http.StatusUnauthorized {
		// RFC 9110 asks a 401 to say how to authenticate.
		w.Header().Set("WWW-Authenticate", `Bearer realm="salon"`)
	}
	Write(w, status, body)
}

// Write answers with v as JSON. Answers are never cached: they hold
// clients' data.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxErrorBytes bounds how much of an error answer a client reads.
const maxErrorBytes = 64 << 10

// ReadError returns the error a non-2xx answer carries, as a
// *clienteling.Error with the server's code, message and field. An answer
// without the JSON error (from a proxy, or not a Salon server) gives a
// code from its status and the status line as the message. The caller
// still closes the body.
func ReadError(resp *http.Response) *clienteling.Error {
	fallback := &clienteling.Error{Code: codeOf(resp.StatusCode), Message: resp.Status}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return fallback
	}
	var b ErrorBody
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxErrorBytes)).Decode(&b); err != nil || b.Error.Code == "" {
		return fallback
	}
	return b.Err()
}
