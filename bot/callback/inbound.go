package callback

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// Endpoint names one of the three callback URLs of the contract. Its value
// is short and stable, fit for a metrics label.
type Endpoint string

// The three callback endpoints.
const (
	// EndpointOA is the Official Account callback, /wechat/oa.
	EndpointOA Endpoint = "oa"
	// EndpointWeComApp is the WeCom self-built app callback, /wecom/app,
	// which also receives customer-contact events.
	EndpointWeComApp Endpoint = "wecom_app"
	// EndpointKF is the WeCom customer service (微信客服) callback, /wecom/kf.
	EndpointKF Endpoint = "wecom_kf"
)

// Path returns the URL path the contract gives the endpoint.
func (e Endpoint) Path() string {
	switch e {
	case EndpointOA:
		return "/wechat/oa"
	case EndpointWeComApp:
		return "/wecom/app"
	case EndpointKF:
		return "/wecom/kf"
	}
	return ""
}

// Mode is how a callback travelled. Only ModePlain leaves the message body
// unauthenticated.
type Mode string

// The message encryption modes of the Official Account platform; WeCom
// callbacks are always ModeSafe.
const (
	// ModePlain (明文模式): the body is plaintext and no signature covers
	// it. Anyone who saw one signed URL in the last MaxSkew can send any
	// body with it: treat every field as a claim, not a fact.
	ModePlain Mode = "plain"
	// ModeCompat (兼容模式): plaintext and ciphertext in one body; only the
	// ciphertext, which is signed, is read.
	ModeCompat Mode = "compat"
	// ModeSafe (安全模式): the body is signed and encrypted.
	ModeSafe Mode = "safe"
)

// Message types (MsgType) Salon reads. WeChat adds types now and then; an
// unknown one still parses, with only the common fields set.
const (
	MsgText            = "text"            // Content
	MsgImage           = "image"           // PicURL, MediaID
	MsgVoice           = "voice"           // MediaID, Format, Recognition
	MsgVideo           = "video"           // MediaID, ThumbMediaID
	MsgShortVideo      = "shortvideo"      // MediaID, ThumbMediaID
	MsgLocation        = "location"        // LocationX, LocationY, Scale, Label
	MsgLink            = "link"            // Title, Description, URL
	MsgMiniProgramPage = "miniprogrampage" // Title, AppID, PagePath, ThumbMediaID
	MsgEvent           = "event"           // Event and its fields
)

// Events (Event, when MsgType is MsgEvent) Salon reads, spelled as WeChat
// spells them, case included.
const (
	EventSubscribe             = "subscribe"                  // a follow; EventKey and Ticket if by QR code
	EventUnsubscribe           = "unsubscribe"                // an unfollow
	EventScan                  = "SCAN"                       // a QR code scanned by a follower; EventKey, Ticket
	EventClick                 = "CLICK"                      // a menu click; EventKey
	EventView                  = "VIEW"                       // a menu link opened; EventKey is the URL
	EventLocation              = "LOCATION"                   // a reported position; Latitude, Longitude, Precision
	EventTemplateSendJobFinish = "TEMPLATESENDJOBFINISH"      // a template message's fate; MsgID, Status
	EventMassSendJobFinish     = "MASSSENDJOBFINISH"          // a mass send's fate; MsgID, Status
	EventSubscribeMsgPopup     = "subscribe_msg_popup_event"  // subscription choices; Subscriptions
	EventSubscribeMsgChange    = "subscribe_msg_change_event" // subscriptions changed; Subscriptions
	EventSubscribeMsgSent      = "subscribe_msg_sent_event"   // subscription sends; Subscriptions
	EventEnterAgent            = "enter_agent"                // an associate opened the WeCom app
	EventChangeExternalContact = "change_external_contact"    // WeCom customer contact; ChangeType
	EventKfMsgOrEvent          = "kf_msg_or_event"            // 微信客服 messages wait; KfToken, OpenKfID
)

// Change types of EventChangeExternalContact that Salon acts on.
const (
	ChangeAddExternalContact  = "add_external_contact"  // a client added an associate; State, WelcomeCode
	ChangeEditExternalContact = "edit_external_contact" // an associate edited the client's remark
	ChangeDelExternalContact  = "del_external_contact"  // the associate removed the client; Source
	ChangeDelFollowUser       = "del_follow_user"       // the client removed the associate
	ChangeTransferFail        = "transfer_fail"         // a transfer to another associate failed; FailReason
)

// QRScenePrefix is what WeChat puts before a parametric QR code's scene in
// the EventKey of a subscribe event (but not of a SCAN event).
const QRScenePrefix = "qrscene_"

// Inbound is one verified callback message or event, in Salon's terms. The
// fields that do not belong to its type are zero. It holds what the client
// wrote: log it only through LogValue.
type Inbound struct {
	// Channel is clienteling.ChannelOA or clienteling.ChannelWeCom.
	Channel string
	// Endpoint is where the callback arrived.
	Endpoint Endpoint
	// Mode is how it travelled; ModePlain means nothing in it is signed.
	Mode Mode

	// MsgType is WeChat's MsgType as sent: one of the Msg constants, or a
	// type this package does not know.
	MsgType string
	// Event is set when MsgType is MsgEvent.
	Event string
	// ChangeType is the kind of EventChangeExternalContact (and of other
	// WeCom change_* events).
	ChangeType string

	// OpenID is the Official Account client who wrote or acted.
	OpenID clienteling.OpenID
	// ExternalUserID is the WeCom customer-contact client an external
	// contact event is about.
	ExternalUserID clienteling.ExternalUserID
	// Associate is the WeCom user who wrote to the app or clicked its
	// menu, or whose contact an external contact event changed.
	Associate clienteling.AssociateID
	// To is the receiver: the Official Account's original id ("gh_...")
	// or the CorpID.
	To string
	// AgentID is the WeCom app that received an associate's message.
	AgentID string
	// CreateTime is when WeChat says the message was sent: any second
	// count it sent, however implausible (see
	// clienteling.Message.OrderReceived); CreateTime.Unix() gives it back.
	CreateTime time.Time
	// MsgID is WeChat's message id as text: decimal for the Official
	// Account, sometimes not for WeCom. Events of template and
	// mass sends carry the id of the send they report on.
	MsgID string

	// Content is the text of a text message.
	Content string
	// MediaID names the media of an image, voice, video or shortvideo;
	// fetch it with the temporary media API within three days.
	MediaID string
	// PicURL is where WeChat hosts an image (and a WeCom link's picture).
	PicURL string
	// Format is a voice message's codec, e.g. "amr" or "speex".
	Format string
	// Recognition is WeChat's transcript of a voice message, when speech
	// recognition is on for the account.
	Recognition string
	// ThumbMediaID is the thumbnail of a video, shortvideo or mini-program
	// page.
	ThumbMediaID string
	// ThumbURL is the thumbnail URL of a mini-program page, when given.
	ThumbURL string

	// LocationX and LocationY are a location message's latitude and
	// longitude, Scale its map zoom and Label its place name.
	LocationX, LocationY float64
	Scale                int
	Label                string

	// Title is a link's or a mini-program page's title; Description and
	// URL complete a link.
	Title       string
	Description string
	URL         string
	// AppID and PagePath are a mini-program page's app and path.
	AppID    string
	PagePath string

	// EventKey is a menu key (CLICK), a URL (VIEW) or a QR scene
	// (subscribe, prefixed with QRScenePrefix; SCAN, bare): see QRScene.
	EventKey string
	// Ticket is the ticket of the QR code scanned.
	Ticket string
	// Latitude, Longitude and Precision come with a LOCATION event.
	Latitude, Longitude, Precision float64
	// Status is a TEMPLATESENDJOBFINISH's (or MASSSENDJOBFINISH's) result,
	// e.g. "success" or "failed:user block".
	Status string
	// Subscriptions are the templates of a subscribe_msg_* event, one per
	// <List>.
	Subscriptions []Subscription

	// State is the "state" of the contact way an external contact was
	// added through; WelcomeCode lets the welcome message be sent (valid
	// 20 s); Source says why a contact was deleted; FailReason why a
	// transfer failed (customer_refused, customer_limit_exceed).
	State       string
	WelcomeCode string
	Source      string
	FailReason  string

	// KfToken is the token a kf_msg_or_event hands over for kf/sync_msg,
	// valid ten minutes; OpenKfID is the customer-service account that has
	// messages waiting.
	KfToken  string
	OpenKfID string
}

// Subscription is one template in a subscribe-message event: the client's
// choice (popup, change) or the result of a send (sent).
type Subscription struct {
	// TemplateID is the subscription template.
	TemplateID string
	// Status is "accept" or "reject" (popup, change), or the send's
	// ErrorStatus, e.g. "success" (sent).
	Status string
	// PopupScene is where the popup was shown (popup only).
	PopupScene string
	// MsgID is the id of the message sent (sent only).
	MsgID string
	// ErrorCode is the send's error code, "0" on success (sent only).
	ErrorCode string
}

// IsEvent reports whether the callback is an event rather than a message.
func (in *Inbound) IsEvent() bool { return in.MsgType == MsgEvent }

// Sender returns the id of the person the callback is from or about: the
// openid on the Official Account, the external_userid of a customer-contact
// event, the userid of an associate writing to the app. It is "" for
// 微信客服 callbacks, which name no one: the messages are pulled afterwards.
func (in *Inbound) Sender() string {
	switch {
	case in.OpenID != "":
		return string(in.OpenID)
	case in.ExternalUserID != "":
		return string(in.ExternalUserID)
	}
	return string(in.Associate)
}

// QRScene returns the scene string of the parametric QR code that caused a
// subscribe or SCAN event, e.g. "adv:amy", without the "qrscene_" prefix
// that subscribe adds. ok is false for other callbacks and for a subscribe
// not caused by a QR code.
func (in *Inbound) QRScene() (scene string, ok bool) {
	if in.MsgType != MsgEvent {
		return "", false
	}
	switch in.Event {
	case EventSubscribe:
		// A subscribe without the prefix came from elsewhere (a search,
		// a shared card, a payment's last_trade_no): not a QR scene.
		if scene, ok := strings.CutPrefix(in.EventKey, QRScenePrefix); ok && scene != "" {
			return scene, true
		}
	case EventScan:
		return in.EventKey, in.EventKey != ""
	}
	return "", false
}

// DedupeKey returns the key under which a redelivery of this callback is
// recognised, per the contract: WeChat resends a message it got no answer
// for within about 15 s, identically.
//
//   - A message: the channel, the sender and its MsgId
//     ("oa|msg|oVIP|6054768590064713728"). WeChat makes MsgIds unique per
//     account only in practice: two clients' messages with one MsgId are
//     two messages.
//   - An event: the channel, the sender, CreateTime and the event
//     ("oa|evt|oVIP|1700000000|subscribe"). An external contact event
//     adds the associate and the change type, since a client may add two
//     associates in one second; a 微信客服 event uses the kf account and
//     its sync token in place of a sender, since merging two notifications
//     of one second would leave the second batch of messages unpulled.
//   - An event that reports on a message (TEMPLATESENDJOBFINISH) adds
//     that message's MsgID ("oa|evt|oVIP|1700000000|TEMPLATESENDJOBFINISH|200163836").
//   - A message without a MsgId falls back to the event rule with its
//     MsgType.
func (in *Inbound) DedupeKey() string {
	if !in.IsEvent() && in.MsgID != "" {
		return in.Channel + "|msg|" + in.Sender() + "|" + in.MsgID
	}
	what := in.Event
	if !in.IsEvent() {
		what = in.MsgType
	}
	created := strconv.FormatInt(in.CreateTime.Unix(), 10)
	switch {
	case in.Endpoint == EndpointKF:
		return in.Channel + "|evt|kf:" + in.OpenKfID + "|" + created + "|" + what + "|" + in.KfToken
	case in.ExternalUserID != "":
		return in.Channel + "|evt|" + string(in.ExternalUserID) + "/" + string(in.Associate) + "|" +
			created + "|" + what + "|" + in.ChangeType
	}
	key := in.Channel + "|evt|" + in.Sender() + "|" + created + "|" + what
	if in.ChangeType != "" {
		key += "|" + in.ChangeType
	}
	if in.IsEvent() && in.MsgID != "" {
		// A job report (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH) names
		// the message it reports on: two templates sent to one client
		// in one second are reported in two events of one second.
		key += "|" + in.MsgID
	}
	return key
}

// LegacyDedupeKey returns the key releases before sender-scoped keys
// stored a message under: its channel and MsgId ("oa|msg|6054768590064713728").
// It is "" for events, whose keys did not change. See
// clienteling.Inbound.LegacyDedupeKey.
func (in *Inbound) LegacyDedupeKey() string {
	if !in.IsEvent() && in.MsgID != "" {
		return in.Channel + "|msg|" + in.MsgID
	}
	return ""
}

// LogValue shows what a callback was without what it said: no content, no
// keys or tickets, and every id masked with clienteling.Mask. MsgId is kept
// whole, since it names a message and not a person, and ties log lines to
// WeChat's retries.
func (in *Inbound) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 12)
	attrs = append(attrs,
		slog.String("endpoint", string(in.Endpoint)),
		slog.String("mode", string(in.Mode)),
		slog.String("type", in.MsgType),
	)
	str := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	masked := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, clienteling.Mask(v)))
		}
	}
	str("event", in.Event)
	str("change_type", in.ChangeType)
	str("msg_id", in.MsgID)
	masked("openid", string(in.OpenID))
	masked("external_userid", string(in.ExternalUserID))
	masked("associate", string(in.Associate))
	masked("to", in.To)
	masked("open_kfid", in.OpenKfID)
	if !in.CreateTime.IsZero() {
		attrs = append(attrs, slog.Int64("create_time", in.CreateTime.Unix()))
	}
	return slog.GroupValue(attrs...)
}
