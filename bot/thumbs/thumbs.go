// Package thumbs turns the pictures of link and mini-program cards into
// the thumb_media_id WeChat wants: it fetches the picture, uploads it to
// the temporary media store of the account that sends (/cgi-bin/media/upload,
// the call silenceper's work/material UploadTempFile makes for WeCom, here
// through wxclient so that it has the account's token, the configured base
// and a context), and remembers the media id until WeChat forgets it,
// three days on. A card sent to a hundred clients uploads its picture once.
package thumbs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/salonhq/salon/bot/wxclient"
)

// UploadPath is WeCom's temporary media upload.
const UploadPath = "/cgi-bin/media/upload"

// MediaLifetime is how long WeChat and WeCom keep a temporary media file.
const MediaLifetime = 72 * time.Hour

// renewBefore is how long before its end a media id is replaced: a message
// queued behind others must not reach WeCom with an id just gone.
const renewBefore = time.Hour

// Defaults of Options.
const (
	DefaultMaxBytes     = 5 << 20 // WeCom takes 10 MB; a thumbnail needs far less
	DefaultFetchTimeout = 10 * time.Second
)

// Uploader posts a file with the sending account's access token (微信客服's
// or the Official Account's): a *wxclient.AccessTokenProvider.
type Uploader interface {
	PostFile(ctx context.Context, path string, query url.Values, field, filename string, content []byte, out any) error
}

// Options tune a Cache; the zero value is right for production.
type Options struct {
	// Fetch gets the pictures. Default: a client with DefaultFetchTimeout.
	Fetch *http.Client
	// MaxBytes bounds a picture. Default DefaultMaxBytes.
	MaxBytes int64
	// Now tells the time. Default time.Now.
	Now func() time.Time
}

// Cache gives the media id of a picture, uploading it when it has none
// still valid. It is safe for concurrent use.
type Cache struct {
	up   Uploader
	opts Options

	mu       sync.Mutex
	ids      map[string]entry     // by picture URL
	inFlight map[string]*inFlight // uploads under way, by picture URL
}

type entry struct {
	id      string
	renewAt time.Time
}

type inFlight struct {
	done chan struct{}
	id   string
	err  error
}

// New returns a Cache that uploads through up.
func New(up Uploader, opts Options) *Cache {
	if opts.Fetch == nil {
		opts.Fetch = &http.Client{Timeout: DefaultFetchTimeout}
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Cache{up: up, opts: opts, ids: map[string]entry{}, inFlight: map[string]*inFlight{}}
}

// Thumb returns a media id for the picture at pictureURL. Concurrent calls
// for one picture share one upload. Errors that may pass (the network,
// WeChat busy, a 5xx) are wxclient.Retryable.
func (c *Cache) Thumb(ctx context.Context, pictureURL string) (string, error) {
	c.mu.Lock()
	if e, ok := c.ids[pictureURL]; ok && c.opts.Now().Before(e.renewAt) {
		c.mu.Unlock()
		return e.id, nil
	}
	f, running := c.inFlight[pictureURL]
	if !running {
		f = &inFlight{done: make(chan struct{})}
		c.inFlight[pictureURL] = f
	}
	c.mu.Unlock()
	if running {
		select {
		case <-f.done:
			return f.id, f.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	id, renewAt, err := c.upload(ctx, pictureURL)
	c.mu.Lock()
	if err == nil {
		c.ids[pictureURL] = entry{id: id, renewAt: renewAt}
	}
	delete(c.inFlight, pictureURL)
	c.mu.Unlock()
	f.id, f.err = id, err
	close(f.done)
	return id, err
}

// uploadAnswer is WeCom's answer. Its created_at is WeCom's clock; the
// lifetime is counted from before the upload on ours instead, which can
// only end it early.
type uploadAnswer struct {
	MediaID string `json:"media_id"`
}

func (c *Cache) upload(ctx context.Context, pictureURL string) (string, time.Time, error) {
	started := c.opts.Now()
	content, ext, err := c.fetch(ctx, pictureURL)
	if err != nil {
		return "", time.Time{}, err
	}
	var a uploadAnswer
	if err := c.up.PostFile(ctx, UploadPath, url.Values{"type": {"image"}}, "media", "thumb"+ext, content, &a); err != nil {
		return "", time.Time{}, err
	}
	if a.MediaID == "" {
		return "", time.Time{}, errors.New("thumbs: WeCom answered no media_id")
	}
	return a.MediaID, started.Add(MediaLifetime - renewBefore), nil
}

// fetch gets the picture, a JPEG or PNG (what WeCom takes) of at most
// MaxBytes, and returns it with its file extension.
func (c *Cache) fetch(ctx context.Context, pictureURL string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pictureURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("thumbs: picture URL: %w", err)
	}
	resp, err := c.opts.Fetch.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("thumbs: fetch picture: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", &wxclient.HTTPError{Op: "fetch picture", Status: resp.StatusCode}
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	ext := map[string]string{"image/jpeg": ".jpg", "image/png": ".png"}[mediaType]
	if ext == "" {
		return nil, "", fmt.Errorf("thumbs: the picture is %q; WeCom takes JPEG or PNG", mediaType)
	}
	content, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBytes+1))
	if err != nil {
		return nil, "", fmt.Errorf("thumbs: fetch picture: %w", err)
	}
	if int64(len(content)) > c.opts.MaxBytes {
		return nil, "", fmt.Errorf("thumbs: the picture is larger than %d bytes", c.opts.MaxBytes)
	}
	return content, ext, nil
}
