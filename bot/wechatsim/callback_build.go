package wechatsim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
)

// oaKeys and wecomKeys are the parameter orders WeChat and WeCom use.
var (
	oaKeys    = []string{"signature", "echostr", "timestamp", "nonce", "openid", "encrypt_type", "msg_signature"}
	wecomKeys = []string{"msg_signature", "timestamp", "nonce", "echostr"}
)

// OA builds the callbacks an Official Account's server URL (/wechat/oa)
// receives. Token and EncodingAESKey are the values configured on the
// platform; AppID is the receiver id sealed into encrypted messages. The
// methods panic if EncodingAESKey is needed and malformed, a mistake in the
// test's configuration.
type OA struct {
	AppID          string
	Token          string
	EncodingAESKey string
	Stamp          Stamp
}

// URLCheck returns the GET WeChat sends when the server URL is saved:
// signature, timestamp, nonce and echostr, where the receiver must answer
// echostr verbatim (Callback.Echo). An empty echostr gets a random one.
func (a OA) URLCheck(echostr string) *Callback {
	ts, nonce := a.Stamp.timestamp(), a.Stamp.nonce()
	if echostr == "" {
		echostr = randomDigits(19)
	}
	return &Callback{
		Method: http.MethodGet,
		Query: url.Values{
			"signature": {Signature(a.Token, ts, nonce)},
			"echostr":   {echostr},
			"timestamp": {ts},
			"nonce":     {nonce},
		},
		Timestamp: ts,
		Nonce:     nonce,
		Echo:      echostr,
		keys:      oaKeys,
	}
}

// Plaintext returns msg as WeChat posts it in plaintext mode. The signature
// covers only token, timestamp and nonce, never the body, which is why the
// bot must treat such bodies as unauthenticated. The openid parameter is
// msg's FromUserName.
func (a OA) Plaintext(msg []byte) *Callback {
	ts, nonce := a.Stamp.timestamp(), a.Stamp.nonce()
	return &Callback{
		Method:    http.MethodPost,
		Query:     a.query(ts, nonce, msg),
		Body:      bytes.Clone(msg),
		Timestamp: ts,
		Nonce:     nonce,
		Plaintext: bytes.Clone(msg),
		keys:      oaKeys,
	}
}

// Compatible returns msg as WeChat posts it in compatible mode: the
// plaintext fields and an <Encrypt> element in one body, with both
// signature and msg_signature in the query.
func (a OA) Compatible(msg []byte) *Callback {
	cb := a.Safe(msg)
	// WeChat appends <Encrypt> after the plaintext fields, inside <xml>.
	enc := []byte("<Encrypt>" + cdata(cb.Encrypt) + "</Encrypt>")
	end := bytes.LastIndex(msg, []byte("</xml"))
	if end < 0 {
		end = len(msg)
	}
	body := make([]byte, 0, len(msg)+len(enc))
	body = append(body, msg[:end]...)
	body = append(body, enc...)
	body = append(body, msg[end:]...)
	cb.Body = body
	return cb
}

// Safe returns msg as WeChat posts it in safe mode: the body is
// <xml><ToUserName/><Encrypt/></xml> with the account's original id (msg's
// ToUserName) and the ciphertext sealed for AppID; the query adds
// encrypt_type=aes and msg_signature over the ciphertext.
func (a OA) Safe(msg []byte) *Callback {
	ts, nonce, random := a.Stamp.timestamp(), a.Stamp.nonce(), a.Stamp.random()
	enc := mustSeal(a.AppID, a.EncodingAESKey, random, msg)
	q := a.query(ts, nonce, msg)
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", Signature(a.Token, ts, nonce, enc))
	body := "<xml><ToUserName>" + cdata(readHeader(msg).ToUserName) + "</ToUserName>" +
		"<Encrypt>" + cdata(enc) + "</Encrypt></xml>"
	return &Callback{
		Method:    http.MethodPost,
		Query:     q,
		Body:      []byte(body),
		Timestamp: ts,
		Nonce:     nonce,
		Encrypt:   enc,
		Random:    random,
		Plaintext: bytes.Clone(msg),
		keys:      oaKeys,
	}
}

func (a OA) query(ts, nonce string, msg []byte) url.Values {
	q := url.Values{
		"signature": {Signature(a.Token, ts, nonce)},
		"timestamp": {ts},
		"nonce":     {nonce},
	}
	if from := readHeader(msg).FromUserName; from != "" {
		q.Set("openid", from)
	}
	return q
}

// OpenReply checks and decrypts a passive reply that a receiver answered to
// a safe-mode callback, returning the reply's plaintext XML. It fails unless
// the body is an encrypted reply whose MsgSignature matches.
func (a OA) OpenReply(body []byte) ([]byte, error) {
	return openReply(a.Token, a.AppID, a.EncodingAESKey, body)
}

// WeCom builds the callbacks a WeCom self-built app (/wecom/app) or WeCom
// customer service (/wecom/kf) receives. Both are always encrypted and
// sealed for the CorpID. AgentID, when not empty, is written into the
// envelope as WeCom does for app callbacks; customer-contact and 微信客服
// envelopes may carry it empty, and a receiver must not rely on it. The
// methods panic if EncodingAESKey is malformed.
type WeCom struct {
	CorpID         string
	Token          string
	EncodingAESKey string
	AgentID        string
	Stamp          Stamp
}

// URLCheck returns the GET WeCom sends when the callback URL is saved:
// msg_signature, timestamp, nonce and an echostr that is echo sealed for
// the CorpID. The receiver must answer the decrypted echo (Callback.Echo).
// An empty echo gets a random one.
func (w WeCom) URLCheck(echo string) *Callback {
	ts, nonce, random := w.Stamp.timestamp(), w.Stamp.nonce(), w.Stamp.random()
	if echo == "" {
		echo = randomDigits(19)
	}
	enc := mustSeal(w.CorpID, w.EncodingAESKey, random, []byte(echo))
	return &Callback{
		Method: http.MethodGet,
		Query: url.Values{
			"msg_signature": {Signature(w.Token, ts, nonce, enc)},
			"timestamp":     {ts},
			"nonce":         {nonce},
			"echostr":       {enc},
		},
		Timestamp: ts,
		Nonce:     nonce,
		Encrypt:   enc,
		Random:    random,
		Plaintext: []byte(echo),
		Echo:      echo,
		keys:      wecomKeys,
	}
}

// Message returns msg as WeCom posts it: msg_signature, timestamp and nonce
// in the query, and <xml><ToUserName/><Encrypt/><AgentID/></xml> in the body
// with the CorpID as ToUserName, in the order of Tencent's samples.
func (w WeCom) Message(msg []byte) *Callback {
	ts, nonce, random := w.Stamp.timestamp(), w.Stamp.nonce(), w.Stamp.random()
	enc := mustSeal(w.CorpID, w.EncodingAESKey, random, msg)
	body := "<xml><ToUserName>" + cdata(w.CorpID) + "</ToUserName><Encrypt>" + cdata(enc) + "</Encrypt>"
	if w.AgentID != "" {
		body += "<AgentID>" + cdata(w.AgentID) + "</AgentID>"
	}
	body += "</xml>"
	return &Callback{
		Method: http.MethodPost,
		Query: url.Values{
			"msg_signature": {Signature(w.Token, ts, nonce, enc)},
			"timestamp":     {ts},
			"nonce":         {nonce},
		},
		Body:      []byte(body),
		Timestamp: ts,
		Nonce:     nonce,
		Encrypt:   enc,
		Random:    random,
		Plaintext: bytes.Clone(msg),
		keys:      wecomKeys,
	}
}

// OpenReply checks and decrypts a passive reply to a WeCom callback,
// returning its plaintext XML.
func (w WeCom) OpenReply(body []byte) ([]byte, error) {
	return openReply(w.Token, w.CorpID, w.EncodingAESKey, body)
}

// encryptedReply is the envelope of a passive reply in safe mode, shared by
// the Official Account platform and WeCom.
type encryptedReply struct {
	Encrypt      string `xml:"Encrypt"`
	MsgSignature string `xml:"MsgSignature"`
	TimeStamp    string `xml:"TimeStamp"`
	Nonce        string `xml:"Nonce"`
}

func openReply(token, receiverID, key string, body []byte) ([]byte, error) {
	var r encryptedReply
	if err := xml.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("wechatsim: reply is not XML: %w", err)
	}
	if r.Encrypt == "" || r.MsgSignature == "" || r.TimeStamp == "" || r.Nonce == "" {
		return nil, errors.New("wechatsim: reply lacks Encrypt, MsgSignature, TimeStamp or Nonce")
	}
	if _, err := strconv.ParseInt(r.TimeStamp, 10, 64); err != nil {
		return nil, fmt.Errorf("wechatsim: reply TimeStamp %q is not a number", r.TimeStamp)
	}
	if want := Signature(token, r.TimeStamp, r.Nonce, r.Encrypt); r.MsgSignature != want {
		return nil, fmt.Errorf("wechatsim: reply MsgSignature %s, want %s", r.MsgSignature, want)
	}
	_, plain, err := Open(receiverID, key, r.Encrypt)
	return plain, err
}

func randomDigits(n int) string {
	b := make([]byte, n)
	b[0] = byte('1' + rand.IntN(9))
	for i := 1; i < n; i++ {
		b[i] = byte('0' + rand.IntN(10))
	}
	return string(b)
}
