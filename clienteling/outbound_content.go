package clienteling

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Outgoing is a message to a client as an associate or the bot asks for
// it: its kind and what WeChat needs to show that kind. The history keeps
// a summary of it (see Summarize); the outbound queue keeps all of it until
// it is delivered.
type Outgoing struct {
	// Type is the kind of message; each channel takes some of them:
	// the Official Account text, image, news, miniprogram and template;
	// 微信客服 text, image, link and miniprogram.
	Type string `json:"type" validate:"required,oneof=text image news link miniprogram template"`
	// Channel picks the client's channel, "oa" or "wecom" (微信客服); empty
	// means the one they last wrote on (the Official Account for a
	// template).
	Channel string `json:"channel,omitempty" validate:"omitempty,oneof=oa wecom"`
	// Text is the words of a text message.
	Text string `json:"text,omitempty" validate:"max=2048"`
	// MediaID is an image uploaded to WeChat's media store.
	MediaID string `json:"media_id,omitempty" validate:"max=128"`
	// Title, Description, URL and PicURL make a news or link card;
	// Title also heads a mini-program card.
	Title       string `json:"title,omitempty" validate:"max=128"`
	Description string `json:"description,omitempty" validate:"max=512"`
	URL         string `json:"url,omitempty" validate:"omitempty,max=2048,http_url"`
	PicURL      string `json:"picurl,omitempty" validate:"omitempty,max=2048,http_url"`
	// ThumbMediaID is the cover image of a link or mini-program card.
	// Either may give PicURL instead: the sender uploads that picture to
	// WeChat's media store and uses its media id.
	ThumbMediaID string `json:"thumb_media_id,omitempty" validate:"max=128"`
	// AppID and PagePath name a mini-program page: the page a
	// mini-program card opens, or the one a template message links to.
	AppID    string `json:"appid,omitempty" validate:"omitempty,max=32,alphanum"`
	PagePath string `json:"pagepath,omitempty" validate:"max=1024"`
	// TemplateID and Data fill a template message; a template may also
	// link to URL, or to a mini-program page.
	TemplateID string                   `json:"template_id,omitempty" validate:"max=128"`
	Data       map[string]TemplateValue `json:"data,omitempty" validate:"max=20,dive"`

	// WelcomeCode, set by the bot only, answers a 微信客服 enter_session
	// event: the text then goes through send_msg_on_event, outside the
	// service window. The code is good for one message within 20 seconds.
	WelcomeCode string `json:"-"`
}

// TemplateValue is one field of a template message.
type TemplateValue struct {
	Value string `json:"value" validate:"required,max=200"`
	Color string `json:"color,omitempty" validate:"omitempty,hexcolor"`
}

// outgoingFields says which fields each type uses; the first ones listed
// are required, the rest optional.
var outgoingFields = map[string]struct{ required, optional []string }{
	TypeText:        {required: []string{"text"}},
	TypeImage:       {required: []string{"media_id"}},
	TypeNews:        {required: []string{"title", "url"}, optional: []string{"description", "picurl"}},
	TypeLink:        {required: []string{"title", "url"}, optional: []string{"description", "thumb_media_id", "picurl"}},
	TypeMiniProgram: {required: []string{"title", "appid", "pagepath"}, optional: []string{"thumb_media_id", "picurl"}},
	TypeTemplate:    {required: []string{"template_id", "data"}, optional: []string{"url", "appid", "pagepath"}},
}

// channelTypes are the types each channel can carry.
var channelTypes = map[string][]string{
	ChannelOA:    {TypeText, TypeImage, TypeNews, TypeMiniProgram, TypeTemplate, TypeCard},
	ChannelWeCom: {TypeText, TypeImage, TypeLink, TypeMiniProgram, TypeCard},
}

// templateKey is WeChat's shape of a template field name: "first",
// "keyword1", "thing2", "remark".
var templateKey = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,31}$`)

// set reports which of o's fields are set, by JSON name.
func (o *Outgoing) set() map[string]bool {
	return map[string]bool{
		"text": o.Text != "", "media_id": o.MediaID != "", "title": o.Title != "",
		"description": o.Description != "", "url": o.URL != "", "picurl": o.PicURL != "",
		"thumb_media_id": o.ThumbMediaID != "", "appid": o.AppID != "", "pagepath": o.PagePath != "",
		"template_id": o.TemplateID != "", "data": len(o.Data) > 0,
	}
}

// Normalize trims the text fields, as an associate's stray spaces and
// newlines should not reach the client.
func (o *Outgoing) Normalize() {
	o.Text = strings.TrimSpace(o.Text)
	o.Title = strings.TrimSpace(o.Title)
	o.Description = strings.TrimSpace(o.Description)
}

// Check validates o: its fields' formats, the fields its type needs, and
// no field its type does not use. EINVALID naming the field.
func (o *Outgoing) Check() error {
	if err := Validate(o); err != nil {
		return err
	}
	fields := outgoingFields[o.Type]
	set := o.set()
	for _, f := range fields.required {
		if !set[f] {
			return FieldError(f, "is required for type %s", o.Type)
		}
	}
	for _, f := range sortedKeys(set) {
		if set[f] && !slices.Contains(fields.required, f) && !slices.Contains(fields.optional, f) {
			return FieldError(f, "is not used by type %s", o.Type)
		}
	}
	switch n := utf8.RuneCountInString(o.Text); {
	case !utf8.ValidString(o.Text):
		return FieldError("text", "must be UTF-8")
	case n > MaxReplyRunes:
		return FieldError("text", "must be at most %d characters", MaxReplyRunes)
	}
	for _, k := range sortedKeys(o.Data) {
		if !templateKey.MatchString(k) {
			return FieldError("data", "keys must be template field names such as first or keyword1")
		}
	}
	if (o.Type == TypeLink || o.Type == TypeMiniProgram) && o.ThumbMediaID == "" && o.PicURL == "" {
		// The sender uploads the picture at picurl as the thumbnail.
		return FieldError("thumb_media_id", "is required for type %s, unless picurl names the picture to upload", o.Type)
	}
	if o.Type == TypeTemplate && o.AppID != "" && o.PagePath == "" {
		return FieldError("pagepath", "is required with appid")
	}
	if o.Channel != "" && !slices.Contains(channelTypes[o.Channel], o.Type) {
		return FieldError("type", "%s cannot be sent on channel %s", o.Type, o.Channel)
	}
	if o.WelcomeCode != "" && (o.Type != TypeText || o.Channel != ChannelWeCom) {
		return FieldError("type", "a welcome is a text on channel wecom")
	}
	return nil
}

// Summarize fills what the history shows of o into m: its type, and its
// words or title in Text and the media id, link, page or template in Media.
func (o *Outgoing) Summarize(m *Message) {
	m.Type = o.Type
	switch o.Type {
	case TypeText:
		m.Text = o.Text
	case TypeImage:
		m.Media = o.MediaID
	case TypeNews, TypeLink:
		m.Text, m.Media = o.Title, o.URL
	case TypeMiniProgram:
		m.Text, m.Media = o.Title, o.PagePath
	case TypeTemplate:
		lines := make([]string, 0, len(o.Data))
		for _, k := range sortedKeys(o.Data) {
			lines = append(lines, o.Data[k].Value)
		}
		m.Text, m.Media = strings.Join(lines, "\n"), o.TemplateID
	}
}

// UsesWindow reports whether o counts against, and needs, the client's
// service window: templates and welcomes have their own allowances.
func (o *Outgoing) UsesWindow() bool {
	return o.Type != TypeTemplate && o.WelcomeCode == ""
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
