package wechatsim

import (
	"strconv"
	"strings"
	"time"
)

// Change types of WeCom's change_external_contact event, as WeCom spells them.
const (
	AddExternalContact  = "add_external_contact"
	EditExternalContact = "edit_external_contact"
	DelExternalContact  = "del_external_contact"
	DelFollowUser       = "del_follow_user"
	TransferFail        = "transfer_fail"
)

// Msg is the plaintext of one callback message or event in WeChat's field
// names. XML writes the fields that are set, in the order WeChat writes
// them, text in CDATA and numbers bare, so a Msg can stand for any of the
// messages the bot handles; the constructors below fill the common ones.
type Msg struct {
	ToUserName   string
	FromUserName string
	CreateTime   time.Time
	MsgType      string

	Content string // text
	PicURL  string // image
	MediaID string // image, voice, video

	Event    string
	EventKey string // subscribe with scene: "qrscene_" + scene; SCAN: scene
	Ticket   string

	// change_external_contact
	ChangeType     string
	UserID         string
	ExternalUserID string
	State          string
	WelcomeCode    string
	Source         string // del_external_contact: e.g. DELETE_BY_TRANSFER
	FailReason     string // transfer_fail: customer_refused, customer_limit_exceed

	// Status is a TEMPLATESENDJOBFINISH's: TemplateDelivered or a failure.
	Status string

	// kf_msg_or_event
	Token    string
	OpenKfID string

	// MsgID is text because WeCom sends non-numeric ids; the Official
	// Account's are decimal numbers.
	MsgID string
	// AgentID is written bare, as in WeCom app messages.
	AgentID string
}

// XML returns the message as WeChat encodes it inside <xml>...</xml>.
func (m Msg) XML() []byte {
	var b strings.Builder
	b.WriteString("<xml>")
	text := func(name, v string) {
		if v != "" {
			b.WriteString("<" + name + ">" + cdata(v) + "</" + name + ">")
		}
	}
	bare := func(name, v string) {
		if v != "" {
			b.WriteString("<" + name + ">" + v + "</" + name + ">")
		}
	}
	text("ToUserName", m.ToUserName)
	text("FromUserName", m.FromUserName)
	if !m.CreateTime.IsZero() {
		bare("CreateTime", strconv.FormatInt(m.CreateTime.Unix(), 10))
	}
	text("MsgType", m.MsgType)
	text("Content", m.Content)
	text("PicUrl", m.PicURL)
	text("MediaId", m.MediaID)
	text("Event", m.Event)
	text("ChangeType", m.ChangeType)
	text("EventKey", m.EventKey)
	text("Ticket", m.Ticket)
	text("Token", m.Token)
	text("OpenKfId", m.OpenKfID)
	text("UserID", m.UserID)
	text("ExternalUserID", m.ExternalUserID)
	text("State", m.State)
	text("WelcomeCode", m.WelcomeCode)
	text("Source", m.Source)
	text("FailReason", m.FailReason)
	msgID := "MsgId"
	if m.Event == EventTemplateSendJobFinish {
		msgID = "MsgID" // as WeChat spells it in this event
	}
	if _, err := strconv.ParseUint(m.MsgID, 10, 64); err == nil {
		bare(msgID, m.MsgID)
	} else {
		text(msgID, m.MsgID)
	}
	text("Status", m.Status)
	bare("AgentID", m.AgentID)
	b.WriteString("</xml>")
	return []byte(b.String())
}

// TextMsg is a text message from a user (an openid, or a WeCom userid) to
// an account (an Official Account's original id "gh_...", or a CorpID).
func TextMsg(to, from, content string, msgID int64, at time.Time) Msg {
	return Msg{ToUserName: to, FromUserName: from, CreateTime: at, MsgType: "text",
		Content: content, MsgID: strconv.FormatInt(msgID, 10)}
}

// ImageMsg is an image message; picURL is where WeChat hosts the picture.
func ImageMsg(to, from, picURL, mediaID string, msgID int64, at time.Time) Msg {
	return Msg{ToUserName: to, FromUserName: from, CreateTime: at, MsgType: "image",
		PicURL: picURL, MediaID: mediaID, MsgID: strconv.FormatInt(msgID, 10)}
}

// SubscribeEvent is an Official Account follow. With a scene (a QR code's
// scene string, e.g. "adv:amy") WeChat prefixes the EventKey with
// "qrscene_" and adds the code's ticket; without one both are absent.
func SubscribeEvent(to, from, scene string, at time.Time) Msg {
	m := Msg{ToUserName: to, FromUserName: from, CreateTime: at, MsgType: "event", Event: "subscribe"}
	if scene != "" {
		m.EventKey = "qrscene_" + scene
		m.Ticket = QRTicket(scene)
	}
	return m
}

// UnsubscribeEvent is an Official Account unfollow.
func UnsubscribeEvent(to, from string, at time.Time) Msg {
	return Msg{ToUserName: to, FromUserName: from, CreateTime: at, MsgType: "event", Event: "unsubscribe"}
}

// ScanEvent is a scan of a parametric QR code by a user who already
// follows the account: the EventKey is the bare scene, unlike subscribe.
func ScanEvent(to, from, scene string, at time.Time) Msg {
	return Msg{ToUserName: to, FromUserName: from, CreateTime: at, MsgType: "event", Event: "SCAN",
		EventKey: scene, Ticket: QRTicket(scene)}
}

// ExternalContactEvent is a WeCom change_external_contact event of the
// given change type (AddExternalContact, DelFollowUser, ...) between an
// associate (userID) and a customer (externalUserID). It comes from "sys";
// callers set State, WelcomeCode, Source or FailReason when the change type
// carries them.
func ExternalContactEvent(corpID, changeType, userID, externalUserID string, at time.Time) Msg {
	return Msg{ToUserName: corpID, FromUserName: "sys", CreateTime: at, MsgType: "event",
		Event: "change_external_contact", ChangeType: changeType, UserID: userID, ExternalUserID: externalUserID}
}

// KfMsgOrEvent is the 微信客服 callback announcing that messages wait for
// open_kfid; it carries no message itself. The receiver pulls them with
// kf/sync_msg, passing token.
func KfMsgOrEvent(corpID, token, openKfID string, at time.Time) Msg {
	return Msg{ToUserName: corpID, CreateTime: at, MsgType: "event", Event: "kf_msg_or_event",
		Token: token, OpenKfID: openKfID}
}
