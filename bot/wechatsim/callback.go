package wechatsim

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// Stamp holds what WeChat chooses afresh for every callback: the time, the
// nonce and the 16 random bytes sealed in front of an encrypted message. The
// zero Stamp behaves like WeChat (now, fresh nonce, fresh random); fixing the
// fields makes callbacks reproducible, stale or replayed.
type Stamp struct {
	// Clock gives the callback's timestamp; nil means time.Now. A clock
	// set in the past builds a stale callback.
	Clock func() time.Time
	// Nonce, when not empty, is the nonce of every callback; empty means a
	// fresh decimal nonce each time, as WeChat sends.
	Nonce string
	// Random, when not empty, must be exactly 16 bytes and is sealed into
	// every ciphertext; empty means fresh letters and digits each time.
	Random string
}

func (s Stamp) timestamp() string {
	now := time.Now
	if s.Clock != nil {
		now = s.Clock
	}
	return strconv.FormatInt(now().Unix(), 10)
}

func (s Stamp) nonce() string {
	if s.Nonce != "" {
		return s.Nonce
	}
	// WeChat's nonces are decimal strings of nine or ten digits.
	return strconv.FormatInt(100000000+rand.Int64N(9900000000), 10)
}

func (s Stamp) random() string {
	if s.Random == "" {
		return randomAlnum(16)
	}
	if len(s.Random) != 16 {
		// util.EncryptMsg would silently pad or cut it, producing a
		// ciphertext no test author meant to build.
		panic(fmt.Sprintf("wechatsim: Stamp.Random must be 16 bytes, got %d", len(s.Random)))
	}
	return s.Random
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomAlnum(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[rand.IntN(len(alnum))]
	}
	return string(b)
}

// Callback is one request as WeChat would send it, before it is addressed to
// a server. Tests may edit Query or Body before calling Request to build a
// malformed or tampered request.
type Callback struct {
	// Method is GET for URL checks and POST for messages.
	Method string
	// Query holds the signature parameters WeChat appends to the URL.
	Query url.Values
	// Body is the POST body; nil for GET.
	Body []byte
	// Timestamp and Nonce are the values signed into Query.
	Timestamp, Nonce string
	// Encrypt is the base64 ciphertext (the echostr of a WeCom URL check,
	// or the <Encrypt> element of a message); empty in plaintext mode.
	Encrypt string
	// Random is the 16 bytes sealed into Encrypt; empty in plaintext mode.
	Random string
	// Plaintext is the message XML the callback carries.
	Plaintext []byte
	// Echo is, for URL checks, the exact body the receiver must answer.
	Echo string

	// keys keeps WeChat's parameter order, which some receivers log and
	// which makes recorded URLs read like the real ones.
	keys []string
}

// Request returns the callback addressed to target, a path such as
// "/wechat/oa" (for calling a handler directly) or a full URL (for a real
// HTTP client). Query parameters already in target are kept. It panics if
// target does not parse, like httptest.NewRequest, since target is a
// constant of the test.
func (c *Callback) Request(target string) *http.Request {
	u, err := url.Parse(target)
	if err != nil {
		panic(fmt.Sprintf("wechatsim: bad target %q: %v", target, err))
	}
	q := u.Query()
	for k, vs := range c.Query {
		q[k] = slices.Clone(vs)
	}
	u.RawQuery = encodeOrdered(q, c.keys)
	var req *http.Request
	if c.Body != nil {
		req, err = http.NewRequest(c.Method, u.String(), bytes.NewReader(c.Body))
	} else {
		req, err = http.NewRequest(c.Method, u.String(), nil)
	}
	if err != nil {
		panic(fmt.Sprintf("wechatsim: %v", err))
	}
	if c.Method == http.MethodPost {
		req.Header.Set("Content-Type", "text/xml")
	}
	// WeChat's push servers announce themselves so; some receivers log it.
	req.Header.Set("User-Agent", "Mozilla/4.0")
	return req
}

// Forge returns a copy of c whose signature parameters (signature and
// msg_signature) are well-formed SHA-1 hex strings that do not match: what a
// forger without the token would send.
func (c *Callback) Forge() *Callback {
	f := *c
	f.Query = url.Values{}
	for k, vs := range c.Query {
		f.Query[k] = slices.Clone(vs)
	}
	for _, k := range []string{"signature", "msg_signature"} {
		if v := f.Query.Get(k); v != "" {
			f.Query.Set(k, flipHex(v))
		}
	}
	f.Body = bytes.Clone(c.Body)
	return &f
}

// flipHex changes the last hex digit, so the result keeps the length and
// alphabet of a real signature and fails only on comparison.
func flipHex(s string) string {
	last := s[len(s)-1]
	repl := byte('0')
	if last == '0' {
		repl = '1'
	}
	return s[:len(s)-1] + string(repl)
}

func encodeOrdered(q url.Values, order []string) string {
	var b strings.Builder
	seen := map[string]bool{}
	write := func(k string) {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(v))
		}
		seen[k] = true
	}
	for _, k := range order {
		if _, ok := q[k]; ok && !seen[k] {
			write(k)
		}
	}
	rest := make([]string, 0, len(q))
	for k := range q {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		write(k)
	}
	return b.String()
}

// Signature returns WeChat's callback signature: the hex SHA-1 of its
// arguments sorted and concatenated. With (token, timestamp, nonce) it is an
// Official Account's signature; with the ciphertext added it is msg_signature.
func Signature(parts ...string) string {
	// util.Signature sorts its argument in place; a copy keeps the
	// caller's slice as it was.
	return util.Signature(slices.Clone(parts)...)
}

// Seal encrypts plaintext as WeChat does (AES-256-CBC over random, length,
// plaintext and receiverID), returning the base64 text of an <Encrypt>
// element or an echostr. receiverID is the Official Account's AppID or the
// WeCom CorpID. random must be 16 bytes.
func Seal(receiverID, encodingAESKey, random string, plaintext []byte) (string, error) {
	if len(random) != 16 {
		return "", fmt.Errorf("wechatsim: random must be 16 bytes, got %d", len(random))
	}
	enc, err := util.EncryptMsg([]byte(random), plaintext, receiverID, encodingAESKey)
	if err != nil {
		return "", fmt.Errorf("wechatsim: seal: %w", err)
	}
	return string(enc), nil
}

// Open decrypts an <Encrypt> element or echostr sealed for receiverID and
// returns the random and the plaintext. It fails if the receiver id sealed
// inside is not receiverID.
func Open(receiverID, encodingAESKey, encrypt string) (random string, plaintext []byte, err error) {
	r, p, err := util.DecryptMsg(receiverID, encrypt, encodingAESKey)
	if err != nil {
		return "", nil, fmt.Errorf("wechatsim: open: %w", err)
	}
	return string(r), p, nil
}

func mustSeal(receiverID, encodingAESKey, random string, plaintext []byte) string {
	enc, err := Seal(receiverID, encodingAESKey, random, plaintext)
	if err != nil {
		// Only a malformed EncodingAESKey gets here: a mistake in the
		// test's own configuration, reported like regexp.MustCompile.
		panic(err)
	}
	return enc
}

// cdata writes v as WeChat writes text fields. A "]]>" inside v would end
// the section early, so it is split across two sections.
func cdata(v string) string {
	return "<![CDATA[" + strings.ReplaceAll(v, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// header reads the routing fields of a plaintext message without caring
// about the rest of it.
type header struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
}

func readHeader(msg []byte) header {
	var h header
	_ = xml.Unmarshal(msg, &h) // a broken msg just leaves the fields empty
	return h
}
