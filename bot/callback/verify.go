package callback

import (
	"crypto/subtle"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"github.com/salonhq/salon/clienteling"
)

// MaxBody is the largest callback body accepted, in bytes. WeChat's own
// messages are a few kilobytes at most; the bound keeps a forger from making
// us decrypt and parse megabytes before the signature can be checked.
const MaxBody = 64 << 10

// MaxSkew is how far a callback's timestamp may be from our clock, either
// way, before it is refused as stale. It bounds how long a captured callback
// can be replayed.
const MaxSkew = 300 * time.Second

// core is what the three endpoints share: the account's secrets, its clock,
// and the checks every callback goes through in the same order.
type core struct {
	endpoint   Endpoint
	token      string
	receiverID string
	aesKey     string // as configured, for util.EncryptMsg
	key        []byte // decoded once; nil when no EncodingAESKey is set
	now        func() time.Time
}

func newCore(ep Endpoint, receiverField, receiverID, token, aesKey string, needKey bool, now func() time.Time) (core, error) {
	c := core{endpoint: ep, token: token, receiverID: receiverID, aesKey: aesKey, now: now}
	if c.now == nil {
		c.now = time.Now
	}
	if token == "" {
		return c, clienteling.FieldError("Token", "the callback token is required")
	}
	if aesKey == "" {
		if needKey {
			return c, clienteling.FieldError("EncodingAESKey", "an EncodingAESKey is required: WeCom callbacks are always encrypted")
		}
		return c, nil
	}
	key, err := decodeAESKey(aesKey)
	if err != nil {
		return c, err
	}
	if receiverID == "" {
		return c, clienteling.FieldError(receiverField, "required to check whom encrypted callbacks are sealed for")
	}
	c.key = key
	return c, nil
}

// decodeAESKey checks an EncodingAESKey the way WeChat defines it (43
// base64 characters for a 32-byte AES key) at start-up, so that a typo
// stops the service instead of failing every callback.
func decodeAESKey(s string) ([]byte, error) {
	if len(s) != 43 {
		return nil, clienteling.FieldError("EncodingAESKey", "must be 43 characters, got %d", len(s))
	}
	key, err := base64.StdEncoding.DecodeString(s + "=")
	if err != nil || len(key) != 32 {
		return nil, clienteling.FieldError("EncodingAESKey", "is not base64 of a 32-byte key")
	}
	return key, nil
}

func (c *core) reject(reason, detail string, cause error) *RejectError {
	return reject(c.endpoint, reason, detail, cause)
}

func (c *core) requireMethod(r *http.Request, method string) error {
	if r.Method != method {
		return c.reject(ReasonMethod, r.Method+" is not served here, want "+method, nil)
	}
	return nil
}

// readBody reads at most MaxBody bytes and refuses anything longer before a
// byte of it is parsed.
func (c *core) readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBody {
		return nil, c.reject(ReasonTooLarge, "body over 64 KiB", nil)
	}
	if r.Body == nil {
		return nil, nil
	}
	// Content-Length, when known, sizes the buffer, but only the limit
	// bounds what is read: a body may still be longer than announced.
	size := 512
	if r.ContentLength > 0 {
		size = int(r.ContentLength) + 1
	}
	body, err := readAll(io.LimitReader(r.Body, MaxBody+1), size)
	if err != nil {
		return nil, c.reject(ReasonRead, "body could not be read", err)
	}
	if len(body) > MaxBody {
		return nil, c.reject(ReasonTooLarge, "body over 64 KiB", nil)
	}
	return body, nil
}

// readAll is io.ReadAll starting from a buffer of size bytes, which saves
// the regrowth of a callback whose length is known.
func readAll(r io.Reader, size int) ([]byte, error) {
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// stamp is the part of the query every signature covers.
type stamp struct {
	timestamp, nonce string
}

func queryStamp(q url.Values) stamp {
	return stamp{timestamp: q.Get("timestamp"), nonce: q.Get("nonce")}
}

// authenticate checks got against the signature of the token, the stamp
// and extra (the ciphertext, for msg_signature), then the timestamp. The
// signature comes first so that ReasonStale is only ever given to callbacks
// WeChat really signed.
func (c *core) authenticate(param, got string, s stamp, extra ...string) error {
	if got == "" || s.timestamp == "" || s.nonce == "" {
		return c.reject(ReasonSignature, param+", timestamp or nonce missing", nil)
	}
	parts := make([]string, 0, 3+len(extra))
	parts = append(parts, c.token, s.timestamp, s.nonce)
	parts = append(parts, extra...)
	want := util.Signature(parts...)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return c.reject(ReasonSignature, param+" does not match", nil)
	}
	ts, err := strconv.ParseInt(s.timestamp, 10, 64)
	if err != nil {
		return c.reject(ReasonStale, "timestamp is not a number", nil)
	}
	// Whole seconds on both sides: WeChat's timestamp has no fraction, and
	// comparing Unix seconds cannot overflow the way a Duration could for
	// an absurd timestamp.
	now := c.now().Unix()
	skew := int64(MaxSkew / time.Second)
	if ts < now-skew || ts > now+skew {
		return c.reject(ReasonStale, "timestamp more than 300 s from now", nil)
	}
	return nil
}

// open decrypts a ciphertext (an <Encrypt> element or a WeCom echostr) and
// checks whom it was sealed for. It calls silenceper's AESDecryptMsg rather
// than DecryptMsg so that a ciphertext for another account (ReasonReceiver)
// is told apart from a broken one (ReasonDecrypt), and so that the key is
// decoded once at start-up rather than on every message.
func (c *core) open(encrypt string) (plain []byte, err error) {
	// AESDecryptMsg panics only on a key of the wrong length, which
	// newCore rules out; DecryptMsg guards it with a recover all the same,
	// and so do we, since a panic here would take a request down with it.
	defer func() {
		if p := recover(); p != nil {
			plain, err = nil, c.reject(ReasonDecrypt, "ciphertext does not decrypt", nil)
		}
	}()
	if c.key == nil {
		return nil, c.reject(ReasonDecrypt, "encrypted callback but no EncodingAESKey configured", nil)
	}
	raw, err := base64.StdEncoding.DecodeString(encrypt)
	if err != nil {
		return nil, c.reject(ReasonDecrypt, "ciphertext is not base64", err)
	}
	_, plain, receiver, err := util.AESDecryptMsg(raw, c.key)
	if err != nil {
		return nil, c.reject(ReasonDecrypt, "ciphertext does not decrypt", err)
	}
	if string(receiver) != c.receiverID {
		return nil, c.reject(ReasonReceiver, "ciphertext sealed for another account", nil)
	}
	return plain, nil
}

// openBody authenticates and decrypts an encrypted POST body: envelope,
// msg_signature over the ciphertext, timestamp, then decryption.
func (c *core) openBody(q url.Values, body []byte) (envelope, []byte, error) {
	env, err := c.readEnvelope(body)
	if err != nil {
		return env, nil, err
	}
	if err := c.authenticate("msg_signature", q.Get("msg_signature"), queryStamp(q), env.Encrypt); err != nil {
		return env, nil, err
	}
	plain, err := c.open(env.Encrypt)
	return env, plain, err
}

// echoCiphertext returns a WeCom URL check's echostr as WeCom sealed it.
// Base64 has no spaces, so a space can only be a '+' that a proxy or the
// sender failed to percent-encode and url.Query decoded; putting it back
// saves an operator a baffling failed check.
func echoCiphertext(q url.Values) string {
	return strings.ReplaceAll(q.Get("echostr"), " ", "+")
}
