package callback

import (
	"errors"
	"net/http"
)

// Reasons a callback is refused. They are stable, append-only labels for
// metrics and logs: a dashboard that counts "signature" should keep counting
// the same thing after an upgrade.
const (
	// ReasonMethod: the request used a method the endpoint does not serve
	// (405). URL checks are GET, messages are POST.
	ReasonMethod = "method"
	// ReasonSignature: signature or msg_signature is missing or does not
	// match (401). A forger, or a token that differs from the platform's.
	ReasonSignature = "signature"
	// ReasonStale: the signature matched but the timestamp is more than
	// MaxSkew from our clock, or not a number (401). A replay, or a clock
	// that drifted: signatures are checked first so that this label points
	// at the clock and not at forgers.
	ReasonStale = "stale"
	// ReasonPlaintext: an Official Account POST arrived in plaintext mode
	// while an EncodingAESKey is configured and plaintext is not allowed
	// (401). Its body is not covered by any signature.
	ReasonPlaintext = "plaintext"
	// ReasonTooLarge: the body is over MaxBody (413).
	ReasonTooLarge = "too_large"
	// ReasonRead: the body could not be read to its end (400), usually a
	// client that went away.
	ReasonRead = "read"
	// ReasonXML: the body or the decrypted message is not XML we can read,
	// or a numeric field is not a finite number (400).
	ReasonXML = "xml"
	// ReasonDecrypt: the ciphertext is not base64, not a whole number of
	// blocks, badly padded or truncated, or no key is configured for an
	// encrypted callback (400).
	ReasonDecrypt = "decrypt"
	// ReasonReceiver: the ciphertext decrypted but was sealed for another
	// AppID or CorpID (400): a callback meant for another account.
	ReasonReceiver = "receiver"
	// ReasonMissingField: a field every message of its kind carries is
	// absent: FromUserName, MsgType, CreateTime, Event, Encrypt, ... (400).
	ReasonMissingField = "missing_field"
)

// RejectError is why a callback was refused, in the terms its caller needs:
// the HTTP status to answer and a label to count. Nothing was stored, and
// nothing should be.
//
// Error never quotes the request, so it may be logged as it is. The cause
// behind Unwrap comes from a parser or the crypto library and may quote a
// fragment of the input; log it only where personal data may go.
type RejectError struct {
	// Endpoint is the endpoint that refused the callback.
	Endpoint Endpoint
	// Status is the HTTP status to answer: 401, 405, 413 or 400.
	Status int
	// Reason is one of the Reason constants.
	Reason string
	// Detail is a short explanation of ours, never text from the request.
	Detail string

	cause error
}

// Error returns "callback: ENDPOINT: REASON: DETAIL".
func (e *RejectError) Error() string {
	s := "callback: " + string(e.Endpoint) + ": " + e.Reason
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the underlying parser or crypto error, if any.
func (e *RejectError) Unwrap() error { return e.cause }

// statusOf maps each reason to the status the contract asks for, so that
// the two can never disagree at a call site.
var statusOf = map[string]int{
	ReasonMethod:       http.StatusMethodNotAllowed,
	ReasonSignature:    http.StatusUnauthorized,
	ReasonStale:        http.StatusUnauthorized,
	ReasonPlaintext:    http.StatusUnauthorized,
	ReasonTooLarge:     http.StatusRequestEntityTooLarge,
	ReasonRead:         http.StatusBadRequest,
	ReasonXML:          http.StatusBadRequest,
	ReasonDecrypt:      http.StatusBadRequest,
	ReasonReceiver:     http.StatusBadRequest,
	ReasonMissingField: http.StatusBadRequest,
}

func reject(ep Endpoint, reason, detail string, cause error) *RejectError {
	status, ok := statusOf[reason]
	if !ok {
		// A reason without a status is a bug here; 400 keeps the caller
		// from answering 200 to something we did not accept.
		status = http.StatusBadRequest
	}
	return &RejectError{Endpoint: ep, Status: status, Reason: reason, Detail: detail, cause: cause}
}

// Status returns the HTTP status a handler should answer for err: the
// status of a *RejectError in its chain, 200 for nil, and 500 for any other
// error.
func Status(err error) int {
	if err == nil {
		return http.StatusOK
	}
	var re *RejectError
	if errors.As(err, &re) {
		return re.Status
	}
	return http.StatusInternalServerError
}

// Reason returns the Reason label of a *RejectError in err's chain, "" for
// nil, and "internal" for any other error.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var re *RejectError
	if errors.As(err, &re) {
		return re.Reason
	}
	return "internal"
}
