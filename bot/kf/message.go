package kf

import (
	"fmt"
	"strings"

	"github.com/salonhq/salon/clienteling"
)

// SyncMsgPath is WeCom's API that hands out 微信客服 messages.
const SyncMsgPath = "/cgi-bin/kf/sync_msg"

// OriginClient is the origin of a message the client sent; 4 is a system
// event (entering a session...) and 5 what a servicer sent, which Salon
// already knows about when it sent it.
const OriginClient = 3

// syncRequest is kf/sync_msg's body.
type syncRequest struct {
	Cursor   string `json:"cursor,omitempty"`
	Token    string `json:"token,omitempty"`
	Limit    int    `json:"limit"`
	OpenKfID string `json:"open_kfid"`
}

// syncResponse is kf/sync_msg's answer; errcode is checked by wxclient.
type syncResponse struct {
	NextCursor string       `json:"next_cursor"`
	HasMore    int          `json:"has_more"`
	MsgList    []syncedItem `json:"msg_list"`
}

type mediaPart struct {
	MediaID string `json:"media_id"`
}

// syncedItem is one entry of msg_list, with the types Salon stores.
type syncedItem struct {
	MsgID          string `json:"msgid"`
	OpenKfID       string `json:"open_kfid"`
	ExternalUserID string `json:"external_userid"`
	SendTime       *int64 `json:"send_time"` // nil when absent
	Origin         int    `json:"origin"`
	MsgType        string `json:"msgtype"`
	Text           struct {
		Content string `json:"content"`
	} `json:"text"`
	Image    mediaPart `json:"image"`
	Voice    mediaPart `json:"voice"`
	Video    mediaPart `json:"video"`
	File     mediaPart `json:"file"`
	Location struct {
		Latitude  float64 `json:"latitude"`
		Longitude float64 `json:"longitude"`
		Name      string  `json:"name"`
		Address   string  `json:"address"`
	} `json:"location"`
	Link struct {
		Title string `json:"title"`
		URL   string `json:"url"`
	} `json:"link"`
	MiniProgram struct {
		Title    string `json:"title"`
		AppID    string `json:"appid"`
		PagePath string `json:"pagepath"`
	} `json:"miniprogram"`
	Event struct {
		EventType      string `json:"event_type"`
		OpenKfID       string `json:"open_kfid"`
		ExternalUserID string `json:"external_userid"`
		Scene          string `json:"scene"`
		WelcomeCode    string `json:"welcome_code"`
	} `json:"event"`
}

// OriginEvent is the origin of a system event, such as a client entering
// a session.
const OriginEvent = 4

// EventEnterSession is a client opening a 微信客服 session: the one moment
// WeCom lets Salon greet them before they write (with the welcome_code,
// within 20 seconds).
const EventEnterSession = "enter_session"

// DedupeKey is the key a pulled message is stored under: the same message
// pulled twice (a callback redelivered, a cursor saved just before a crash)
// is stored once. It names the client as well as the msgid, as the
// callbacks' keys do: two clients' messages are never one.
func DedupeKey(externalUserID, msgID string) string {
	return "wecom|kf|" + externalUserID + "|" + msgID
}

// LegacyDedupeKey is the key releases before DedupeKey named the client
// stored a message under; see clienteling.Inbound.LegacyDedupeKey.
func LegacyDedupeKey(msgID string) string { return "wecom|kf|" + msgID }

// inboundOf maps a client's message to the domain; ok is false for what a
// client did not write (events, servicers' messages) and for entries
// without a sender or id.
func inboundOf(it *syncedItem) (*clienteling.Inbound, bool) {
	if it.Origin == OriginEvent && it.MsgType == "event" && it.Event.EventType == EventEnterSession {
		return enterSessionOf(it)
	}
	if it.Origin != OriginClient || it.ExternalUserID == "" || it.MsgID == "" {
		return nil, false
	}
	m := clienteling.Message{Channel: clienteling.ChannelWeCom, WeChatID: it.MsgID, Account: it.OpenKfID, SentAt: it.SendTime}
	switch it.MsgType {
	case "text":
		m.Type, m.Text = clienteling.TypeText, it.Text.Content
	case "image":
		m.Type, m.Media = clienteling.TypeImage, it.Image.MediaID
	case "voice":
		m.Type, m.Media = clienteling.TypeVoice, it.Voice.MediaID
	case "video":
		m.Type, m.Media = clienteling.TypeVideo, it.Video.MediaID
	case "file":
		// The domain has no file type yet; keep the media id so the
		// file can still be fetched within WeCom's three days.
		m.Type, m.Text, m.Media = clienteling.TypeEvent, "file", it.File.MediaID
	case "location":
		m.Type, m.Text = clienteling.TypeLocation,
			fmt.Sprintf("%s (%.6f, %.6f)", it.Location.Name, it.Location.Latitude, it.Location.Longitude)
	case "link":
		m.Type, m.Text, m.Media = clienteling.TypeLink, it.Link.Title, it.Link.URL
	case "miniprogram":
		m.Type, m.Text, m.Media = clienteling.TypeMiniProgram, it.MiniProgram.Title, it.MiniProgram.PagePath
	default:
		m.Type, m.Text = clienteling.TypeEvent, "unsupported message type "+it.MsgType
	}
	// WeCom's own limits keep a text well within the domain's; the bound
	// keeps one that is not from being refused, and so from being lost.
	m.Text = truncate(m.Text, clienteling.MaxMessageText)
	m.Media = truncate(m.Media, 1000)
	return &clienteling.Inbound{
		Identity:        clienteling.Identity{Channel: clienteling.ChannelWeCom, ExternalID: it.ExternalUserID},
		Message:         m,
		DedupeKey:       DedupeKey(it.ExternalUserID, it.MsgID),
		LegacyDedupeKey: LegacyDedupeKey(it.MsgID),
	}, true
}

// account is the 微信客服 account of an entry: events carry it inside.
func (it *syncedItem) account() string {
	if it.OpenKfID != "" {
		return it.OpenKfID
	}
	return it.Event.OpenKfID
}

// enterSessionOf records a client entering a session as an event of their
// history, so that the client exists to be greeted.
func enterSessionOf(it *syncedItem) (*clienteling.Inbound, bool) {
	who := it.Event.ExternalUserID
	if who == "" {
		who = it.ExternalUserID
	}
	if who == "" || it.MsgID == "" {
		return nil, false
	}
	m := clienteling.Message{Channel: clienteling.ChannelWeCom, WeChatID: it.MsgID, Account: it.account(),
		Type: clienteling.TypeEvent, Text: truncate(strings.TrimSpace("enter_session "+it.Event.Scene), clienteling.MaxMessageText),
		SentAt: it.SendTime}
	return &clienteling.Inbound{
		Identity:        clienteling.Identity{Channel: clienteling.ChannelWeCom, ExternalID: who},
		Message:         m,
		DedupeKey:       DedupeKey(who, it.MsgID),
		LegacyDedupeKey: LegacyDedupeKey(it.MsgID),
	}, true
}

// truncate keeps s within n bytes on a rune boundary, as the domain's
// limits are in bytes.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
