package wxclient_test

import (
	"context"
	"fmt"
	"log"

	"github.com/salonhq/salon/bot/wxclient"
)

func ExampleClient_Rewrite() {
	c, err := wxclient.New(wxclient.Config{WeComBase: "http://127.0.0.1:9100/wecom"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Rewrite("https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1"))
	fmt.Println(c.Rewrite("https://api.weixin.qq.com/cgi-bin/stable_token"))
	// Output:
	// http://127.0.0.1:9100/wecom/cgi-bin/gettoken?corpid=ww1
	// https://api.weixin.qq.com/cgi-bin/stable_token
}

// ExampleNewAccessTokenProvider shows the wiring cmd does at start-up:
// build the client, give each credential a provider over the shared store,
// and call WeChat with errcode kept and one retry on an expired token.
func ExampleNewAccessTokenProvider() {
	var store wxclient.TokenStore // the database, in the real service

	client, err := wxclient.New(wxclient.Config{OABase: "https://wechat-proxy.internal"})
	if err != nil {
		log.Fatal(err)
	}
	oaTokens, err := wxclient.NewAccessTokenProvider(client,
		wxclient.Credential{Family: wxclient.OA, ID: "wx0123456789abcdef", Secret: "..."},
		wxclient.ProviderOptions{Store: store})
	if err != nil {
		log.Fatal(err)
	}
	var out struct {
		OpenIDs []string `json:"openid"`
	}
	err = oaTokens.GetJSON(context.Background(), "/cgi-bin/user/get", nil, &out)
	switch {
	case wxclient.Retryable(err):
		// try again later
	case err != nil:
		log.Print(err)
	}
}
