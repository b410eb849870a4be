package sandbox

import (
	"context"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/salonhq/salon/bot/wechatsim"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// Client is a demo VIP as the chat lists them.
type Client struct {
	OpenID        string                 `json:"openid"`
	ID            clienteling.CustomerID `json:"id"`
	Name          string                 `json:"name"`
	Tier          string                 `json:"tier"`
	TierLabel     string                 `json:"tier_label"`
	Language      string                 `json:"language"`
	LanguageLabel string                 `json:"language_label"`
	Advisor       string                 `json:"advisor,omitempty"`
	AdvisorName   string                 `json:"advisor_name,omitempty"`
	Boutique      string                 `json:"boutique,omitempty"`
	BoutiqueName  string                 `json:"boutique_name,omitempty"`
}

// Message is one entry of a conversation as the chat shows it.
type Message struct {
	ID          string `json:"id,omitempty"`
	Direction   string `json:"direction"`
	Type        string `json:"type"`
	Text        string `json:"text,omitempty"`
	Description string `json:"description,omitempty"`
	Link        string `json:"link,omitempty"`
	Author      string `json:"author,omitempty"`
	AuthorName  string `json:"author_name,omitempty"`
	// Image is a card's picture, an http(s) link.
	Image     string    `json:"image,omitempty"`
	Status    string    `json:"status,omitempty"`
	ErrorCode int       `json:"error_code,omitempty"`
	At        time.Time `json:"at"`
	Source    string    `json:"source"`
	// Delivered marks a stored outbound message that the simulated WeChat
	// received, as the client's phone would have.
	Delivered bool `json:"delivered,omitempty"`
	// Report is WeChat's TEMPLATESENDJOBFINISH status of a template
	// message: "success", "failed:user block" or "failed: system failed";
	// empty until WeChat reported.
	Report string `json:"report,omitempty"`

	salonID string // the stored message a template send carried
}

// Conversation is a client's conversation, oldest first.
type Conversation struct {
	Client   Client    `json:"client"`
	Messages []Message `json:"messages"`
	// Earlier is true when older messages exist than the page shows.
	Earlier bool `json:"earlier"`
}

// directory holds the names the chat shows next to ids.
type directory struct {
	associates map[clienteling.AssociateID]string
	boutiques  map[clienteling.BoutiqueID]string
}

// names reads the associates' and boutiques' names, which the page shows
// rather than their ids.
func (sb *Chat) names(ctx context.Context) (directory, error) {
	d := directory{associates: map[clienteling.AssociateID]string{}, boutiques: map[clienteling.BoutiqueID]string{}}
	as, err := sb.svc.Associates(ctx, clienteling.AssociateFilter{})
	if err != nil {
		return d, err
	}
	for _, a := range as {
		d.associates[a.UserID] = a.Name
	}
	bs, err := sb.svc.Boutiques(ctx)
	if err != nil {
		return d, err
	}
	for _, b := range bs {
		d.boutiques[b.ID] = b.Name
	}
	return d, nil
}

// systemContext is how the chat reads: as Salon itself, since the
// page has no signed-in associate.
func systemContext(ctx context.Context) context.Context {
	return clienteling.WithPrincipal(ctx, clienteling.System())
}

// clients returns the demo VIPs still in the database, then the visitors
// the sandbox made up by a scan. Only they are listed and may be written
// as: a sandbox started over a real data dir must not put words in a real
// client's mouth.
func (sb *Chat) clients(ctx context.Context) ([]Client, error) {
	ctx = systemContext(ctx)
	dir, err := sb.names(ctx)
	if err != nil {
		return nil, err
	}
	out := []Client{}
	for _, openid := range slices.Concat(sb.demo, sb.visitors()) {
		c, err := sb.svc.FindCustomerByIdentity(ctx, clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: openid})
		if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
			continue // erased, or a database seeded with something else
		} else if err != nil {
			return nil, err
		}
		out = append(out, dir.client(openid, c))
	}
	return out, nil
}

func (d directory) client(openid string, c *clienteling.Customer) Client {
	langs := map[string]string{"zh-CN": "简体中文", "zh-TW": "繁體中文", "zh-HK": "繁體中文", "en": "English", "fr": "Français", "ja": "日本語"}
	lang := langs[c.Language]
	if lang == "" {
		lang = c.Language
	}
	name := c.Name
	if name == "" {
		// A visitor: WeChat tells an account no names.
		name = "访客 Visitor " + openid[max(0, len(openid)-4):]
	}
	return Client{OpenID: openid, ID: c.ID, Name: name, Tier: c.Tier, TierLabel: strings.ToUpper(c.Tier),
		Language: c.Language, LanguageLabel: lang,
		Advisor: string(c.Advisor), AdvisorName: d.associates[c.Advisor],
		Boutique: string(c.Boutique), BoutiqueName: d.boutiques[c.Boutique]}
}

// client returns the demo VIP with openid, or an EINVALID error naming the
// openid field.
func (sb *Chat) client(ctx context.Context, openid string) (Client, error) {
	if openid == "" {
		return Client{}, clienteling.FieldError("openid", "required")
	}
	cs, err := sb.clients(ctx)
	if err != nil {
		return Client{}, err
	}
	for _, c := range cs {
		if c.OpenID == openid {
			return c, nil
		}
	}
	return Client{}, clienteling.FieldError("openid", "not a demo client: the sandbox writes only as the demo VIPs and visitors it lists")
}

// conversation returns the client's latest stored messages, oldest first,
// with what the simulated WeChat received for them and reported on them.
func (sb *Chat) conversation(ctx context.Context, c Client) (*Conversation, error) {
	ctx = systemContext(ctx)
	ms, next, err := sb.svc.Messages(ctx, c.ID, clienteling.MessagePage{Limit: clienteling.MaxPageSize})
	if err != nil {
		return nil, err
	}
	dir, err := sb.names(ctx)
	if err != nil {
		return nil, err
	}
	conv := &Conversation{Client: c, Messages: []Message{}, Earlier: next != ""}
	for _, m := range slices.Backward(ms) {
		if m.Type == clienteling.TypeEvent && reportEvents[m.Text] {
			continue // shown as the mark of the message it reports on
		}
		name := dir.associates[m.Associate]
		if m.Author == clienteling.AuthorBot {
			name = sb.brand
		}
		msg := Message{ID: string(m.ID), Direction: m.Direction, Type: m.Type,
			Text: m.Text, Author: m.Author, AuthorName: name, Status: m.Status, ErrorCode: m.ErrorCode,
			At: m.At, Source: FromHistory}
		if isCard(m.Type) {
			msg.Link = webLink(m.Media) // the history keeps a card's link there
		}
		conv.Messages = append(conv.Messages, msg)
	}
	oldest := time.Time{}
	if len(conv.Messages) > 0 && conv.Earlier {
		oldest = conv.Messages[0].At
	}
	conv.Messages = merge(conv.Messages, sb.deliveries(c.OpenID), oldest)
	conv.Messages = sb.describeScans(conv.Messages, c.OpenID, dir, oldest)
	slices.SortStableFunc(conv.Messages, func(a, b Message) int { return a.At.Compare(b.At) })
	return conv, nil
}

// reportEvents are events WeChat sends the account about its own sends,
// not anything the client did: the chat shows them as marks instead.
var reportEvents = map[string]bool{wechatsim.EventTemplateSendJobFinish: true, "MASSSENDJOBFINISH": true}

// SendRequest is the body of POST /sandbox/api/send.
type SendRequest struct {
	OpenID string `json:"openid"`
	Text   string `json:"text"`
}

// SendResult reports what the Official Account callback answered.
type SendResult struct {
	MsgID          string `json:"msg_id"`
	CallbackStatus int    `json:"callback_status"`
	Acknowledged   bool   `json:"acknowledged"`
}

// serveSend writes as a demo VIP: it builds the signed, encrypted callback
// WeChat would deliver in safe mode and posts it to this server's
// /wechat/oa over real HTTP, so the message takes the production path of
// verification, durable commit and dedupe.
func (sb *Chat) serveSend(w http.ResponseWriter, r *http.Request) error {
	var req SendRequest
	if err := httpjson.DecodeLimit(w, r, &req, MaxBody); err != nil {
		return err
	}
	c, err := sb.client(r.Context(), req.OpenID)
	if err != nil {
		return err
	}
	if err := checkText(req.Text); err != nil {
		return err
	}
	// Random 19-digit ids, as WeChat's are: a counter would start again
	// after a restart, and the durable dedupe would swallow its repeats.
	msgID := mrand.Int64N(1<<62) + 1<<62
	cb := sb.oa().Safe(wechatsim.TextMsg(originalID, c.OpenID, req.Text, msgID, time.Now()).XML())
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	resp, err := sb.http.Do(cb.Request(sb.selfURL() + "/wechat/oa").WithContext(ctx))
	if err != nil {
		return &clienteling.Error{Code: clienteling.EUNAVAILABLE, Message: "the callback could not be delivered", Op: "sandbox send", Err: err}
	}
	// The answer is "success" or a passive reply; the conversation shows
	// replies from the history and the simulated WeChat, so only the status counts.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	httpjson.Write(w, http.StatusOK, SendResult{MsgID: strconv.FormatInt(msgID, 10),
		CallbackStatus: resp.StatusCode, Acknowledged: resp.StatusCode == http.StatusOK})
	return nil
}

// checkText checks a simulated message: something to say, within the
// bound, and nothing XML cannot carry.
func checkText(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return clienteling.FieldError("text", "required")
	case utf8.RuneCountInString(s) > MaxText:
		return clienteling.FieldError("text", "at most %d characters", MaxText)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }):
		return clienteling.FieldError("text", "must not hold control characters")
	}
	return nil
}
