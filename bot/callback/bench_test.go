package callback

import (
	"bytes"
	"io"
	"testing"

	"github.com/salonhq/salon/bot/wechattest"
)

// BenchmarkVerifyDecryptParse measures what every Official Account message
// costs before it is stored: reading the body, the signature, the
// timestamp, AES decryption and parsing, for a safe-mode text message.
func BenchmarkVerifyDecryptParse(b *testing.B) {
	r := newRig(b)
	msg := wechattest.TextMsg("gh_salon", "oVIP0000001", "您好，请问这双乐福鞋还有37码吗？", 6054768590064713728, epoch).XML()
	req := r.OA.Safe(msg).Request("/wechat/oa")
	body, err := io.ReadAll(req.Body)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		req.Body = io.NopCloser(bytes.NewReader(body))
		if _, err := r.oa.Parse(req); err != nil {
			b.Fatal(err)
		}
	}
}
