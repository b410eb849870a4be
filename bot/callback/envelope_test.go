package callback

import (
	"encoding/xml"
	"testing"
)

// TestQuickEnvelope holds the fast reader of envelopes to encoding/xml: it
// may decline anything, but what it accepts must read the same.
func TestQuickEnvelope(t *testing.T) {
	t.Parallel()
	const enc = "RypEvHKD8QQKFhvQ6QleEB4J58ti+/0=="
	tests := []struct {
		name   string
		body   string
		wantOK bool
	}{
		{"OA", "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>", true},
		{"WeComCDATAAgent", "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>", true},
		{"WeComBareAgent", "<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt><AgentID>218</AgentID></xml>", true},
		{"Whitespace", "\n<xml>\n  <ToUserName><![CDATA[ww1]]></ToUserName>\n  <Encrypt><![CDATA[" + enc + "]]></Encrypt>\n</xml>\n", true},
		{"EmptyAgent", "<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>", true},
		{"Compatible", "<xml><ToUserName><![CDATA[gh]]></ToUserName><FromUserName><![CDATA[o]]></FromUserName><MsgType>text</MsgType><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>", false},
		{"BareEncrypt", "<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt>" + enc + "</Encrypt></xml>", false},
		{"Prolog", `<?xml version="1.0"?><xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[` + enc + "]]></Encrypt></xml>", false},
		{"Comment", "<xml><!-- x --><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>", false},
		{"SpaceInEncrypt", "<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[Ryp EvH]]></Encrypt></xml>", false},
		{"MarkupInTo", "<xml><ToUserName><![CDATA[<Encrypt>]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>", false},
		{"Unclosed", "<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt>", false},
		{"Trailing", "<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml><xml>", false},
		{"ExtraElement", "<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt><X/></xml>", false},
		{"Empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := quickEnvelope([]byte(tt.body))
			if ok != tt.wantOK {
				t.Fatalf("quickEnvelope ok = %v, want %v", ok, tt.wantOK)
			}
			if ok {
				agreeWithXML(t, []byte(tt.body), got)
			}
		})
	}
}

// agreeWithXML fails unless encoding/xml reads body as quickEnvelope did.
func agreeWithXML(t *testing.T, body []byte, got envelope) {
	t.Helper()
	var want envelope
	if err := xml.Unmarshal(body, &want); err != nil {
		t.Fatalf("quickEnvelope accepted %q, which encoding/xml refuses: %v", body, err)
	}
	if got != want {
		t.Fatalf("quickEnvelope(%q) = %+v, encoding/xml reads %+v", body, got, want)
	}
}
