package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
)

// The send APIs, by path under their family's base.
const (
	// CustomSendPath is the Official Account's customer-service send.
	CustomSendPath = "/cgi-bin/message/custom/send"
	// TemplateSendPath is the Official Account's template message send.
	TemplateSendPath = "/cgi-bin/message/template/send"
	// KfSendPath is 微信客服's send_msg.
	KfSendPath = "/cgi-bin/kf/send_msg"
	// KfSendOnEventPath is 微信客服's reply to an event's code (a welcome).
	KfSendOnEventPath = "/cgi-bin/kf/send_msg_on_event"
)

// The bodies below follow WeChat's documented JSON field for field, the
// same shapes silenceper's helpers send; they are posted here because those
// helpers drop the errcode the sender branches on.

type textBody struct {
	Content string `json:"content"`
}

type mediaBody struct {
	MediaID string `json:"media_id"`
}

type newsArticle struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	PicURL      string `json:"picurl"`
}

type newsBody struct {
	Articles []newsArticle `json:"articles"`
}

type miniProgramPage struct {
	Title        string `json:"title"`
	AppID        string `json:"appid"`
	PagePath     string `json:"pagepath"`
	ThumbMediaID string `json:"thumb_media_id"`
}

// customMessage is the body of an Official Account customer-service send.
type customMessage struct {
	ToUser          string           `json:"touser"`
	MsgType         string           `json:"msgtype"`
	Text            *textBody        `json:"text,omitempty"`
	Image           *mediaBody       `json:"image,omitempty"`
	News            *newsBody        `json:"news,omitempty"`
	MiniProgramPage *miniProgramPage `json:"miniprogrampage,omitempty"`
}

type templateMiniProgram struct {
	AppID    string `json:"appid"`
	PagePath string `json:"pagepath"`
}

type templateValue struct {
	Value string `json:"value"`
	Color string `json:"color,omitempty"`
}

// templateMessage is the body of an Official Account template send.
// ClientMsgID is WeChat's guard against repeats (it drops a second send
// with the same id to the same client within minutes): the message id, so
// that a retry after an ambiguous failure is not shown twice.
type templateMessage struct {
	ToUser      string                   `json:"touser"`
	TemplateID  string                   `json:"template_id"`
	URL         string                   `json:"url,omitempty"`
	MiniProgram *templateMiniProgram     `json:"miniprogram,omitempty"`
	Data        map[string]templateValue `json:"data"`
	ClientMsgID string                   `json:"client_msg_id"`
}

type kfLink struct {
	Title        string `json:"title"`
	Desc         string `json:"desc"`
	URL          string `json:"url"`
	ThumbMediaID string `json:"thumb_media_id"`
}

type kfMiniProgram struct {
	AppID        string `json:"appid"`
	Title        string `json:"title"`
	ThumbMediaID string `json:"thumb_media_id"`
	PagePath     string `json:"pagepath"`
}

// kfMessage is the body of a 微信客服 send_msg. MsgID is the message id, so
// that WeCom's answer names the message Salon stored.
type kfMessage struct {
	ToUser      string         `json:"touser"`
	OpenKfID    string         `json:"open_kfid"`
	MsgID       string         `json:"msgid"`
	MsgType     string         `json:"msgtype"`
	Text        *textBody      `json:"text,omitempty"`
	Image       *mediaBody     `json:"image,omitempty"`
	Link        *kfLink        `json:"link,omitempty"`
	MiniProgram *kfMiniProgram `json:"miniprogram,omitempty"`
}

// kfEventMessage is the body of a 微信客服 send_msg_on_event.
type kfEventMessage struct {
	Code    string    `json:"code"`
	MsgID   string    `json:"msgid"`
	MsgType string    `json:"msgtype"`
	Text    *textBody `json:"text"`
}

var (
	errUnsupported = errors.New("this kind of message cannot be sent on this channel")
	errNoOA        = errors.New("no Official Account is configured")
	errNoKf        = errors.New("no 微信客服 secret is configured")
	errNoKfAccount = errors.New("the 微信客服 account the client wrote to is unknown")
	errNoThumbs    = errors.New("no uploader of thumbnails is configured for this channel")
)

// request returns the API, path and body that deliver t.
func (s *Sender) request(t *clienteling.OutboundTask) (Poster, string, any, error) {
	o := t.Content
	if o == nil {
		o = &clienteling.Outgoing{Type: clienteling.TypeText, Text: t.Message.Text}
	}
	switch t.To.Channel {
	case clienteling.ChannelOA:
		if s.apis.OA == nil {
			return nil, "", nil, errNoOA
		}
		path, body, err := oaBody(t.To.ExternalID, string(t.Message.ID), o)
		return s.apis.OA, path, body, err
	case clienteling.ChannelWeCom:
		if s.apis.Kf == nil {
			return nil, "", nil, errNoKf
		}
		path, body, err := kfBody(t.To.ExternalID, t.Message, o)
		return s.apis.Kf, path, body, err
	}
	return nil, "", nil, errUnsupported
}

func oaBody(openid, id string, o *clienteling.Outgoing) (string, any, error) {
	m := &customMessage{ToUser: openid}
	switch o.Type {
	case clienteling.TypeText:
		m.MsgType, m.Text = "text", &textBody{Content: o.Text}
	case clienteling.TypeImage:
		m.MsgType, m.Image = "image", &mediaBody{MediaID: o.MediaID}
	case clienteling.TypeNews:
		m.MsgType, m.News = "news", &newsBody{Articles: []newsArticle{
			{Title: o.Title, Description: o.Description, URL: o.URL, PicURL: o.PicURL}}}
	case clienteling.TypeMiniProgram:
		m.MsgType, m.MiniProgramPage = "miniprogrampage", &miniProgramPage{
			Title: o.Title, AppID: o.AppID, PagePath: o.PagePath, ThumbMediaID: o.ThumbMediaID}
	case clienteling.TypeTemplate:
		tm := &templateMessage{ToUser: openid, TemplateID: o.TemplateID, URL: o.URL, ClientMsgID: id,
			Data: make(map[string]templateValue, len(o.Data))}
		if o.AppID != "" {
			tm.MiniProgram = &templateMiniProgram{AppID: o.AppID, PagePath: o.PagePath}
		}
		for k, v := range o.Data {
			tm.Data[k] = templateValue(v)
		}
		return TemplateSendPath, tm, nil
	default:
		return "", nil, errUnsupported
	}
	return CustomSendPath, m, nil
}

func kfBody(externalUserID string, msg *clienteling.Message, o *clienteling.Outgoing) (string, any, error) {
	if o.WelcomeCode != "" {
		if o.Type != clienteling.TypeText {
			return "", nil, errUnsupported
		}
		return KfSendOnEventPath, &kfEventMessage{Code: o.WelcomeCode, MsgID: string(msg.ID), MsgType: "text",
			Text: &textBody{Content: o.Text}}, nil
	}
	if msg.Account == "" {
		return "", nil, errNoKfAccount
	}
	m := &kfMessage{ToUser: externalUserID, OpenKfID: msg.Account, MsgID: string(msg.ID)}
	switch o.Type {
	case clienteling.TypeText:
		m.MsgType, m.Text = "text", &textBody{Content: o.Text}
	case clienteling.TypeImage:
		m.MsgType, m.Image = "image", &mediaBody{MediaID: o.MediaID}
	case clienteling.TypeLink:
		m.MsgType, m.Link = "link", &kfLink{Title: o.Title, Desc: o.Description, URL: o.URL, ThumbMediaID: o.ThumbMediaID}
	case clienteling.TypeMiniProgram:
		m.MsgType, m.MiniProgram = "miniprogram", &kfMiniProgram{AppID: o.AppID, Title: o.Title,
			ThumbMediaID: o.ThumbMediaID, PagePath: o.PagePath}
	default:
		return "", nil, errUnsupported
	}
	return KfSendPath, m, nil
}

// fillThumb gives a link or mini-program card queued with a picture URL,
// and no thumbnail, the media id of that picture in the store of its
// channel, uploading it if need be.
func (s *Sender) fillThumb(ctx context.Context, t *clienteling.OutboundTask, body any) error {
	if t.Content == nil || t.Content.PicURL == "" {
		return nil
	}
	var thumb *string
	var from Thumbnailer
	switch m := body.(type) {
	case *kfMessage:
		from = s.apis.Thumbs
		switch {
		case m.Link != nil:
			thumb = &m.Link.ThumbMediaID
		case m.MiniProgram != nil:
			thumb = &m.MiniProgram.ThumbMediaID
		}
	case *customMessage:
		from = s.apis.OAThumbs
		if m.MiniProgramPage != nil {
			thumb = &m.MiniProgramPage.ThumbMediaID
		}
	}
	if thumb == nil || *thumb != "" {
		return nil
	}
	if from == nil {
		return errNoThumbs
	}
	id, err := from.Thumb(ctx, t.Content.PicURL)
	if err != nil {
		return &thumbError{err}
	}
	*thumb = id
	return nil
}

// thumbError is a failure to make a link's thumbnail: the message never
// reached the send API.
type thumbError struct{ err error }

func (e *thumbError) Error() string { return "thumbnail: " + e.err.Error() }
func (e *thumbError) Unwrap() error { return e.err }

// sendAnswer is what WeChat answers; msgid is given by some APIs only, as
// a number (template) or a string (微信客服).
type sendAnswer struct {
	MsgID json.RawMessage `json:"msgid"`
}

func (a sendAnswer) id() string {
	if len(a.MsgID) == 0 || string(a.MsgID) == "null" {
		return ""
	}
	return strings.Trim(string(a.MsgID), `"`)
}

// send delivers one message, retrying what may succeed later, and returns
// WeChat's msgid (possibly empty) or the last error, with the number of
// calls made.
func (s *Sender) send(ctx context.Context, t *clienteling.OutboundTask) (string, int, error) {
	api, path, body, err := s.request(t)
	if err != nil {
		return "", 0, err
	}
	limiter := s.limiters[path]
	// Jitter keeps many senders from hammering WeChat in step after an
	// outage.
	backoff := clienteling.NewBackoff(s.opts.Backoff, s.opts.MaxBackoff)
	for attempt := 1; ; attempt++ {
		// A burst waits here for its turn rather than reaching WeChat
		// above the ceiling, where it would be refused.
		if err := limiter.Wait(ctx); err != nil {
			return "", attempt - 1, err
		}
		var answer sendAnswer
		cctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
		err = s.fillThumb(cctx, t, body)
		if err == nil {
			// PostJSON refreshes the access token and resends once on
			// 40001, 42001 and 40014.
			err = api.PostJSON(cctx, path, nil, body, &answer)
		}
		cancel()
		if err == nil {
			s.metrics.attempts.WithLabelValues(path, "ok").Inc()
			return answer.id(), attempt, nil
		}
		if !wxclient.Retryable(err) || attempt >= s.opts.Attempts || ctx.Err() != nil {
			s.metrics.attempts.WithLabelValues(path, "final").Inc()
			return "", attempt, err
		}
		s.metrics.attempts.WithLabelValues(path, "retry").Inc()
		if !clienteling.Sleep(ctx, backoff.Next()) {
			return "", attempt, ctx.Err()
		}
	}
}
