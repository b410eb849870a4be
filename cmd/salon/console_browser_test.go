package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// keepScreenshotOnFailure saves the tab as name when the test fails, in
// SALON_SCREENSHOTS if set, else in a directory the log names, so that
// the failure can be seen after the test's temporary files are gone.
func keepScreenshotOnFailure(t *testing.T, ctx context.Context, name string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, browserStepTimeout)
		defer cancel()
		img, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Logf("screenshot on failure: %v", err)
			return
		}
		dir := os.Getenv("SALON_SCREENSHOTS")
		if dir == "" {
			if dir, err = os.MkdirTemp("", "salon-screenshots-"); err != nil {
				t.Logf("screenshot on failure: %v", err)
				return
			}
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, img, 0o644); err != nil {
			t.Logf("screenshot on failure: %v", err)
			return
		}
		t.Logf("screenshot of the failure: %s", path)
	})
}

// TestDeskInBrowser is an associate's day in the console on a phone: amy
// signs in as the sandbox's demo staff; a client writes through the real
// signed /wechat/oa callback and appears in her inbox without a reload;
// she opens the conversation and replies; the simulated WeChat receives
// the reply and its status turns to sent.
func TestDeskInBrowser(t *testing.T) {
	t.Parallel()
	ctx := mustStartBrowser(t, 1280, 800)
	keepScreenshotOnFailure(t, ctx, "desk-failure.png")
	// Monday noon in Shanghai: amy is on duty, so her client's message
	// waits for her.
	clock := clientelingtest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, shanghaiTime))
	m := mustRunMainAt(t, clock)

	browse(t, ctx, "sign in as amy",
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(m.URL()+"/"),
		chromedp.WaitVisible(chromedp.CSS(`button[data-userid="amy"]`)),
		chromedp.Click(chromedp.CSS(`button[data-userid="amy"]`)),
		chromedp.WaitVisible(chromedp.ID("inbox")),
	)
	// Live once the event stream is open; the marker shows no reload.
	waitUntil(t, ctx, "the live connection", `document.body.dataset.live === 'on'`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.notReloaded = true`)); err != nil {
		t.Fatalf("mark the page: %v", err)
	}

	const text = "Amy, is the Lumière bag in black still in the boutique? 周六可以来试。"
	now := time.Now()
	cb := oaSender(m).Safe(wechattest.TextMsg("gh_salon", demoVVIP, text, now.UnixNano(), now).XML())
	if status, body := post(t, m, cb); status != 200 {
		t.Fatalf("client's message: %d %s", status, body)
	}
	c := waitCustomer(t, m, demoVVIP, func(*clienteling.Customer) bool { return true })
	row := `#inbox li[data-customer="` + string(c.ID) + `"]`
	waitUntil(t, ctx, "the client in the inbox without a reload",
		`document.querySelector(`+jsString(row)+`) !== null && window.notReloaded === true`)

	const reply = "Good afternoon — the black Lumière is here, and I have set one aside for Saturday."
	browse(t, ctx, "open the conversation and reply",
		chromedp.Click(chromedp.CSS(row+" a")),
		chromedp.WaitVisible(chromedp.ID("reply-text")),
		chromedp.SendKeys(chromedp.ID("reply-text"), reply),
		chromedp.Click(chromedp.ID("reply-send")),
	)
	waitUntil(t, ctx, "the reply marked sent",
		`Array.from(document.querySelectorAll('#messages .msg.out')).some((e) => e.querySelector('.msg-text').textContent === `+jsString(reply)+
			` && e.querySelector('.status.sent') !== null)`)
	var received bool
	for _, call := range m.sandbox.fake.CallsTo(outbound.CustomSendPath) {
		received = received || (strings.Contains(string(call.Body), demoVVIP) && strings.Contains(string(call.Body), "set one aside for Saturday"))
	}
	if !received {
		t.Fatal("the simulated WeChat did not receive the reply")
	}
	screenshot(t, ctx, "desk-phone.png")
}
