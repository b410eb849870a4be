package callback_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/salonhq/salon/bot/callback"
	"github.com/salonhq/salon/bot/wechattest"
)

// A handler for any of the three endpoints: the URL check is answered with
// its echo, a message with NoReply once it is stored, and a refusal with the
// status the RejectError carries.
func Example() {
	now := func() time.Time { return time.Unix(1700000000, 0) }
	oa, err := callback.NewOA(callback.OAConfig{
		AppID:          "wx5a10000000000001",
		Token:          "token",
		EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		Now:            now,
	})
	if err != nil {
		panic(err)
	}
	handler := func(v callback.Verifier) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				echo, err := v.URLCheck(r)
				if err != nil {
					http.Error(w, callback.Reason(err), callback.Status(err))
					return
				}
				_, _ = io.WriteString(w, echo)
				return
			}
			in, err := v.Parse(r)
			if err != nil {
				http.Error(w, callback.Reason(err), callback.Status(err))
				return
			}
			// Store in under in.DedupeKey() here, then acknowledge.
			fmt.Println(in.MsgType, in.OpenID, in.Content, in.DedupeKey())
			_, _ = io.WriteString(w, callback.NoReply)
		}
	}(oa)

	wechat := wechattest.OA{AppID: "wx5a10000000000001", Token: "token",
		EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", Stamp: wechattest.Stamp{Clock: now}}
	msg := wechattest.TextMsg("gh_salon", "oVIP0000001", "hello", 42, now()).XML()
	for _, req := range []*http.Request{
		wechat.Safe(msg).Request("/wechat/oa"),
		wechat.Safe(msg).Forge().Request("/wechat/oa"),
	} {
		rec := httptest.NewRecorder()
		handler(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}
	// Output:
	// text oVIP0000001 hello oa|msg|oVIP0000001|42
	// 200 success
	// 401 signature
}
