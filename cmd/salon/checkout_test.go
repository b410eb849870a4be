package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

const checkoutWeChatUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI Language/zh_CN"

// checkoutCard sends the bag to a client of amy's who wears M in bags, as
// amy, and returns the page's path.
func checkoutCard(t *testing.T, m *Main) string {
	t.Helper()
	putCardProduct(t, m, "https://images.example.com/ml-bag-07/1.jpg")
	ctx := clienteling.WithPrincipal(context.Background(), clienteling.System())
	if err := m.Service.CreateAssociates(ctx, &clienteling.Associate{UserID: "amy", Name: "Amy Li", Boutique: "sh-plaza66", Role: "associate"}); err != nil {
		t.Fatal(err)
	}
	c := &clienteling.Customer{Language: "zh-CN", Advisor: "amy", Boutique: "sh-plaza66", Tier: clienteling.TierVIP,
		Identities:  []clienteling.Identity{oaID("oCHECKOUT0001")},
		Consent:     clienteling.Consent{Contact: true, Profiling: true},
		Preferences: clienteling.Preferences{Sizes: []clienteling.SizePreference{{Category: "bags", Size: "M"}}}}
	if err := m.Service.ImportCustomers(ctx, c); err != nil {
		t.Fatal(err)
	}
	in := &clienteling.Message{Customer: c.ID, Direction: "in", Channel: clienteling.ChannelOA, Type: "text", Text: "您好",
		Author: "client", Status: "received", At: time.Now().Add(-time.Minute)}
	if _, err := m.DB.AppendMessage(ctx, in); err != nil {
		t.Fatal(err)
	}
	amy := clienteling.WithPrincipal(context.Background(), &clienteling.Principal{Subject: "amy", Role: clienteling.RoleAssociate, Boutique: "sh-plaza66"})
	_, card, err := m.Service.SendCard(amy, c.ID, &clienteling.CardRequest{SKU: "ML-BAG-07"})
	if err != nil {
		t.Fatal(err)
	}
	return "/c/" + card.Token
}

// Opening a card's page tells its advisor on NATS, once.
func TestCheckoutOpenNotifiesAdvisor(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	m := MustRunMain(t, withOA(fake))
	path := checkoutCard(t, m)
	notices, err := m.Bus.Conn.SubscribeSync(clienteling.AssociateSubject("amy"))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, m.URL()+path, nil)
		req.Header.Set("User-Agent", checkoutWeChatUA)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "¥28,500.00") {
			t.Fatalf("GET card page: %d", resp.StatusCode)
		}
	}
	for {
		msg, err := notices.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("no card.opened for amy on NATS: %v", err)
		}
		var e struct {
			Type string
			Data clienteling.CardOpened
		}
		if err := json.Unmarshal(msg.Data, &e); err != nil {
			t.Fatal(err)
		}
		if e.Type != clienteling.EventCardOpened {
			continue // amy hears of other things too
		}
		if e.Data.SKU != "ML-BAG-07" || e.Data.Associate != "amy" {
			t.Fatalf("card.opened %+v", e.Data)
		}
		break
	}
}

// At a phone's size in WeChat's browser, the card's page shows the piece,
// its price in Chinese and the client's size, preselected.
func TestCheckoutInBrowser(t *testing.T) {
	t.Parallel()
	path := chromiumPath(t)
	m := MustRunMain(t, withOA(wechattest.Start(t, wechattest.Options{})))
	page := checkoutCard(t, m)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844), chromedp.UserAgent(checkoutWeChatUA))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser and ties its life to ctx.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	browse(t, ctx, "open the card", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(m.URL()+page), chromedp.WaitVisible(chromedp.ID("title")))
	ok := evaluate[bool](t, ctx, "read the page", `document.getElementById('title').textContent === '月光手袋'
		&& document.getElementById('price').textContent === '¥28,500.00'
		&& document.getElementById('size').value === 'M'
		&& document.getElementById('preselected') !== null
		&& window.innerWidth === 390 && document.documentElement.scrollWidth <= 390`)
	if !ok {
		t.Fatal("the page does not show the bag at ¥28,500.00 with size M preselected, within the phone's width")
	}
}
