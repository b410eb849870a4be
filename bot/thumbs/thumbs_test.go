package thumbs_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/thumbs"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// png is enough of a PNG for WeCom's store, which checks the size only.
var png = []byte("\x89PNG\r\n\x1a\nfake picture")

// rig is a Cache uploading to the fake WeChat with the 微信客服 token, and
// a picture server whose answer each test chooses.
type rig struct {
	fake    *wechattest.Server
	cache   *thumbs.Cache
	clock   *clientelingtest.Clock
	url     string
	fetches atomic.Int64
}

func newRig(t *testing.T, serve http.HandlerFunc) *rig {
	t.Helper()
	r := &rig{fake: wechattest.Start(t, wechattest.Options{}), clock: clientelingtest.NewClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))}
	if serve == nil {
		serve = func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write(png)
		}
	}
	pictures := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.fetches.Add(1)
		serve(w, req)
	}))
	t.Cleanup(pictures.Close)
	r.url = pictures.URL + "/bag.png"
	client, err := wxclient.New(wxclient.Config{WeComBase: r.fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	kf, err := wxclient.NewAccessTokenProvider(client, wxclient.Credential{Family: wxclient.WeCom, ID: r.fake.Options().CorpID,
		Secret: wechattest.DefaultKfSecret, Name: "kf"}, wxclient.ProviderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r.cache = thumbs.New(kf, thumbs.Options{Now: r.clock.Now, MaxBytes: 1 << 10})
	return r
}

func TestThumbUploadsOncePerPicture(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	const callers = 8
	ids := make([]string, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			id, err := r.cache.Thumb(t.Context(), r.url)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("ids %q: callers of one picture got different media", ids)
		}
	}
	media, ok := r.fake.UploadedMedia(ids[0])
	if !ok || !bytes.Equal(media.Content, png) || media.Type != "image" || media.Filename != "thumb.png" {
		t.Fatalf("uploaded %+v, want the picture as an image", media)
	}
	if n := len(r.fake.CallsTo(thumbs.UploadPath)); n != 1 {
		t.Errorf("%d uploads, want 1", n)
	}
	if n := r.fetches.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

// WeCom keeps a temporary file three days: the id serves until an hour
// before, then the picture is uploaded again.
func TestThumbRenewedBeforeWeComForgets(t *testing.T) {
	t.Parallel()
	r := newRig(t, nil)
	first, err := r.cache.Thumb(t.Context(), r.url)
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(thumbs.MediaLifetime - time.Hour - time.Second)
	if again, err := r.cache.Thumb(t.Context(), r.url); err != nil || again != first {
		t.Fatalf("at 71h: %q, %v; want %q again", again, err, first)
	}
	r.clock.Advance(time.Second)
	renewed, err := r.cache.Thumb(t.Context(), r.url)
	if err != nil || renewed == first {
		t.Fatalf("at 71h: %q, %v; want a new upload", renewed, err)
	}
	if n := len(r.fake.CallsTo(thumbs.UploadPath)); n != 2 {
		t.Errorf("%d uploads, want 2", n)
	}
}

func TestThumbRefusesWhatWeComWouldNot(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		serve     http.HandlerFunc
		retryable bool
		want      string
	}{
		{"HTML", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>"))
		}, false, "JPEG or PNG"},
		{"TooLarge", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(bytes.Repeat([]byte{0xff}, 1<<10+1))
		}, false, "larger than"},
		{"Gone", func(w http.ResponseWriter, _ *http.Request) { http.NotFound(w, nil) }, false, "404"},
		{"Unavailable", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }, true, "503"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, tc.serve)
			id, err := r.cache.Thumb(t.Context(), r.url)
			if err == nil || !strings.Contains(err.Error(), tc.want) || wxclient.Retryable(err) != tc.retryable {
				t.Fatalf("got %q, %v (retryable %v); want an error saying %q, retryable %v", id, err, wxclient.Retryable(err), tc.want, tc.retryable)
			}
			if n := len(r.fake.CallsTo(thumbs.UploadPath)); n != 0 {
				t.Errorf("%d uploads of a refused picture", n)
			}
		})
	}
}

// A failure is not remembered: the next card tries again.
func TestThumbFailureNotCached(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fail.Store(true)
	r := newRig(t, func(w http.ResponseWriter, _ *http.Request) {
		if fail.Load() {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(png)
	})
	if _, err := r.cache.Thumb(t.Context(), r.url); err == nil {
		t.Fatal("no error while the picture server fails")
	}
	fail.Store(false)
	if id, err := r.cache.Thumb(t.Context(), r.url); err != nil || id == "" {
		t.Fatalf("after recovery: %q, %v", id, err)
	}
}
