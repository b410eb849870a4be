package wechatsim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// keptPaths are the send APIs whose calls Keep makes durable: what a
// user's phone would show. Token, QR code and Pay calls are not kept.
var keptPaths = map[string]bool{
	"/cgi-bin/message/custom/send":       true,
	"/cgi-bin/message/template/send":     true,
	"/cgi-bin/message/subscribe/bizsend": true,
	"/cgi-bin/kf/send_msg":               true,
	"/cgi-bin/kf/send_msg_on_event":      true,
}

// DefaultKeepLimit is how many records a kept file holds at least: the
// newest ones; older ones go when the file is rewritten.
const DefaultKeepLimit = 2000

// maxStateLine bounds one line of a kept file, well above any send body
// (text messages are at most 2048 characters).
const maxStateLine = 1 << 20

// keptCall is a send call as the file keeps it: no query (it carries the
// access token) and no headers.
type keptCall struct {
	Seq     int             `json:"seq"`
	Time    time.Time       `json:"time"`
	Path    string          `json:"path"`
	Body    json.RawMessage `json:"body,omitempty"`
	Status  int             `json:"status"`
	Errcode int             `json:"errcode,omitempty"`
}

// stateLine is one line of a kept file: a call or a push.
type stateLine struct {
	Call *keptCall `json:"call,omitempty"`
	Push *Push     `json:"push,omitempty"`
}

// stateFile appends the kept records to a file, one JSON object a line,
// each synced before the call it records is answered. The file is
// rewritten with the newest limit records when it holds twice as many.
type stateFile struct {
	mu      sync.Mutex
	path    string
	f       *os.File
	lines   [][]byte // the newest limit lines, oldest first
	written int      // lines in the file
	limit   int
	onError func(error)
}

// Keep makes the record of the send calls (customer-service, template,
// subscribe and 微信客服 sends, as Calls shows them) and of the pushes
// durable in the file at path, so that a simulator started again with the
// same path shows what the users were sent before. It loads what the file
// holds, then appends every such call, synced before it is answered, and
// every push. A line it cannot read (a write cut short by a crash) is
// dropped. onError, if not nil, hears of writes that failed; the calls are
// answered anyway. Call Keep once, before anything calls the server.
func (s *Server) Keep(path string, onError func(error)) error {
	return s.keep(path, DefaultKeepLimit, onError)
}

func (s *Server) keep(path string, limit int, onError func(error)) error {
	if s.state != nil {
		return errors.New("wechatsim: Keep called twice")
	}
	var calls []keptCall
	var pushes []Push
	switch f, err := os.Open(path); {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("wechatsim: keep: %w", err)
	default:
		calls, pushes, err = readState(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("wechatsim: keep: read %s: %w", path, err)
		}
	}
	calls, pushes = newest(calls, pushes, limit)
	st := &stateFile{path: path, limit: limit, onError: onError}
	for _, c := range calls {
		st.add(mustJSON(stateLine{Call: &c}))
	}
	for _, p := range pushes {
		st.add(mustJSON(stateLine{Push: &p}))
	}
	// Rewritten at once: it drops unreadable lines, and a line cut short
	// without its newline would run into the next one appended.
	if err := st.rewrite(); err != nil {
		return fmt.Errorf("wechatsim: keep: %w", err)
	}
	s.restore(calls, pushes)
	s.state = st
	return nil
}

// newest keeps the limit records of highest Seq, calls and pushes together.
func newest(calls []keptCall, pushes []Push, limit int) ([]keptCall, []Push) {
	if len(calls)+len(pushes) <= limit {
		return calls, pushes
	}
	seqs := make([]int, 0, len(calls)+len(pushes))
	for _, c := range calls {
		seqs = append(seqs, c.Seq)
	}
	for _, p := range pushes {
		seqs = append(seqs, p.Seq)
	}
	slices.Sort(seqs)
	from := seqs[len(seqs)-limit]
	calls = slices.DeleteFunc(calls, func(c keptCall) bool { return c.Seq < from })
	pushes = slices.DeleteFunc(pushes, func(p Push) bool { return p.Seq < from })
	return calls, pushes
}

// restore puts kept calls and pushes back in the record, as if this
// server had answered them.
func (s *Server) restore(calls []keptCall, pushes []Push) {
	s.rec.mu.Lock()
	var restored []*Call
	for _, k := range calls {
		restored = append(restored, &Call{Seq: k.Seq, Time: k.Time, Method: "POST", Path: k.Path,
			Body: []byte(k.Body), Done: true, Status: k.Status, Errcode: k.Errcode})
		s.rec.seq = max(s.rec.seq, k.Seq)
	}
	for _, p := range pushes {
		s.rec.seq = max(s.rec.seq, p.Seq)
	}
	s.rec.calls = append(restored, s.rec.calls...)
	if l := s.rec.limit; l > 0 && len(s.rec.calls) > l {
		s.rec.calls = slices.Delete(s.rec.calls, 0, len(s.rec.calls)-l)
	}
	s.rec.notify()
	s.rec.mu.Unlock()

	s.push.mu.Lock()
	s.push.list = append(slices.Clone(pushes), s.push.list...)
	s.push.mu.Unlock()
}

// readState reads a kept file: its calls and pushes, each in order of
// Seq, skipping lines that are not a whole, sensible record.
func readState(r io.Reader) ([]keptCall, []Push, error) {
	var calls []keptCall
	var pushes []Push
	br := bufio.NewReader(r)
	for {
		line, err := readLine(br)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		var l stateLine
		if line == nil || json.Unmarshal(line, &l) != nil {
			continue
		}
		switch {
		case l.Call != nil && l.Push == nil && l.Call.Seq > 0 && keptPaths[l.Call.Path] && !l.Call.Time.IsZero():
			calls = append(calls, *l.Call)
		case l.Push != nil && l.Call == nil && l.Push.Seq > 0 && l.Push.Event != "" && !l.Push.Time.IsZero():
			pushes = append(pushes, *l.Push)
		}
	}
	slices.SortStableFunc(calls, func(a, b keptCall) int { return a.Seq - b.Seq })
	slices.SortStableFunc(pushes, func(a, b Push) int { return a.Seq - b.Seq })
	return calls, pushes, nil
}

// readLine returns the next line without its newline, or nil for a line
// longer than maxStateLine, which it skips; io.EOF after the last line.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	tooLong := false
	for {
		frag, err := br.ReadSlice('\n')
		if !tooLong {
			line = append(line, frag...)
			if len(line) > maxStateLine {
				line, tooLong = nil, true
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) == 0 && !tooLong:
			return nil, io.EOF
		case err != nil && err != io.EOF:
			return nil, err
		}
		if tooLong {
			return nil, nil
		}
		return bytes.TrimSuffix(line, []byte("\n")), nil
	}
}

// keepCall appends c if it is a send call.
func (st *stateFile) keepCall(c Call) {
	if st == nil || !keptPaths[c.Path] {
		return
	}
	k := keptCall{Seq: c.Seq, Time: c.Time, Path: c.Path, Status: c.Status, Errcode: c.Errcode}
	if len(c.Body) < maxStateLine/2 && json.Valid(c.Body) {
		k.Body = json.RawMessage(compact(c.Body))
	}
	st.append(mustJSON(stateLine{Call: &k}))
}

func (st *stateFile) keepPush(p Push) {
	if st == nil {
		return
	}
	st.append(mustJSON(stateLine{Push: &p}))
}

// compact removes the insignificant spaces of a JSON body, so it fits one line.
func compact(b []byte) []byte {
	var out bytes.Buffer
	if json.Compact(&out, b) != nil {
		return nil
	}
	return out.Bytes()
}

// add remembers a line for the next rewrite.
func (st *stateFile) add(line []byte) {
	st.lines = append(st.lines, line)
	if len(st.lines) > st.limit {
		st.lines = slices.Delete(st.lines, 0, len(st.lines)-st.limit)
	}
}

func (st *stateFile) append(line []byte) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.f == nil {
		return // closed
	}
	st.add(line)
	_, err := st.f.Write(append(line, '\n'))
	if err == nil {
		err = st.f.Sync()
	}
	st.written++
	if err == nil && st.written > 2*st.limit {
		err = st.rewrite()
	}
	if err != nil && st.onError != nil {
		st.onError(fmt.Errorf("wechatsim: keep %s: %w", st.path, err))
	}
}

// rewrite replaces the file with the remembered lines, atomically, and
// reopens it for appending; the caller holds st.mu or owns st alone.
func (st *stateFile) rewrite() error {
	if st.f != nil {
		st.f.Close()
		st.f = nil
	}
	dir := filepath.Dir(st.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(st.path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	w := bufio.NewWriter(tmp)
	for _, l := range st.lines {
		w.Write(l)
		w.WriteByte('\n')
	}
	err = w.Flush()
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), st.path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return err
	}
	st.written = len(st.lines)
	st.f, err = os.OpenFile(st.path, os.O_WRONLY|os.O_APPEND, 0o600)
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (st *stateFile) close() {
	if st == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.f != nil {
		st.f.Close()
		st.f = nil
	}
}

// Forget drops from the record, and from the kept file, every send to a
// user and every push from one for whom gone is true (by openid, or
// external_userid for 微信客服 sends): what a sandbox keeps of a client who
// was erased must go too.
func (s *Server) Forget(gone func(user string) bool) error {
	isGone := func(c *Call) bool {
		var body struct {
			ToUser string `json:"touser"`
		}
		return keptPaths[c.Path] && json.Unmarshal(c.Body, &body) == nil && body.ToUser != "" && gone(body.ToUser)
	}
	s.rec.mu.Lock()
	s.rec.calls = slices.DeleteFunc(s.rec.calls, isGone)
	s.rec.notify()
	s.rec.mu.Unlock()
	s.push.mu.Lock()
	s.push.list = slices.DeleteFunc(s.push.list, func(p Push) bool { return gone(p.OpenID) })
	s.push.mu.Unlock()

	st := s.state
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.lines = slices.DeleteFunc(st.lines, func(line []byte) bool {
		var l stateLine
		if json.Unmarshal(line, &l) != nil {
			return true
		}
		if l.Call != nil {
			return isGone(&Call{Path: l.Call.Path, Body: l.Call.Body})
		}
		return l.Push != nil && gone(l.Push.OpenID)
	})
	if st.f == nil {
		return errors.New("wechatsim: forget: the kept file is closed")
	}
	if err := st.rewrite(); err != nil {
		return fmt.Errorf("wechatsim: forget: %w", err)
	}
	return nil
}
