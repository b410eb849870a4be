package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/salonhq/salon/bot/wechatsim"
	"github.com/salonhq/salon/clienteling"
)

// sentBody is the union of the customer-service and template send bodies,
// in WeChat's field names, as far as the chat shows them. Field names
// without tags match WeChat's JSON case-insensitively.
type sentBody struct {
	ToUser, MsgType string
	Text            struct{ Content string }
	News            struct {
		Articles []struct{ Title, Description, URL, PicURL string }
	}
	MiniProgramPage struct{ Title, AppID, PagePath string }

	TemplateID  string `json:"template_id"`
	ClientMsgID string `json:"client_msg_id"`
	URL         string
	MiniProgram struct{ AppID, PagePath string }
	Data        map[string]struct{ Value string }
}

// deliveries returns what the simulated WeChat was asked to send to openid
// (customer-service and template messages) as the client's phone shows
// them, with WeChat's delivery report on each template message.
func (sb *Chat) deliveries(openid string) []Message {
	reports := map[int]string{} // template send's call Seq → its TEMPLATESENDJOBFINISH status
	for _, p := range sb.sim.Pushes() {
		if p.Event == wechatsim.EventTemplateSendJobFinish && p.OpenID == openid {
			reports[p.Call] = p.Status
		}
	}
	var out []Message
	for _, call := range sb.sim.Calls() {
		if !call.Done || (call.Path != customSendPath && call.Path != templateSendPath) {
			continue
		}
		var body sentBody
		if call.JSON(&body) != nil || body.ToUser != openid {
			continue
		}
		d := Message{Direction: clienteling.DirectionOut, Type: body.MsgType, At: call.Time,
			Source: FromWeChat, Status: clienteling.StatusSent, AuthorName: sb.brand}
		if call.Status != http.StatusOK || call.Errcode != 0 {
			d.Status, d.ErrorCode = clienteling.StatusFailed, call.Errcode
		}
		if call.Path == templateSendPath {
			body.template(&d)
			d.Report, d.salonID = reports[call.Seq], body.ClientMsgID
		} else {
			body.custom(&d)
		}
		out = append(out, d)
	}
	return out
}

// custom fills d with a customer-service message: a text, or a card.
func (b *sentBody) custom(d *Message) {
	switch b.MsgType {
	case "text":
		d.Type, d.Text = clienteling.TypeText, b.Text.Content
	case "news":
		d.Type = clienteling.TypeNews
		if len(b.News.Articles) > 0 {
			a := b.News.Articles[0]
			d.Text, d.Description, d.Link, d.Image = a.Title, a.Description, webLink(a.URL), webLink(a.PicURL)
		}
	case "miniprogrampage":
		d.Type, d.Text, d.Description = clienteling.TypeMiniProgram, b.MiniProgramPage.Title, b.MiniProgramPage.PagePath
	}
}

// template fills d with a template message as WeChat lays it out: the
// "first" field heads it, the keywords follow in order, "remark" closes it.
func (b *sentBody) template(d *Message) {
	d.Type, d.Text, d.Link = clienteling.TypeTemplate, b.Data["first"].Value, webLink(b.URL)
	if d.Text == "" {
		d.Text = b.TemplateID
	}
	keys := make([]string, 0, len(b.Data))
	for k := range b.Data {
		if k != "first" && k != "remark" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if _, ok := b.Data["remark"]; ok {
		keys = append(keys, "remark")
	}
	lines := make([]string, 0, len(keys))
	for _, k := range keys {
		if v := b.Data[k].Value; v != "" {
			lines = append(lines, v)
		}
	}
	d.Description = strings.Join(lines, "\n")
	if d.Link == "" && b.MiniProgram.PagePath != "" {
		d.Description = strings.TrimSpace(d.Description + "\n小程序 Mini program · " + b.MiniProgram.PagePath)
	}
}

// webLink returns u if it is an http(s) link, the only kind the page
// opens, else "".
func webLink(u string) string {
	if l := strings.ToLower(u); strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
		return u
	}
	return ""
}

// isCard reports whether messages of type t show as a card.
func isCard(t string) bool {
	switch t {
	case clienteling.TypeCard, clienteling.TypeNews, clienteling.TypeLink, clienteling.TypeMiniProgram:
		return true
	}
	return false
}

// merge adds the deliveries to the stored messages ms: a template send
// marks the stored message it carried (its client_msg_id is the message's
// id) with WeChat's report; a customer-service send marks the stored reply
// it most likely carried; a send matching none is shown on its own. Sends
// before notBefore are left out, as the page does not show that far back.
func merge(ms []Message, ds []Message, notBefore time.Time) []Message {
	byID := map[string]int{}
	for i, m := range ms {
		if m.ID != "" {
			byID[m.ID] = i
		}
	}
	for _, d := range ds {
		if i, ok := byID[d.salonID]; ok && d.salonID != "" {
			m := &ms[i]
			m.Text, m.Description, m.Link = d.Text, d.Description, d.Link
			m.Delivered, m.Report = d.Status == clienteling.StatusSent, d.Report
			continue
		}
		if d.At.Before(notBefore) || markDelivered(ms, d) {
			continue
		}
		ms = append(ms, d)
	}
	return ms
}

// markDelivered finds the stored outbound message that delivery d carried
// and marks it, reporting whether there was one. The outbound pipeline
// stores a reply and sends it, so most replies appear in both places.
func markDelivered(ms []Message, d Message) bool {
	for i := range ms {
		m := &ms[i]
		if m.Source != FromHistory || m.Direction != clienteling.DirectionOut || m.Delivered {
			continue
		}
		if gap := m.At.Sub(d.At).Abs(); gap > deliveryWindow {
			continue
		}
		if m.Text == d.Text || (isCard(m.Type) && isCard(d.Type)) {
			m.Delivered = d.Status == clienteling.StatusSent
			// The history keeps a card's title and link; the send has
			// the rest of what the phone shows.
			if isCard(m.Type) {
				m.Description, m.Image = d.Description, d.Image
				if m.Link == "" {
					m.Link = d.Link
				}
			}
			return true
		}
	}
	return false
}
