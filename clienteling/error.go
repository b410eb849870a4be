package clienteling

import (
	"errors"
	"fmt"
)

// Error codes. They are stable and append-only: adapters map them to HTTP
// statuses and to locale message IDs, so renaming one breaks clients.
const (
	ECONFLICT     = "conflict"     // the action conflicts with the current state
	EFORBIDDEN    = "forbidden"    // authenticated, but not allowed
	EINTERNAL     = "internal"     // a bug or an unexpected failure
	EINVALID      = "invalid"      // the input is invalid
	ENOTFOUND     = "not_found"    // the thing does not exist (or may not be seen)
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EUNAVAILABLE  = "unavailable"  // try again later: storage or a dependency is down
	ETOOLARGE     = "too_large"    // a body or a list is over its bound
	EINUSE        = "in_use"       // a resource is held by another process

	// EPRECONDITION: the thing changed since the caller read it (If-Match).
	EPRECONDITION = "precondition_failed"
)

// Error is the domain's error. Code is for machines, Message for people,
// Field names the offending input (JSON path such as "price.amount") when
// there is one, Op the operation that failed, and Err the cause.
type Error struct {
	Code    string
	Message string
	Field   string
	Op      string
	Err     error
}

// Error implements error. Only Code, Field and Message are shown to callers;
// the cause is for logs.
func (e *Error) Error() string {
	var s string
	if e.Op != "" {
		s = e.Op + ": "
	}
	if e.Field != "" {
		s += e.Field + ": "
	}
	if e.Message != "" {
		s += e.Message
	} else {
		s += e.Code
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID *Error naming the offending field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error from op as EINTERNAL.
func Internal(op string, err error) *Error {
	return &Error{Code: EINTERNAL, Op: op, Err: err, Message: "internal error"}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human-readable message of err, hiding the detail of
// internal errors, which may carry paths or personal data.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		if e.Message != "" {
			return e.Message
		}
		return e.Code
	}
	return "internal error"
}

// ErrorField returns the field named by err, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
