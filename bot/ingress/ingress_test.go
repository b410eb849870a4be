package ingress_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/salonhq/salon/bot/callback"
	"github.com/salonhq/salon/bot/ingress"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

const (
	appID  = "wx1234567890abcdef"
	token  = "salontesttoken"
	aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

var discard = slog.New(slog.DiscardHandler)

// newMux routes /wechat/oa to an ingress with db behind it.
func newMux(db *store.DB, wake func()) (*http.ServeMux, error) {
	v, err := callback.NewOA(callback.OAConfig{AppID: appID, Token: token, EncodingAESKey: aesKey})
	if err != nil {
		return nil, err
	}
	g := ingress.New(db, clienteling.AnnounceReceived, wake, discard, prometheus.NewRegistry())
	mux := http.NewServeMux()
	mux.Handle("/wechat/oa", g.Handler(v))
	return mux, nil
}

// newServer serves /wechat/oa over real HTTP on loopback with db behind it.
func newServer(tb testing.TB, db *store.DB, wake func()) (*httptest.Server, *wechattest.OA) {
	tb.Helper()
	mux, err := newMux(db, wake)
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv, &wechattest.OA{AppID: appID, Token: token, EncodingAESKey: aesKey}
}

func deliver(tb testing.TB, client *http.Client, url string, cb *wechattest.Callback) (int, string) {
	tb.Helper()
	return deliverTo(tb, client, url+"/wechat/oa", cb)
}

// deliverTo posts cb to target and returns the status and body.
func deliverTo(tb testing.TB, client *http.Client, target string, cb *wechattest.Callback) (int, string) {
	tb.Helper()
	resp, err := client.Do(cb.Request(target))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestStoreRefusingWritesAnswers503 fills the database to its size limit:
// WeChat must then hear 503 (and retry), never "success".
func TestStoreRefusingWritesAnswers503(t *testing.T) {
	t.Parallel()
	db, err := store.Open(filepath.Join(t.TempDir(), "full.db"), store.Options{MaxSize: 1 << 20, InitialMmapSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srv, oa := newServer(t, db, nil)
	var status int
	var body string
	for i := 0; i < 2000; i++ {
		msg := wechattest.TextMsg("gh_x", fmt.Sprintf("oFILL%04d", i), strings.Repeat("满", 600), int64(i+1), time.Now())
		status, body = deliver(t, srv.Client(), srv.URL, oa.Safe(msg.XML()))
		if status != 200 {
			break
		}
		if body != "success" {
			t.Fatalf("got %q", body)
		}
	}
	if status != http.StatusServiceUnavailable || body == "success" {
		t.Fatalf("with the database full: got %d %q, want 503 and no success", status, body)
	}
}

func TestEveryOAMessageTypeIsStored(t *testing.T) {
	t.Parallel()
	db := clientelingtest.MustOpenDB(t)
	srv, oa := newServer(t, db, nil)
	now := time.Now()
	tests := []struct {
		name     string
		xml      string
		wantType string
	}{
		{"Text", `<xml><ToUserName>gh</ToUserName><FromUserName>oT1</FromUserName><CreateTime>%d</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1</MsgId></xml>`, "text"},
		{"Image", `<xml><ToUserName>gh</ToUserName><FromUserName>oT1</FromUserName><CreateTime>%d</CreateTime><MsgType>image</MsgType><PicUrl>https://p</PicUrl><MediaId>m1</MediaId><MsgId>2</MsgId></xml>`, "image"},
		{"Voice", `<xml><ToUserName>gh</ToUserName><FromUserName>oT1</FromUserName><CreateTime>%d</CreateTime><MsgType>voice</MsgType><MediaId>m2</MediaId><Format>amr</Format><Recognition>有黑色吗</Recognition><MsgId>3</MsgId></xml>`, "voice"},
		{"Video", `<xml><ToUserName>gh</ToUserName><FromUserName>oT1</FromUserName><CreateTime>%d</CreateTime><MsgType>video</MsgType><MediaId>m3</MediaId><ThumbMediaId>t</ThumbMediaId><MsgId>4</MsgId></xml>`, "video"},
		{"ShortVideo", `<xml><ToUserName>gh</ToUserName><FromUserName>oT1</FromUserName><CreateTime>%d</CreateTime><MsgType>shortvideo</MsgType><MediaId>m4</MediaId><ThumbMediaId>t</ThumbMediaId><MsgId>5</MsgId></xml>`, "video"},
		{"Location", `<xml><ToUserName>gh</ToUserName><FromUserName>oT1</FromUserName><CreateTime>%d</CreateTime><MsgType>location</MsgType><Location_X>31.2</Location_X><Location_Y>121.4</Location_Y><Scale>15</Scale><Label>Plaza 66</Label><MsgId>6</MsgId></xml>`, "location"},
		{"Link", `<xml><ToUserName>gh</ToUserName><FromUserName>oT1</FromUserName><CreateTime>%d</CreateTime><MsgType>link</MsgType><Title>Look</Title><Description>d</Description><Url>https://l</Url><MsgId>7</MsgId></xml>`, "link"},
		{"MiniProgram", `<xml><ToUserName>gh</ToUserName><FromUserName>oT1</FromUserName><CreateTime>%d</CreateTime><MsgType>miniprogrampage</MsgType><MsgId>8</MsgId><Title>Bag</Title><AppId>wxa</AppId><PagePath>p/1</PagePath><ThumbUrl>https://t</ThumbUrl><ThumbMediaId>t</ThumbMediaId></xml>`, "miniprogram"},
		{"Subscribe", `<xml><ToUserName>gh</ToUserName><FromUserName>oT1</FromUserName><CreateTime>%d</CreateTime><MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_adv:amy</EventKey><Ticket>tk</Ticket></xml>`, "event"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xml := fmt.Sprintf(tt.xml, now.Unix()+int64(i))
			if status, body := deliver(t, srv.Client(), srv.URL, oa.Safe([]byte(xml))); status != 200 || body != "success" {
				t.Fatalf("got %d %q", status, body)
			}
		})
	}
	c, err := db.FindCustomerByIdentity(t.Context(), clienteling.Identity{Channel: "oa", ExternalID: "oT1"})
	if err != nil {
		t.Fatal(err)
	}
	page, _, err := db.Messages(t.Context(), c.ID, clienteling.MessagePage{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != len(tests) {
		t.Fatalf("stored %d messages, want %d", len(page), len(tests))
	}
	for i, m := range page { // newest first
		if want := tests[len(tests)-1-i].wantType; m.Type != want {
			t.Errorf("%s: stored as %q, want %q", tests[len(tests)-1-i].name, m.Type, want)
		}
	}
}
