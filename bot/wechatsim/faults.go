package wechatsim

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// AnyPath makes a fault apply to calls to every path that has no fault of
// its own.
const AnyPath = "*"

// Fault is one misbehaviour of WeChat to inject. A Fault with only Delay
// slows the call and then answers normally; one with Status, Errcode or
// Body answers that instead of the real handler; Hang never answers.
type Fault struct {
	// Status is the HTTP status to answer, e.g. 500 or 502.
	Status int
	// Errcode is a WeChat errcode to answer in a JSON body with HTTP 200
	// (unless Status says otherwise), e.g. 40001, 45015 or -1. On /pay/
	// paths it answers return_code FAIL instead; on /v3/ (WeChat Pay API
	// v3) paths, {"code":Errmsg,"message":...} with HTTP 500 unless Status
	// says otherwise, SYSTEM_ERROR when Errmsg is empty, and unsigned, as
	// a failure in front of WeChat Pay's signer would answer.
	Errcode int
	// Errmsg overrides the errmsg sent with Errcode.
	Errmsg string
	// Body, when set, is sent verbatim, e.g. a truncated JSON document.
	Body string
	// Delay holds the call this long before answering, or until the
	// client gives up.
	Delay time.Duration
	// Hang holds the call until the client gives up or the server closes.
	Hang bool
}

// answers reports whether the fault replaces the real handler's answer.
func (f Fault) answers() bool {
	return f.Status != 0 || f.Errcode != 0 || f.Body != ""
}

func (f Fault) write(w *recordingWriter, path string) {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case f.Body != "":
		w.WriteHeader(status)
		_, _ = w.Write([]byte(f.Body))
	case f.Errcode != 0 && strings.HasPrefix(path, "/pay/"):
		msg := f.Errmsg
		if msg == "" {
			msg = "SYSTEMERROR"
		}
		w.errcode = f.Errcode
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		_, _ = w.Write([]byte("<xml><return_code>" + cdata("FAIL") + "</return_code><return_msg>" + cdata(msg) + "</return_msg></xml>"))
	case f.Errcode != 0 && strings.HasPrefix(path, "/v3/"):
		code := f.Errmsg
		if code == "" {
			code = "SYSTEM_ERROR"
		}
		if f.Status == 0 {
			status = http.StatusInternalServerError
		}
		w.errcode = f.Errcode
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		body, _ := json.Marshal(map[string]string{"code": code, "message": "系统繁忙，请稍后重试"})
		_, _ = w.Write(body)
	case f.Errcode != 0:
		if status != http.StatusOK {
			w.Header().Set("Content-Type", "application/json; encoding=utf-8")
			w.WriteHeader(status)
		}
		apiError(w, f.Errcode, f.Errmsg)
	default:
		http.Error(w, http.StatusText(status), status)
	}
}

type faults struct {
	mu     sync.Mutex
	script map[string][]Fault
	always map[string]Fault
}

// next pops the fault for a call to path: a scripted one for path, then
// one for AnyPath, then a standing one for path, then for AnyPath.
func (f *faults) next(path string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range []string{path, AnyPath} {
		if q := f.script[p]; len(q) > 0 {
			f.script[p] = q[1:]
			return q[0], true
		}
	}
	for _, p := range []string{path, AnyPath} {
		if a, ok := f.always[p]; ok {
			return a, true
		}
	}
	return Fault{}, false
}

// Script makes the next len(fs) calls to path misbehave as fs says, one
// fault per call in order; later calls behave normally again. Scripts for
// the same path queue up behind each other. A Fault{} in the list lets one
// call through untouched.
func (s *Server) Script(path string, fs ...Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.script == nil {
		s.faults.script = map[string][]Fault{}
	}
	s.faults.script[path] = append(s.faults.script[path], fs...)
}

// Always makes every call to path misbehave as f says, after any scripted
// faults, until ClearFaults.
func (s *Server) Always(path string, f Fault) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if s.faults.always == nil {
		s.faults.always = map[string]Fault{}
	}
	s.faults.always[path] = f
}

// ClearFaults removes the scripted and standing faults of the given paths,
// or of every path when none is given.
func (s *Server) ClearFaults(paths ...string) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	if len(paths) == 0 {
		s.faults.script, s.faults.always = nil, nil
		return
	}
	for _, p := range paths {
		delete(s.faults.script, p)
		delete(s.faults.always, p)
	}
}
