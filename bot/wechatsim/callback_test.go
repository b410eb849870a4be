package wechatsim

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// vector is the union of the fields of official_vectors.json entries.
type vector struct {
	Token          string `json:"token"`
	EncodingAESKey string `json:"encodingAESKey"`
	AppID          string `json:"appid"`
	CorpID         string `json:"receiveid_corpid"`
	Timestamp      string `json:"timestamp"`
	Nonce          string `json:"nonce"`
	Random         string `json:"random"`
	MsgSignature   string `json:"msg_signature"`
	Encrypt        string `json:"encrypt"`
	PostBody       string `json:"post_body"`
	Plaintext      string `json:"expected_plaintext"`

	Plaintext1  string `json:"plaintext1"`
	Ciphertext1 string `json:"ciphertext1"`
	Plaintext2  string `json:"plaintext2"`
	Ciphertext2 string `json:"ciphertext2"`

	Echostr           string `json:"echostr"`
	EchostrURLEncoded string `json:"echostr_urlencoded_as_sent"`
	EchostrPlaintext  string `json:"expected_echostr_plaintext"`

	ReplyRandom       string `json:"reply_random"`
	ReplyPlaintext    string `json:"reply_plaintext"`
	ReplyEncrypt      string `json:"reply_encrypt"`
	ReplyTimestamp    string `json:"reply_timestamp"`
	ReplyNonce        string `json:"reply_nonce"`
	ReplyMsgSignature string `json:"reply_msg_signature"`

	APIKey     string            `json:"api_key"`
	Params     map[string]string `json:"params"`
	MD5        string            `json:"md5"`
	HMACSHA256 string            `json:"hmac_sha256"`
}

func loadVectors(t *testing.T) map[string]vector {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "official_vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]vector{}
	for k, v := range raw {
		if strings.HasPrefix(k, "_") {
			continue
		}
		var vec vector
		if err := json.Unmarshal(v, &vec); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		out[k] = vec
	}
	return out
}

// at returns a clock stopped at a decimal Unix timestamp.
func at(t *testing.T, ts string) func() time.Time {
	t.Helper()
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return func() time.Time { return time.Unix(sec, 0) }
}

// sha1Sorted is the signature rule written out independently of the code
// under test, so a test does not check the code against itself.
func sha1Sorted(parts ...string) string {
	p := slices.Clone(parts)
	slices.Sort(p)
	sum := sha1.Sum([]byte(strings.Join(p, "")))
	return hex.EncodeToString(sum[:])
}

// envelopeEncrypt reads the <Encrypt> element of a POST body.
func envelopeEncrypt(t *testing.T, body string) string {
	t.Helper()
	var e struct {
		Encrypt string `xml:"Encrypt"`
	}
	if err := xml.Unmarshal([]byte(body), &e); err != nil {
		t.Fatal(err)
	}
	return e.Encrypt
}

func TestSealOpen_OfficialAccountJavaVector(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)["A_official_account_java_test"]
	tests := []struct{ name, plain, cipher string }{
		{"ChineseText", v.Plaintext1, v.Ciphertext1},
		{"VideoReply", v.Plaintext2, v.Ciphertext2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Seal(v.AppID, v.EncodingAESKey, v.Random, []byte(tt.plain))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.cipher {
				t.Errorf("Seal = %s, want %s", got, tt.cipher)
			}
			random, plain, err := Open(v.AppID, v.EncodingAESKey, tt.cipher)
			if err != nil {
				t.Fatal(err)
			}
			if string(plain) != tt.plain || random != v.Random {
				t.Errorf("Open = %q, %q; want %q, %q", random, plain, v.Random, tt.plain)
			}
			if _, _, err := Open("wx0000000000000000", v.EncodingAESKey, tt.cipher); err == nil {
				t.Error("Open with another AppID succeeded, want error")
			}
		})
	}
	if _, err := Seal(v.AppID, v.EncodingAESKey, "short", []byte("x")); err == nil {
		t.Error("Seal with a 5-byte random succeeded, want error")
	}
}

func TestOASafe_ReproducesPublishedVectors(t *testing.T) {
	t.Parallel()
	vs := loadVectors(t)
	for _, name := range []string{"C_official_account_python_sample", "D_cpp_sample", "E_debug_demo"} {
		t.Run(name, func(t *testing.T) {
			v := vs[name]
			enc := v.Encrypt
			if enc == "" {
				enc = envelopeEncrypt(t, v.PostBody)
			}
			random, plain, err := Open(v.AppID, v.EncodingAESKey, enc)
			if err != nil {
				t.Fatal(err)
			}
			if string(plain) != v.Plaintext {
				t.Fatalf("decrypted %q, want %q", plain, v.Plaintext)
			}
			oa := OA{AppID: v.AppID, Token: v.Token, EncodingAESKey: v.EncodingAESKey,
				Stamp: Stamp{Clock: at(t, v.Timestamp), Nonce: v.Nonce, Random: random}}
			cb := oa.Safe(plain)
			from := readHeader(plain)
			wantQuery := map[string]string{
				"signature":     sha1Sorted(v.Token, v.Timestamp, v.Nonce),
				"timestamp":     v.Timestamp,
				"nonce":         v.Nonce,
				"openid":        from.FromUserName,
				"encrypt_type":  "aes",
				"msg_signature": v.MsgSignature,
			}
			for k, want := range wantQuery {
				if got := cb.Query.Get(k); got != want {
					t.Errorf("query %s = %q, want %q", k, got, want)
				}
			}
			if cb.Encrypt != enc {
				t.Errorf("Encrypt = %s, want %s", cb.Encrypt, enc)
			}
			wantBody := "<xml><ToUserName><![CDATA[" + from.ToUserName + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
			if string(cb.Body) != wantBody {
				t.Errorf("body = %s, want %s", cb.Body, wantBody)
			}
		})
	}
}

func TestOACompatible_MatchesPublishedBody(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)["C_official_account_python_sample"]
	enc := envelopeEncrypt(t, v.PostBody)
	random, plain, err := Open(v.AppID, v.EncodingAESKey, enc)
	if err != nil {
		t.Fatal(err)
	}
	oa := OA{AppID: v.AppID, Token: v.Token, EncodingAESKey: v.EncodingAESKey,
		Stamp: Stamp{Clock: at(t, v.Timestamp), Nonce: v.Nonce, Random: random}}
	cb := oa.Compatible(plain)
	// WeChat encrypts the message with newlines between elements but
	// writes the plaintext fields without them, so the bodies can only
	// agree element by element.
	got, want := elements(t, cb.Body), elements(t, []byte(v.PostBody))
	if !slices.Equal(got, want) {
		t.Errorf("body elements = %v, want %v", got, want)
	}
	if cb.Query.Get("msg_signature") != v.MsgSignature || cb.Query.Get("signature") != sha1Sorted(v.Token, v.Timestamp, v.Nonce) {
		t.Errorf("query = %v, want msg_signature %s and a signature", cb.Query, v.MsgSignature)
	}
}

func TestWeComURLCheck_ReproducesPublishedVector(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)["B_wecom_verify_url"]
	random, plain, err := Open(v.CorpID, v.EncodingAESKey, v.Echostr)
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != v.EchostrPlaintext {
		t.Fatalf("echostr decrypts to %q, want %q", plain, v.EchostrPlaintext)
	}
	wc := WeCom{CorpID: v.CorpID, Token: v.Token, EncodingAESKey: v.EncodingAESKey,
		Stamp: Stamp{Clock: at(t, v.Timestamp), Nonce: v.Nonce, Random: random}}
	cb := wc.URLCheck(v.EchostrPlaintext)
	if cb.Method != http.MethodGet || cb.Echo != v.EchostrPlaintext {
		t.Errorf("method, echo = %s, %q; want GET, %q", cb.Method, cb.Echo, v.EchostrPlaintext)
	}
	if got := cb.Query.Get("echostr"); got != v.Echostr {
		t.Errorf("echostr = %s, want %s", got, v.Echostr)
	}
	if got := cb.Query.Get("msg_signature"); got != v.MsgSignature {
		t.Errorf("msg_signature = %s, want %s", got, v.MsgSignature)
	}
	req := cb.Request("https://salon.example/wecom/app")
	wantRaw := "msg_signature=" + v.MsgSignature + "&timestamp=" + v.Timestamp + "&nonce=" + v.Nonce + "&echostr=" + v.EchostrURLEncoded
	if req.URL.RawQuery != wantRaw {
		t.Errorf("raw query = %s, want %s", req.URL.RawQuery, wantRaw)
	}
}

func TestWeComMessage_ReproducesPublishedVector(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)["B2_wecom_decrypt_msg"]
	random, plain, err := Open(v.CorpID, v.EncodingAESKey, envelopeEncrypt(t, v.PostBody))
	if err != nil {
		t.Fatal(err)
	}
	if string(plain) != v.Plaintext {
		t.Fatalf("decrypted %q, want %q", plain, v.Plaintext)
	}
	wc := WeCom{CorpID: v.CorpID, Token: v.Token, EncodingAESKey: v.EncodingAESKey, AgentID: "218",
		Stamp: Stamp{Clock: at(t, v.Timestamp), Nonce: v.Nonce, Random: random}}
	cb := wc.Message(plain)
	if string(cb.Body) != v.PostBody {
		t.Errorf("body = %s\nwant %s", cb.Body, v.PostBody)
	}
	if got := cb.Query.Get("msg_signature"); got != v.MsgSignature {
		t.Errorf("msg_signature = %s, want %s", got, v.MsgSignature)
	}
	if got := cb.Query.Get("signature"); got != "" {
		t.Errorf("WeCom callback carries signature %q, want none", got)
	}
}

func TestWeComMessage_SyntheticEnvelopes(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "synthetic_envelopes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var envs map[string]struct {
		CorpID         string `json:"corpid"`
		EncodingAESKey string `json:"encoding_aes_key"`
		MsgSignature   string `json:"msg_signature"`
		Nonce          string `json:"nonce"`
		PlaintextFile  string `json:"plaintext_file"`
		Random         string `json:"random"`
		Timestamp      string `json:"timestamp"`
		Token          string `json:"token"`
		AgentID        string `json:"agent_id"`
	}
	if err := json.Unmarshal(b, &envs); err != nil {
		t.Fatal(err)
	}
	for file, e := range envs {
		t.Run(file, func(t *testing.T) {
			plain := readTestdata(t, e.PlaintextFile)
			want := readTestdata(t, file)
			wc := WeCom{CorpID: e.CorpID, Token: e.Token, EncodingAESKey: e.EncodingAESKey, AgentID: e.AgentID,
				Stamp: Stamp{Clock: at(t, e.Timestamp), Nonce: e.Nonce, Random: e.Random}}
			cb := wc.Message(plain)
			if string(cb.Body) != string(want) {
				t.Errorf("body = %s\nwant %s", cb.Body, want)
			}
			if got := cb.Query.Get("msg_signature"); got != e.MsgSignature {
				t.Errorf("msg_signature = %s, want %s", got, e.MsgSignature)
			}
		})
	}
}

func TestOpenReply(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)["E_debug_demo"]
	enc, err := Seal(v.AppID, v.EncodingAESKey, v.ReplyRandom, []byte(v.ReplyPlaintext))
	if err != nil {
		t.Fatal(err)
	}
	if enc != v.ReplyEncrypt {
		t.Fatalf("Seal(reply) = %s, want %s", enc, v.ReplyEncrypt)
	}
	reply := func(sig string) []byte {
		return []byte("<xml><Encrypt><![CDATA[" + v.ReplyEncrypt + "]]></Encrypt><MsgSignature><![CDATA[" + sig +
			"]]></MsgSignature><TimeStamp>" + v.ReplyTimestamp + "</TimeStamp><Nonce><![CDATA[" + v.ReplyNonce + "]]></Nonce></xml>")
	}
	oa := OA{AppID: v.AppID, Token: v.Token, EncodingAESKey: v.EncodingAESKey}
	tests := []struct {
		name    string
		body    []byte
		want    string
		wantErr bool
	}{
		{"OK", reply(v.ReplyMsgSignature), v.ReplyPlaintext, false},
		{"ErrSignature", reply(flipHex(v.ReplyMsgSignature)), "", true},
		{"ErrPlainSuccess", []byte("success"), "", true},
		{"ErrPlaintextReply", []byte("<xml><MsgType>text</MsgType></xml>"), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := oa.OpenReply(tt.body)
			if (err != nil) != tt.wantErr {
				t.Fatalf("OpenReply err = %v, want error %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("OpenReply = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOA_URLCheckAndPlaintext(t *testing.T) {
	t.Parallel()
	oa := OA{AppID: "wx5a10000000000001", Token: "tok", Stamp: Stamp{Clock: at(t, "1700000000"), Nonce: "123456789"}}
	check := oa.URLCheck("hello-echo")
	if got, want := check.Query.Get("signature"), sha1Sorted("tok", "1700000000", "123456789"); got != want {
		t.Errorf("URL check signature = %s, want %s", got, want)
	}
	if check.Echo != "hello-echo" || check.Body != nil || check.Method != http.MethodGet {
		t.Errorf("URL check = %+v, want GET with echo and no body", check)
	}
	msg := TextMsg("gh_abc", "oOPENID", "hi", 42, time.Unix(1700000000, 0)).XML()
	plain := oa.Plaintext(msg)
	want := map[string]string{"signature": sha1Sorted("tok", "1700000000", "123456789"), "timestamp": "1700000000",
		"nonce": "123456789", "openid": "oOPENID", "encrypt_type": "", "msg_signature": ""}
	for k, w := range want {
		if got := plain.Query.Get(k); got != w {
			t.Errorf("plaintext query %s = %q, want %q", k, got, w)
		}
	}
	if string(plain.Body) != string(msg) {
		t.Errorf("plaintext body = %s, want %s", plain.Body, msg)
	}
}

func TestStamp_FreshValues(t *testing.T) {
	t.Parallel()
	wc := WeCom{CorpID: "ww5a10000000000001", Token: "t", EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
	a, b := wc.Message([]byte("<xml/>")), wc.Message([]byte("<xml/>"))
	if a.Nonce == b.Nonce || a.Random == b.Random || a.Encrypt == b.Encrypt {
		t.Errorf("two callbacks share nonce, random or ciphertext: %q/%q %q/%q", a.Nonce, b.Nonce, a.Random, b.Random)
	}
	if len(a.Random) != 16 {
		t.Errorf("random %q has %d bytes, want 16", a.Random, len(a.Random))
	}
	if _, err := strconv.ParseUint(a.Nonce, 10, 64); err != nil {
		t.Errorf("nonce %q is not decimal", a.Nonce)
	}
	ts, _ := strconv.ParseInt(a.Timestamp, 10, 64)
	if d := time.Since(time.Unix(ts, 0)); d < 0 || d > time.Minute {
		t.Errorf("timestamp %s is not now", a.Timestamp)
	}
}

func TestCallback_StaleForgedAndRequest(t *testing.T) {
	t.Parallel()
	stale := time.Now().Add(-10 * time.Minute)
	oa := OA{AppID: "wx5a10000000000001", Token: "tok", EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		Stamp: Stamp{Clock: func() time.Time { return stale }}}
	cb := oa.Safe(TextMsg("gh_abc", "oOPENID", "hi", 1, stale).XML())
	if cb.Timestamp != strconv.FormatInt(stale.Unix(), 10) {
		t.Errorf("timestamp = %s, want %d", cb.Timestamp, stale.Unix())
	}
	forged := cb.Forge()
	for _, k := range []string{"signature", "msg_signature"} {
		got, orig := forged.Query.Get(k), cb.Query.Get(k)
		if got == orig || len(got) != len(orig) {
			t.Errorf("forged %s = %q, original %q: want same length, different value", k, got, orig)
		}
	}
	if cb.Query.Get("signature") != sha1Sorted("tok", cb.Timestamp, cb.Nonce) {
		t.Error("Forge changed the original callback")
	}

	tests := []struct{ name, target, wantURL string }{
		{"Path", "/wechat/oa", "/wechat/oa?signature="},
		{"FullURL", "http://127.0.0.1:8080/wechat/oa", "http://127.0.0.1:8080/wechat/oa?signature="},
		{"ExtraQuery", "/wechat/oa?x=1", "/wechat/oa?signature="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := cb.Request(tt.target)
			if !strings.HasPrefix(req.URL.String(), tt.wantURL) {
				t.Errorf("URL = %s, want prefix %s", req.URL, tt.wantURL)
			}
			if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "text/xml" {
				t.Errorf("method, content type = %s, %s; want POST, text/xml", req.Method, req.Header.Get("Content-Type"))
			}
			keys := []string{}
			for _, kv := range strings.Split(req.URL.RawQuery, "&") {
				k, _, _ := strings.Cut(kv, "=")
				keys = append(keys, k)
			}
			wantKeys := []string{"signature", "timestamp", "nonce", "openid", "encrypt_type", "msg_signature"}
			if tt.name == "ExtraQuery" {
				wantKeys = append(wantKeys, "x")
			}
			if !slices.Equal(keys, wantKeys) {
				t.Errorf("query keys = %v, want %v", keys, wantKeys)
			}
		})
	}
}

func TestPaySign_PublishedVector(t *testing.T) {
	t.Parallel()
	v := loadVectors(t)["pay_v2_sign"]
	got, err := PaySign(v.Params, v.APIKey)
	if err != nil || got != v.MD5 {
		t.Errorf("PaySign = %s, %v; want %s", got, err, v.MD5)
	}
	got, err = paySignAs(v.Params, v.APIKey, "HMAC-SHA256")
	if err != nil || got != v.HMACSHA256 {
		t.Errorf("paySignAs(HMAC-SHA256) = %s, %v; want %s", got, err, v.HMACSHA256)
	}
	withType := map[string]string{"sign_type": "HMAC-SHA256"}
	for k, val := range v.Params {
		withType[k] = val
	}
	got, _ = PaySign(withType, v.APIKey)
	if got == v.HMACSHA256 {
		t.Error("PaySign with a sign_type field matched the vector signed without it; sign_type must be signed")
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// elements lists the child elements of <xml> as "name=text", in order.
func elements(t *testing.T, b []byte) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(b)))
	var out []string
	depth := 0
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			depth++
			text.Reset()
		case xml.CharData:
			text.Write(tk)
		case xml.EndElement:
			if depth == 2 {
				out = append(out, tk.Name.Local+"="+text.String())
			}
			depth--
		}
	}
	if depth != 0 {
		t.Fatalf("unbalanced XML: %s", b)
	}
	return out
}
