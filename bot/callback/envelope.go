package callback

import (
	"bytes"
	"encoding/xml"
	"strings"
)

// envelope is the outer XML of an encrypted callback. In the Official
// Account's compatible mode it also carries the message in plaintext; the
// plaintext copy is unauthenticated, so only its presence is read.
type envelope struct {
	Encrypt string `xml:"Encrypt"`
	MsgType string `xml:"MsgType"`
}

func (c *core) readEnvelope(body []byte) (envelope, error) {
	env, ok := quickEnvelope(body)
	if !ok {
		if err := xml.Unmarshal(body, &env); err != nil {
			return env, c.reject(ReasonXML, "envelope is not XML", err)
		}
	}
	env.Encrypt = strings.TrimSpace(env.Encrypt)
	if env.Encrypt == "" {
		return env, c.reject(ReasonMissingField, "envelope has no Encrypt", nil)
	}
	return env, nil
}

// quickEnvelope reads the one envelope layout WeChat and WeCom send in
// safe mode,
//
//	<xml><ToUserName><![CDATA[id]]></ToUserName><Encrypt><![CDATA[base64]]></Encrypt>[<AgentID>id</AgentID>]</xml>
//
// (whitespace allowed between elements, AgentID bare or in CDATA) without
// encoding/xml, whose tokenizer spends most of a message's budget walking
// the long ciphertext byte by byte. Anything else, compatible mode
// included, is left to encoding/xml (ok is false). Ids are held to
// letters, digits and "_-@." and the ciphertext to the base64 alphabet, so
// every body accepted here is well-formed XML that encoding/xml would read
// the same way.
func quickEnvelope(body []byte) (env envelope, ok bool) {
	p := body
	eat := func(lit string) bool {
		p = bytes.TrimLeft(p, " \t\r\n")
		if !bytes.HasPrefix(p, []byte(lit)) {
			return false
		}
		p = p[len(lit):]
		return true
	}
	// text reads up to end, which must follow only allowed bytes.
	text := func(end string, allowed func(byte) bool) ([]byte, bool) {
		i := bytes.Index(p, []byte(end))
		if i < 0 {
			return nil, false
		}
		v := p[:i]
		for _, b := range v {
			if !allowed(b) {
				return nil, false
			}
		}
		p = p[i+len(end):]
		return v, true
	}
	if !eat("<xml>") || !eat("<ToUserName><![CDATA[") {
		return env, false
	}
	if _, ok := text("]]></ToUserName>", isIDByte); !ok || !eat("<Encrypt><![CDATA[") {
		return env, false
	}
	enc, ok := text("]]></Encrypt>", isBase64Byte)
	if !ok {
		return env, false
	}
	if eat("<AgentID>") {
		cdata := eat("<![CDATA[")
		end := "</AgentID>"
		if cdata {
			end = "]]></AgentID>"
		}
		if _, ok := text(end, isIDByte); !ok {
			return env, false
		}
	}
	if !eat("</xml>") || len(bytes.TrimLeft(p, " \t\r\n")) != 0 {
		return env, false
	}
	return envelope{Encrypt: string(enc)}, true
}

func isIDByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
		b == '_' || b == '-' || b == '@' || b == '.'
}

func isBase64Byte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
		b == '+' || b == '/' || b == '='
}
