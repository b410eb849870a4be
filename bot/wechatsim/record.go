package wechatsim

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Call is one request the simulator received, with what it answered.
type Call struct {
	// Seq numbers calls from 1 in order of arrival.
	Seq    int
	Time   time.Time // arrival, by Options.Clock
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte

	// Done is set once the call was answered or abandoned; Status,
	// Errcode and Credential are final only then.
	Done bool
	// Status is the HTTP status answered; 0 if the client went away (or
	// the server closed) before an answer.
	Status int
	// Errcode is the WeChat errcode answered; 0 for success and for
	// answers that carry none.
	Errcode int
	// Credential is what the call's access token was issued for: the
	// AppID for Official Account tokens, the secret for WeCom tokens;
	// empty if the call carried no valid token.
	Credential string
}

// AccessToken returns the access_token query parameter of the call.
func (c Call) AccessToken() string { return c.Query.Get("access_token") }

// JSON decodes the call's body into v.
func (c Call) JSON(v any) error {
	if err := json.Unmarshal(c.Body, v); err != nil {
		return fmt.Errorf("wechatsim: call %d to %s: %w", c.Seq, c.Path, err)
	}
	return nil
}

// XMLFields decodes a flat XML body, such as a Pay request, into a map of
// element names to text.
func (c Call) XMLFields() (map[string]string, error) {
	return parseFlatXML(c.Body)
}

type recorder struct {
	mu      sync.Mutex
	calls   []*Call
	seq     int
	limit   int
	changed chan struct{} // closed and replaced on every change
}

func (r *recorder) begin(now time.Time, req *http.Request) *Call {
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(bytes.NewReader(body))
	c := &Call{
		Time:   now,
		Method: req.Method,
		Path:   req.URL.Path,
		Query:  req.URL.Query(),
		Header: req.Header.Clone(),
		Body:   body,
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	c.Seq = r.seq
	r.calls = append(r.calls, c)
	if r.limit > 0 && len(r.calls) > r.limit {
		r.calls = slices.Delete(r.calls, 0, len(r.calls)-r.limit)
	}
	r.notify()
	return c
}

// end records the answer and returns a copy of the finished call.
func (r *recorder) end(c *Call, w *recordingWriter) Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.Done = true
	c.Status = w.status
	c.Errcode = w.errcode
	c.Credential = w.credential
	r.notify()
	done := *c
	done.Body = bytes.Clone(c.Body)
	return done
}

// nextSeq takes a sequence number for something other than a call: a push.
func (r *recorder) nextSeq() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	r.notify()
	return r.seq
}

func (r *recorder) notify() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// snapshot copies the calls matching keep, so callers never share memory
// with calls still being answered.
func (r *recorder) snapshot(keep func(*Call) bool) ([]Call, chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Call
	for _, c := range r.calls {
		if keep(c) {
			cp := *c
			cp.Query = cloneValues(c.Query)
			cp.Header = c.Header.Clone()
			cp.Body = bytes.Clone(c.Body)
			out = append(out, cp)
		}
	}
	return out, r.changed
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// Calls returns every recorded call in order of arrival.
func (s *Server) Calls() []Call {
	calls, _ := s.rec.snapshot(func(*Call) bool { return true })
	return calls
}

// CallsTo returns the recorded calls to path (e.g. "/cgi-bin/kf/sync_msg")
// in order of arrival.
func (s *Server) CallsTo(path string) []Call {
	calls, _ := s.rec.snapshot(func(c *Call) bool { return c.Path == path })
	return calls
}

// LastCall returns the most recent call to path, if any.
func (s *Server) LastCall(path string) (Call, bool) {
	calls := s.CallsTo(path)
	if len(calls) == 0 {
		return Call{}, false
	}
	return calls[len(calls)-1], true
}

// ResetCalls forgets the recorded calls; sequence numbers keep counting.
func (s *Server) ResetCalls() {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	s.rec.calls = nil
	s.rec.notify()
}

// WaitCalls blocks until at least n calls to path have been answered (or
// abandoned), then returns those calls; it fails when ctx ends first. It is
// how a test waits for the bot's asynchronous sends without sleeping.
func (s *Server) WaitCalls(ctx context.Context, path string, n int) ([]Call, error) {
	return s.waitFor(ctx, path, n, true)
}

// WaitArrived is WaitCalls counting calls from their arrival, for calls a
// fault holds unanswered.
func (s *Server) WaitArrived(ctx context.Context, path string, n int) ([]Call, error) {
	return s.waitFor(ctx, path, n, false)
}

func (s *Server) waitFor(ctx context.Context, path string, n int, done bool) ([]Call, error) {
	for {
		calls, changed := s.rec.snapshot(func(c *Call) bool { return c.Path == path && (c.Done || !done) })
		if len(calls) >= n {
			return calls, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return calls, fmt.Errorf("wechatsim: %d of %d calls to %s: %w", len(calls), n, path, ctx.Err())
		}
	}
}

// parseFlatXML reads <xml><k>v</k>...</xml>, the shape of every WeChat Pay
// message, keeping text with or without CDATA.
func parseFlatXML(b []byte) (map[string]string, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	out := map[string]string{}
	depth := 0
	var name string
	var text bytes.Buffer
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("wechatsim: bad XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				name = t.Name.Local
				text.Reset()
			}
		case xml.CharData:
			if depth == 2 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 {
				out[name] = text.String()
			}
			depth--
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("wechatsim: bad XML: unclosed element")
	}
	return out, nil
}
