package ingress_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/salonhq/salon/bot/callback"
	"github.com/salonhq/salon/bot/ingress"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

const corpID = "wwSALONTESTCORP01"

// TestEveryRecordedPayloadOverHTTP seals each recorded WeChat payload (see
// bot/callback/testdata/README.md for their sources) as WeChat would, posts
// it over real HTTP to the real handlers, and expects it acknowledged:
// nothing WeChat sends may be refused or lost for being unfamiliar.
func TestEveryRecordedPayloadOverHTTP(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	oaV, err := callback.NewOA(callback.OAConfig{AppID: appID, Token: token, EncodingAESKey: aesKey})
	if err != nil {
		t.Fatal(err)
	}
	appV, err := callback.NewWeComApp(callback.WeComConfig{CorpID: corpID, Token: token, EncodingAESKey: aesKey})
	if err != nil {
		t.Fatal(err)
	}
	g := ingress.New(db, clienteling.AnnounceReceived, nil, discard, prometheus.NewRegistry())
	mux := http.NewServeMux()
	mux.Handle("/wechat/oa", g.Handler(oaV))
	mux.Handle("/wecom/app", g.Handler(appV))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	oa := &wechattest.OA{AppID: appID, Token: token, EncodingAESKey: aesKey}
	app := wechattest.WeCom{CorpID: corpID, Token: token, EncodingAESKey: aesKey, AgentID: "1000002"}
	dirs := map[string]func([]byte) (*wechattest.Callback, string){
		"wechatpy_oa":        func(b []byte) (*wechattest.Callback, string) { return oa.Safe(b), "/wechat/oa" },
		"wechatpy_oa_events": func(b []byte) (*wechattest.Callback, string) { return oa.Safe(b), "/wechat/oa" },
		"wechatpy_work":      func(b []byte) (*wechattest.Callback, string) { return app.Message(b), "/wecom/app" },
		"wxjava_work":        func(b []byte) (*wechattest.Callback, string) { return app.Message(b), "/wecom/app" },
	}
	n := 0
	for dir, seal := range dirs {
		files, err := filepath.Glob(filepath.Join("..", "callback", "testdata", dir, "*.xml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no fixtures (%v)", dir, err)
		}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cb, path := seal(raw)
			t.Run(dir+"/"+filepath.Base(f), func(t *testing.T) {
				if status, body := deliverTo(t, srv.Client(), srv.URL+path, cb); status != 200 || body != "success" {
					t.Fatalf("got %d %q, want 200 success", status, body)
				}
			})
			n++
		}
	}
	if n < 70 {
		t.Fatalf("only %d fixtures posted", n)
	}
}
