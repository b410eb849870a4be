package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/salonhq/salon/bot/wechattest"
)

// sandbox is what stands in for WeChat when no credentials are set: a fake
// WeChat API on loopback and the credentials the simulator signs with.
type sandbox struct {
	fake    *wechattest.Server
	apiBase string
	creds   sandboxCredentials
}

// sandboxCredentials are made fresh at each start: nothing real is ever
// configured in sandbox mode.
type sandboxCredentials struct {
	OAAppID, OASecret, OAToken, OAAESKey string
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startSandbox starts the fake WeChat, seeds an empty database with the demo
// maison, and serves the /sandbox page.
func startSandbox(ctx context.Context, m *Main, mux *http.ServeMux) (*sandbox, error) {
	creds := sandboxCredentials{
		OAAppID: "wxsandbox" + randomHex(4), OASecret: randomHex(16), OAToken: randomHex(8),
		OAAESKey: randomHex(22)[:43],
	}
	fake, err := wechattest.New(wechattest.Options{OAAppID: creds.OAAppID, OASecret: creds.OASecret, RecordLimit: 1000})
	if err != nil {
		return nil, fmt.Errorf("sandbox: fake WeChat: %w", err)
	}
	sb := &sandbox{fake: fake, apiBase: fake.URL(), creds: creds}
	if err := seedDemo(ctx, m); err != nil {
		fake.Close()
		return nil, fmt.Errorf("sandbox: seed demo data: %w", err)
	}
	mux.HandleFunc("GET /sandbox", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(sandboxPage))
	})
	return sb, nil
}

func (sb *sandbox) close() { sb.fake.Close() }

const sandboxPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Salon sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>Salon sandbox</h1>
<p>Salon is running without WeChat credentials: a built-in simulator stands in for WeChat,
and demo data (a maison with two boutiques, four associates, thirty products and five VIP
clients) has been seeded.</p>
<p>The chat simulator, where you write as a VIP client through the real Official Account
callback, arrives with the WeChat ingress. Meanwhile, explore the JSON API under
<code>/api/v1/</code> with the admin token printed at first start.</p>
</body></html>
`
