package wxclient_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/store"
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
// and call WeChat with errcode kept and one retry on an expired token. A
// local server stands in for api.weixin.qq.com so that the example runs.
func ExampleNewAccessTokenProvider() {
	wechat := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cgi-bin/stable_token":
			fmt.Fprint(w, `{"access_token":"ACCESS_TOKEN","expires_in":7200}`)
		case "/cgi-bin/user/get":
			fmt.Fprint(w, `{"total":2,"count":2,"data":{"openid":["oCLIENT0001","oCLIENT0002"]},"next_openid":"oCLIENT0002"}`)
		}
	}))
	defer wechat.Close()
	dir, err := os.MkdirTemp("", "wxclient-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	db, err := store.Open(filepath.Join(dir, store.FileName), store.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	client, err := wxclient.New(wxclient.Config{OABase: wechat.URL})
	if err != nil {
		log.Fatal(err)
	}
	oaTokens, err := wxclient.NewAccessTokenProvider(client,
		wxclient.Credential{Family: wxclient.OA, ID: "wx0123456789abcdef", Secret: "..."},
		wxclient.ProviderOptions{Store: db})
	if err != nil {
		log.Fatal(err)
	}
	var out struct {
		Data struct {
			OpenIDs []string `json:"openid"`
		} `json:"data"`
	}
	err = oaTokens.GetJSON(context.Background(), "/cgi-bin/user/get", nil, &out)
	switch {
	case wxclient.Retryable(err):
		// try again later
	case err != nil:
		log.Print(err)
	}
	fmt.Println(out.Data.OpenIDs)
	// Output: [oCLIENT0001 oCLIENT0002]
}
