package wechatsim

import (
	"encoding/json"
	"io"
	"net/http"
)

// sendBody is the union of the message objects WeChat's send APIs take,
// for checking that a message carries what its msgtype needs, as WeChat
// does (it answers 44002 "empty post data", 44003 "empty news data",
// 44004 "empty content" or 40007 "invalid media_id").
type sendBody struct {
	Text *struct {
		Content string `json:"content"`
	} `json:"text"`
	Image *struct {
		MediaID string `json:"media_id"`
	} `json:"image"`
	News *struct {
		Articles []struct {
			Title string `json:"title"`
			URL   string `json:"url"`
		} `json:"articles"`
	} `json:"news"`
	MiniProgramPage *miniProgramBody `json:"miniprogrampage"`
	MiniProgram     *miniProgramBody `json:"miniprogram"`
	Link            *struct {
		Title        string `json:"title"`
		URL          string `json:"url"`
		ThumbMediaID string `json:"thumb_media_id"`
	} `json:"link"`
}

type miniProgramBody struct {
	Title        string `json:"title"`
	AppID        string `json:"appid"`
	PagePath     string `json:"pagepath"`
	ThumbMediaID string `json:"thumb_media_id"`
}

func (m *miniProgramBody) complete() bool {
	return m != nil && m.Title != "" && m.AppID != "" && m.PagePath != "" && m.ThumbMediaID != ""
}

// Errcodes of send APIs for content that does not fit its msgtype.
const (
	errcodeEmptyContent = 44004
	errcodeEmptyNews    = 44003
	errcodeBadMedia     = 40007
	errcodeBadFormat    = 47001
)

// sendContentErrcode checks the message object of msgtype in raw: 0 when
// it is complete, else the errcode WeChat would answer. It knows the
// msgtypes Salon sends; others pass.
func sendContentErrcode(msgtype string, raw []byte) int {
	var b sendBody
	if err := json.Unmarshal(raw, &b); err != nil {
		return errcodeBadFormat
	}
	switch msgtype {
	case "text":
		if b.Text == nil || b.Text.Content == "" {
			return errcodeEmptyContent
		}
	case "image":
		if b.Image == nil || b.Image.MediaID == "" {
			return errcodeBadMedia
		}
	case "news":
		// Customer-service news carries one article since 2018.
		if b.News == nil || len(b.News.Articles) != 1 || b.News.Articles[0].Title == "" || b.News.Articles[0].URL == "" {
			return errcodeEmptyNews
		}
	case "miniprogrampage":
		if !b.MiniProgramPage.complete() {
			return errcodeBadFormat
		}
	case "miniprogram":
		if !b.MiniProgram.complete() {
			return errcodeBadFormat
		}
	case "link":
		if b.Link == nil || b.Link.Title == "" || b.Link.URL == "" || b.Link.ThumbMediaID == "" {
			return errcodeBadFormat
		}
	}
	return 0
}

// readSend reads a send request's body into v, keeping the raw bytes for
// sendContentErrcode; on a malformed body it answers 47001 and returns nil.
func readSend(w http.ResponseWriter, r *http.Request, v any) []byte {
	raw, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(raw, v)
	}
	if err != nil {
		apiError(w, errcodeBadFormat, "")
		return nil
	}
	return raw
}
