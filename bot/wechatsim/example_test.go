package wechatsim_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/salonhq/salon/bot/wechatsim"
)

// A safe-mode callback, built with a fixed stamp so it is reproducible.
func ExampleOA_Safe() {
	oa := wechatsim.OA{
		AppID:          "wx5a10000000000001",
		Token:          "token",
		EncodingAESKey: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		Stamp: wechatsim.Stamp{
			Clock:  func() time.Time { return time.Unix(1700000000, 0) },
			Nonce:  "123456789",
			Random: "aaaabbbbccccdddd",
		},
	}
	msg := wechatsim.SubscribeEvent("gh_salon", "oVIP", "adv:amy", time.Unix(1700000000, 0))
	req := oa.Safe(msg.XML()).Request("/wechat/oa")
	fmt.Println(req.Method, req.URL.Path, req.URL.Query().Get("encrypt_type"), req.URL.Query().Get("openid"))
	// Output: POST /wechat/oa aes oVIP
}

// A fake WeChat whose next customer-service send fails with an expired token.
func ExampleServer_Script() {
	s, err := wechatsim.New(wechatsim.Options{})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	s.Script("/cgi-bin/message/custom/send", wechatsim.Fault{Errcode: 42001})

	resp, err := http.Post(s.URL()+"/cgi-bin/message/custom/send?access_token=x", "application/json", nil)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	calls, _ := s.WaitCalls(context.Background(), "/cgi-bin/message/custom/send", 1)
	fmt.Println(calls[0].Errcode, s.TokensIssued())
	// Output: 42001 0
}
