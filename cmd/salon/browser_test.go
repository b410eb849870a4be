package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/salonhq/salon/clienteling"
)

// browserStepTimeout bounds each step of a browser test: the page polls
// every 1.5 s, so anything it shows should show well within it.
const browserStepTimeout = 30 * time.Second

// chromiumPath finds a Chromium for the browser tests. Without one they skip
// on a developer's machine, but fail when CI is set: there a skipped browser
// test would let a broken page pass unnoticed.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	const how = "chromium not found on PATH; install it (Debian: apt-get install chromium) to run the browser tests"
	if os.Getenv("CI") != "" {
		t.Fatal(how + " (CI is set, so this fails instead of skipping)")
	}
	t.Skip(how)
	return ""
}

// mustStartBrowser starts headless Chromium with a fresh profile and one
// tab in a window of width×height, and stops it at cleanup.
func mustStartBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // CI containers run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// Registered after TempDir, so it runs first: the profile directory is
	// removed only once the browser has exited.
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser and ties its life to ctx, which
	// has no deadline; each step below gets its own.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// browse runs steps within browserStepTimeout.
func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserStepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitUntil waits for a JavaScript condition on the page to hold, failing
// the test after browserStepTimeout.
func waitUntil(t *testing.T, ctx context.Context, what, condition string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserStepTimeout+5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](condition, chromedp.WithPollingTimeout(browserStepTimeout))); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// evaluate runs a JavaScript expression on the page and returns its value.
func evaluate[T any](t *testing.T, ctx context.Context, what, expression string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserStepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// jsString quotes s for a JavaScript expression.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// screenshot captures the tab as PNG into a temporary file, checks that it
// is a real image, and returns its path. With SALON_SCREENSHOTS naming a
// directory, a copy is kept there for a person to look at.
func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, browserStepTimeout)
	defer cancel()
	img, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(raw))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		t.Fatalf("screenshot %s is not a non-empty PNG (%d bytes): %v", name, len(raw), err)
	}
	if dir := os.Getenv("SALON_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			t.Errorf("keep screenshot: %v", err)
		}
	}
	return path
}

// TestSandboxInBrowser chats as a demo VIP the way a newcomer does: on a
// phone-sized screen, pick a client, type, send, and see the message and
// then the brand's reply appear.
func TestSandboxInBrowser(t *testing.T) {
	t.Parallel()
	ctx := mustStartBrowser(t, 1280, 800)
	m := MustRunMain(t)
	vip := sandboxClients(t, m)[1]
	client := `a.client[data-openid="` + vip.OpenID + `"]`
	const text = "Amy, could you hold the navy slingbacks in 38 for me? 周六下午到店。"

	browse(t, ctx, "pick a client",
		// Headless windows are at least 500 px wide; a phone is narrower.
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(m.URL()+"/sandbox"),
		chromedp.WaitVisible(chromedp.CSS(client)),
		chromedp.Click(chromedp.CSS(client)),
		chromedp.WaitVisible(chromedp.ID("compose-text")),
	)
	waitUntil(t, ctx, "the client's stored history",
		`document.getElementById('head-name').textContent === `+jsString(vip.Name)+
			` && document.querySelectorAll('#messages .msg').length > 0`)

	browse(t, ctx, "type and send",
		chromedp.SendKeys(chromedp.ID("compose-text"), text),
		chromedp.WaitEnabled(chromedp.ID("compose-send")),
		chromedp.Click(chromedp.ID("compose-send")),
	)
	waitUntil(t, ctx, "the message in the conversation",
		`Array.from(document.querySelectorAll('#messages .msg.mine .msg-text')).some((e) => e.textContent === `+jsString(text)+`)`+
			` && document.getElementById('compose-text').value === ''`+
			` && document.getElementById('compose-status').textContent.includes('200')`)
	if got := storedHistory(t, m, vip.OpenID)[0]; got.Text != text || got.Direction != "in" {
		t.Fatalf("newest stored message %+v, want the one typed in the browser", got)
	}

	// A reply the outbound pipeline sends arrives by the page's polling.
	const reply = "Of course, Emily. The navy slingbacks in 38 are set aside for Saturday afternoon."
	fakeReply(t, m, vip.OpenID, reply)
	waitUntil(t, ctx, "the reply in the conversation",
		`Array.from(document.querySelectorAll('#messages .msg.theirs .msg-text')).some((e) => e.textContent === `+jsString(reply)+`)`)
	// A mobile browser widens its layout viewport to fit the page, so the
	// page is measured against the screen, not the window.
	if w := evaluate[int](t, ctx, "measure the page", `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the conversation is %d px wide, wider than the phone's 390 px screen", w)
	}
	screenshot(t, ctx, "sandbox-phone.png")

	// On a wide screen the client list and the conversation sit side by side.
	browse(t, ctx, "widen the window", chromedp.EmulateViewport(1280, 800))
	waitUntil(t, ctx, "the list beside the conversation",
		`getComputedStyle(document.querySelector('.clients')).display !== 'none'`+
			` && document.querySelector(`+jsString(client)+`).classList.contains('active')`)
	screenshot(t, ctx, "sandbox-desktop.png")
}

// TestSandboxCardsAndScanInBrowser sees what a client sees of cards and
// template messages, with their marks, a hostile title shown as the text it
// is, and links a new visitor to an associate by the page's QR scan.
func TestSandboxCardsAndScanInBrowser(t *testing.T) {
	t.Parallel()
	ctx := mustStartBrowser(t, 1280, 800)
	m := MustRunMain(t)
	clients := sandboxClients(t, m)
	vip := clients[0]
	sandboxSend(t, m, vip.OpenID, "可以发耳环的链接给我吗？")
	news := adminSends(t, m, vip.OpenID, newsCard)
	template := adminSends(t, m, vip.OpenID, appointmentTemplate)

	browse(t, ctx, "open the client", chromedp.Navigate(m.URL()+"/sandbox?openid="+vip.OpenID),
		chromedp.WaitVisible(chromedp.ID("messages")))
	card := `document.querySelector('.card-news')`
	waitUntil(t, ctx, "the news card, delivered",
		card+` !== null && `+card+`.querySelector('.card-title').textContent === `+jsString(hostileTitle)+
			` && `+card+`.querySelector('.card-desc').textContent === `+jsString(newsCard["description"].(string))+
			` && `+card+`.parentElement.querySelector('[data-mark]').dataset.mark === 'delivered'`)
	waitUntil(t, ctx, "the template card with WeChat's report",
		`(() => { const c = document.querySelector('.card-template');
		  return c !== null && c.querySelector('.card-title').textContent === '您的贵宾室预约已确认'
		    && c.parentElement.querySelector('[data-mark]').dataset.mark === 'delivered'; })()`)
	safe := evaluate[bool](t, ctx, "check the card's markup", `(() => {
		  const c = document.querySelector('.card-news'), a = c.querySelector('a.card-link');
		  return window.pwned === undefined && document.querySelector('#messages script') === null
		    && c.querySelector('img:not(.card-img)') === null
		    && a.href === `+jsString(newsCard["url"].(string))+` && a.target === '_blank' && a.rel.includes('noopener');
		})()`)
	if !safe {
		t.Fatal("the card's title became markup, or its link does not open safely in a new tab")
	}
	if got := len(storedHistory(t, m, vip.OpenID)); got == 0 || news == "" || template == "" {
		t.Fatal("nothing stored")
	}
	screenshot(t, ctx, "sandbox-cards.png")

	// The client scans another associate's code: they keep their advisor.
	associate := clients[1].Advisor
	if associate == vip.Advisor {
		associate = clients[2].Advisor
	}
	if evaluate[bool](t, ctx, "look for the scan panel", `getComputedStyle(document.getElementById('scan')).display !== 'none'`) {
		t.Fatal("the scan panel shows before the QR button is pressed")
	}
	browse(t, ctx, "scan as the client",
		chromedp.Click(chromedp.ID("scan-open")),
		chromedp.WaitVisible(chromedp.ID("scan-associate")),
		chromedp.SetValue(chromedp.ID("scan-associate"), associate),
		chromedp.Click(chromedp.ID("scan-go")))
	waitUntil(t, ctx, "the scan recorded, the advisor kept",
		`document.getElementById('scan-status').dataset.outcome === 'recorded'`+
			` && document.getElementById('head-sub').textContent.includes(`+jsString(vip.AdvisorName)+`)`+
			` && Array.from(document.querySelectorAll('#messages .event')).some((e) => e.textContent.includes('Scanned'))`)

	// A new visitor scans an associate's code from the client list.
	browse(t, ctx, "scan as a new visitor",
		chromedp.SetValue(chromedp.ID("visit-associate"), associate),
		chromedp.Click(chromedp.ID("visit-go")))
	waitUntil(t, ctx, "the visitor linked and their conversation open",
		`document.getElementById('visit-status').dataset.outcome === 'linked'`+
			` && document.getElementById('head-name').textContent.startsWith('访客 Visitor')`+
			` && document.getElementById('head-sub').textContent.includes('顾问 Advisor')`+
			` && Array.from(document.querySelectorAll('#messages .event')).some((e) => e.textContent.includes('Followed by scanning'))`)
	openid := evaluate[string](t, ctx, "read the visitor's openid", `document.getElementById('head-openid').textContent.replace('openid ', '')`)
	var c clienteling.Customer
	call(t, m, "GET", "/api/v1/customers/"+customerIDOf(t, m, openid), testAdminToken, nil, &c)
	if string(c.Advisor) != associate {
		t.Fatalf("the visitor's advisor is %q, want %q", c.Advisor, associate)
	}
	screenshot(t, ctx, "sandbox-scan.png")
}
