package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/thumbs"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
)

// testPNG is a 1x1 PNG: what the picture server gives.
var testPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// pictureServer serves testPNG at any path and counts the fetches.
func pictureServer(t testing.TB) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var fetches atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(testPNG)
	}))
	t.Cleanup(srv.Close)
	return srv, &fetches
}

// putCardProduct adds the product the card tests send, and the boutique
// that has it.
func putCardProduct(t testing.TB, m *Main, picture string) {
	t.Helper()
	boutique := `{"id":"sh-plaza66","name":"Plaza 66","city":"Shanghai","timezone":"Asia/Shanghai"}`
	if got := call(t, m, "POST", "/api/v1/boutiques", testAdminToken, boutique, nil); got != http.StatusCreated {
		t.Fatalf("create boutique: %d", got)
	}
	body := `{"sku":"ML-BAG-07","category":"bags","title":{"zh-CN":"月光手袋","en":"Moonlight bag"},` +
		`"description":{"zh-CN":"小牛皮，手工缝制","en":"Calfskin, hand-stitched"},"images":["` + picture + `","` + picture + `?2"],` +
		`"price":{"amount":2850000,"currency":"CNY"},"sizes":["S","M"],"stock":{"sh-plaza66":1}}`
	if got := call(t, m, "POST", "/api/v1/products", testAdminToken, body, nil); got != http.StatusCreated {
		t.Fatalf("put product: %d", got)
	}
}

// received returns the JSON WeChat received at path, once, as compact JSON.
func received(t *testing.T, fake *wechattest.Server, path string) string {
	t.Helper()
	calls := fake.CallsTo(path)
	if len(calls) != 1 {
		t.Fatalf("%d calls to %s, want 1", len(calls), path)
	}
	var v any
	if err := json.Unmarshal(calls[0].Body, &v); err != nil {
		t.Fatal(err)
	}
	return mustJSON(t, v)
}

// A card reaches the Official Account as a one-article news message and
// 微信客服 as a link whose thumbnail is the product's picture, uploaded to
// WeCom once; each link opens the card it was sent with.
func TestCardReachesWeChat(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	pictures, fetches := pictureServer(t)
	picture := pictures.URL + "/ml-bag-07/1.png"
	m := MustRunMain(t, withOA(fake), withWeCom(fake), func(c *Config) { c.PublicURL = "https://salon.example/shop" })
	putCardProduct(t, m, picture)
	both := openClient(t, m, false, oaID("oCARDS00001"), clienteling.Identity{Channel: "wecom", ExternalID: "wmCARDS0001"})
	key, err := m.DB.CardKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	events, err := m.Bus.Conn.SubscribeSync(clienteling.EventSubject(clienteling.EventCardSent))
	if err != nil {
		t.Fatal(err)
	}

	send := func(body string) clienteling.Message {
		t.Helper()
		fake.ResetCalls()
		var queued clienteling.Message
		if got := call(t, m, "POST", "/api/v1/customers/"+both+"/messages", testAdminToken, body, &queued); got != http.StatusAccepted {
			t.Fatalf("card: %d, want 202", got)
		}
		if queued.Type != clienteling.TypeCard || queued.Card == "" || queued.Status != clienteling.StatusQueued || queued.Media != "ML-BAG-07" {
			t.Fatalf("answered %+v, want a queued card", queued)
		}
		if got := waitStatus(t, m, both, string(queued.ID)); got.Status != clienteling.StatusSent {
			t.Fatalf("status %s (%d %s), want sent", got.Status, got.ErrorCode, got.ErrorReason)
		}
		return queued
	}
	// link checks that url opens card, and returns it.
	link := func(got string, card clienteling.CardID) string {
		t.Helper()
		var body struct {
			News struct{ Articles []struct{ URL string } }
			Link struct{ URL string }
		}
		_ = json.Unmarshal([]byte(got), &body)
		url := body.Link.URL
		if len(body.News.Articles) == 1 {
			url = body.News.Articles[0].URL
		}
		token, ok := strings.CutPrefix(url, "https://salon.example/shop/c/")
		if !ok {
			t.Fatalf("link %q is not under SALON_PUBLIC_URL/c/", url)
		}
		if id, err := key.VerifyCardToken(token); err != nil || id != card {
			t.Fatalf("the link opens %q (%v), want card %q", id, err, card)
		}
		return url
	}

	t.Run("OfficialAccountNews", func(t *testing.T) {
		queued := send(`{"type":"card","channel":"oa","sku":"ML-BAG-07","note":"为您留了一只"}`)
		got := received(t, fake, outbound.CustomSendPath)
		url := link(got, queued.Card)
		want := `{"msgtype":"news","news":{"articles":[{"description":"为您留了一只","picurl":"` + picture + `","title":"月光手袋","url":"` + url + `"}]},"touser":"oCARDS00001"}`
		if got != want {
			t.Fatalf("WeChat received\n%s\nwant\n%s", got, want)
		}
	})

	var mediaID string
	t.Run("KfLinkWithThumbnail", func(t *testing.T) {
		queued := send(`{"type":"card","channel":"wecom","sku":"ML-BAG-07"}`)
		uploads := fake.CallsTo(thumbs.UploadPath)
		if len(uploads) != 1 || uploads[0].Query.Get("type") != "image" {
			t.Fatalf("uploads %+v, want one image", uploads)
		}
		got := received(t, fake, outbound.KfSendPath)
		var body struct {
			Link struct {
				ThumbMediaID string `json:"thumb_media_id"`
			}
		}
		_ = json.Unmarshal([]byte(got), &body)
		mediaID = body.Link.ThumbMediaID
		if media, ok := fake.UploadedMedia(mediaID); !ok || !bytes.Equal(media.Content, testPNG) || media.Type != "image" {
			t.Fatalf("thumb_media_id %q is not the product's picture uploaded as an image", mediaID)
		}
		url := link(got, queued.Card)
		want := `{"link":{"desc":"小牛皮，手工缝制","thumb_media_id":"` + mediaID + `","title":"月光手袋","url":"` + url + `"},` +
			`"msgid":"` + string(queued.ID) + `","msgtype":"link","open_kfid":"` + testKfID + `","touser":"wmCARDS0001"}`
		if got != want {
			t.Fatalf("WeChat received\n%s\nwant\n%s", got, want)
		}
	})

	t.Run("KfThumbnailCached", func(t *testing.T) {
		send(`{"type":"card","channel":"wecom","sku":"ML-BAG-07","note":"second"}`)
		if n := len(fake.CallsTo(thumbs.UploadPath)); n != 0 {
			t.Errorf("%d uploads for a picture uploaded before, want 0", n)
		}
		if !strings.Contains(received(t, fake, outbound.KfSendPath), `"thumb_media_id":"`+mediaID+`"`) {
			t.Errorf("the second link does not reuse media %s", mediaID)
		}
		if n := fetches.Load(); n != 1 {
			t.Errorf("the picture was fetched %d times, want 1", n)
		}
	})

	for range 3 {
		msg, err := events.NextMsg(10 * time.Second)
		if err != nil {
			t.Fatalf("card.sent on NATS: %v", err)
		}
		e, err := clienteling.DecodeEvent(msg.Subject, msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		if d, ok := e.Data.(clienteling.CardSent); !ok || string(d.Customer) != both || d.SKU != "ML-BAG-07" || d.Amount != 2850000 || d.Currency != "CNY" {
			t.Errorf("card.sent %+v", e.Data)
		}
	}
}

// With SALON_OA_MINIPROGRAM_*, the Official Account receives a card as a
// miniprogrampage whose thumbnail is the picture uploaded to the Official
// Account's own media store, opening the card's page with its token.
func TestCardAsMiniProgramPage(t *testing.T) {
	t.Parallel()
	fake := wechattest.Start(t, wechattest.Options{})
	pictures, _ := pictureServer(t)
	picture := pictures.URL + "/ml-bag-07/1.png"
	m := MustRunMain(t, withOA(fake), func(c *Config) {
		c.OAMiniProgramAppID, c.OAMiniProgramPage = "wx0123456789abcdef", "pages/card/card"
	})
	putCardProduct(t, m, picture)
	client := openClient(t, m, false, oaID("oCARDSMP001"))
	key, err := m.DB.CardKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var queued clienteling.Message
	if got := call(t, m, "POST", "/api/v1/customers/"+client+"/messages", testAdminToken, `{"type":"card","sku":"ML-BAG-07"}`, &queued); got != http.StatusAccepted {
		t.Fatalf("card: %d, want 202", got)
	}
	if got := waitStatus(t, m, client, string(queued.ID)); got.Status != clienteling.StatusSent {
		t.Fatalf("status %s (%d %s), want sent", got.Status, got.ErrorCode, got.ErrorReason)
	}
	uploads := fake.CallsTo(thumbs.UploadPath)
	if len(uploads) != 1 || uploads[0].Credential != fake.Options().OAAppID {
		t.Fatalf("%d uploads, want one with the Official Account's token", len(uploads))
	}
	got := received(t, fake, outbound.CustomSendPath)
	var body struct {
		MiniProgramPage struct {
			PagePath     string `json:"pagepath"`
			ThumbMediaID string `json:"thumb_media_id"`
		} `json:"miniprogrampage"`
	}
	_ = json.Unmarshal([]byte(got), &body)
	token, _ := strings.CutPrefix(body.MiniProgramPage.PagePath, "pages/card/card?card=")
	if id, err := key.VerifyCardToken(token); err != nil || id != queued.Card {
		t.Fatalf("the page opens %q (%v), want card %q", id, err, queued.Card)
	}
	mediaID := body.MiniProgramPage.ThumbMediaID
	if media, ok := fake.UploadedMedia(mediaID); !ok || !bytes.Equal(media.Content, testPNG) {
		t.Fatalf("thumb_media_id %q is not the product's picture", mediaID)
	}
	want := `{"miniprogrampage":{"appid":"wx0123456789abcdef","pagepath":"pages/card/card?card=` + token + `","thumb_media_id":"` + mediaID +
		`","title":"月光手袋"},"msgtype":"miniprogrampage","touser":"oCARDSMP001"}`
	if got != want {
		t.Fatalf("WeChat received\n%s\nwant\n%s", got, want)
	}
}
