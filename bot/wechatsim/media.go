package wechatsim

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Media is a file uploaded to the temporary media store
// (/cgi-bin/media/upload, the same path on the Official Account API and on
// WeCom's), as the simulator received it.
type Media struct {
	ID       string
	Type     string // image, voice, video or file
	Filename string
	Content  []byte
}

// mediaStore keeps uploaded files by media id.
type mediaStore struct {
	mu    sync.Mutex
	byID  map[string]Media
	count int
}

// WeCom's temporary media: images up to 10 MB, in the multipart field
// "media".
const (
	maxMediaBytes     = 10 << 20
	errcodeMediaSize  = 40009 // invalid image size
	errcodeMediaType  = 40004 // invalid media type
	errcodeMediaEmpty = 41005 // media data missing
)

func (s *Server) routeMedia() {
	s.mux.HandleFunc("POST /cgi-bin/media/upload", s.handleMediaUpload)
}

// handleMediaUpload stores the file and answers its media_id, with
// created_at as a string of Unix seconds, as WeCom does (the Official
// Account answers a number; no caller reads it). The simulator serves both
// hosts at once, so a token of either family is checked as its own.
func (s *Server) handleMediaUpload(w http.ResponseWriter, r *http.Request) {
	fam := familyWeCom
	s.tokens.mu.Lock()
	if t, found := s.tokens.byValue[r.URL.Query().Get("access_token")]; found {
		fam = t.family
	}
	s.tokens.mu.Unlock()
	if !s.authorize(w, r, fam) {
		return
	}
	typ := r.URL.Query().Get("type")
	switch typ {
	case "image", "voice", "video", "file":
	default:
		apiError(w, errcodeMediaType, "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxMediaBytes+1<<20)
	f, header, err := r.FormFile("media")
	if err != nil {
		apiError(w, errcodeMediaEmpty, "")
		return
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, maxMediaBytes+1))
	switch {
	case err != nil || len(content) == 0:
		apiError(w, errcodeMediaEmpty, "")
		return
	case len(content) > maxMediaBytes:
		apiError(w, errcodeMediaSize, "")
		return
	}
	s.media.mu.Lock()
	if s.media.byID == nil {
		s.media.byID = map[string]Media{}
	}
	s.media.count++
	id := fmt.Sprintf("3sim%08dMEDIA", s.media.count)
	s.media.byID[id] = Media{ID: id, Type: typ, Filename: header.Filename, Content: content}
	s.media.mu.Unlock()
	ok(w, map[string]any{"type": typ, "media_id": id, "created_at": strconv.FormatInt(s.opts.Clock().Unix(), 10)})
}

// UploadedMedia returns the file uploaded as media id; ok is false for an
// id the simulator never gave.
func (s *Server) UploadedMedia(id string) (Media, bool) {
	s.media.mu.Lock()
	defer s.media.mu.Unlock()
	m, ok := s.media.byID[id]
	return m, ok
}
