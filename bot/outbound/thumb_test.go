package outbound_test

import (
	"context"
	"fmt"
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
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// A 微信客服 link queued with a picture URL goes out with the picture
// uploaded as its thumbnail, once for every link that shows it; a picture
// that cannot be had fails the link with the reason, after retrying what
// may pass, and without calling send_msg.
func TestDeliveryUploadsThumbnails(t *testing.T) {
	t.Parallel()
	var status atomic.Int64
	status.Store(http.StatusOK)
	pictures := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if s := int(status.Load()); s != http.StatusOK {
			w.WriteHeader(s)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		_, _ = w.Write([]byte("\xff\xd8\xff a picture"))
	}))
	t.Cleanup(pictures.Close)
	r := startRigWith(t, func(apis *outbound.APIs) { apis.Thumbs = thumbs.New(apis.Kf.(thumbs.Uploader), thumbs.Options{}) })
	for i := range 2 {
		c := r.client(t, "", wecomID(i))
		m := r.send(t, c, &clienteling.Outgoing{Type: "link", Channel: "wecom", Title: "Sac 25", URL: "https://salon.example/c/x", PicURL: pictures.URL + "/bag.jpg"})
		if got := final(t, r.db, m.ID); got.Status != clienteling.StatusSent {
			t.Fatalf("link %d: %s (%s), want sent", i, got.Status, got.ErrorReason)
		}
	}
	if n := len(r.fake.CallsTo(thumbs.UploadPath)); n != 1 {
		t.Errorf("%d uploads for two links of one picture, want 1", n)
	}

	status.Store(http.StatusNotFound)
	c := r.client(t, "", wecomID(2))
	r.fake.ResetCalls()
	m := r.send(t, c, &clienteling.Outgoing{Type: "link", Channel: "wecom", Title: "Sac 26", URL: "https://salon.example/c/y", PicURL: pictures.URL + "/gone.jpg"})
	got := final(t, r.db, m.ID)
	if got.Status != clienteling.StatusFailed || !strings.Contains(got.ErrorReason, "thumbnail") || !strings.Contains(got.ErrorReason, "404") {
		t.Fatalf("missing picture: %s (%s), want failed naming the thumbnail", got.Status, got.ErrorReason)
	}
	if n := len(r.fake.CallsTo(outbound.KfSendPath)); n != 0 {
		t.Errorf("%d sends of a link without its thumbnail", n)
	}

	status.Store(http.StatusOK)
	bare := startRigWith(t, nil)
	c = bare.client(t, "", wecomID(3))
	m = bare.send(t, c, &clienteling.Outgoing{Type: "link", Channel: "wecom", Title: "Sac 27", URL: "https://salon.example/c/z", PicURL: pictures.URL + "/other.jpg"})
	if got := final(t, bare.db, m.ID); got.Status != clienteling.StatusFailed || !strings.Contains(got.ErrorReason, "no uploader") {
		t.Fatalf("without an uploader: %s (%s), want failed saying so", got.Status, got.ErrorReason)
	}
}

func wecomID(i int) string { return fmt.Sprintf("wmTHUMB%05d", i) }

// startRigWith is startRig with the APIs changed by edit (if not nil)
// before the sender starts.
func startRigWith(tb testing.TB, edit func(*outbound.APIs)) *rig {
	tb.Helper()
	r := &rig{fake: wechattest.Start(tb, wechattest.Options{}), db: clientelingtest.MustOpenDB(tb)}
	r.apis = apisFor(tb, r.fake)
	if edit != nil {
		edit(&r.apis)
	}
	r.sender = outbound.New(r.db, r.apis, outbound.Options{Backoff: time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.sender.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-done })
	return r
}
