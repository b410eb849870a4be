package wechattest

import (
	"encoding/json"
	"time"

	"github.com/salonhq/salon/bot/wechatsim"
)

// The simulator's names, as tests know them. Each is wechatsim's own: see
// there for what it promises.

type (
	AppMessage       = wechatsim.AppMessage
	Call             = wechatsim.Call
	Callback         = wechatsim.Callback
	ExternalContact  = wechatsim.ExternalContact
	Fault            = wechatsim.Fault
	FollowUser       = wechatsim.FollowUser
	Msg              = wechatsim.Msg
	OA               = wechatsim.OA
	OAUser           = wechatsim.OAUser
	Options          = wechatsim.Options
	PayNotify        = wechatsim.PayNotify
	PayOrder         = wechatsim.PayOrder
	PayV3            = wechatsim.PayV3
	PayV3Order       = wechatsim.PayV3Order
	PayV3Refund      = wechatsim.PayV3Refund
	PayV3Credentials = wechatsim.PayV3Credentials
	QRCode           = wechatsim.QRCode
	Server           = wechatsim.Server
	Stamp            = wechatsim.Stamp
	TextCard         = wechatsim.TextCard
	WeCom            = wechatsim.WeCom
)

const (
	DefaultOAAppID       = wechatsim.DefaultOAAppID
	DefaultOASecret      = wechatsim.DefaultOASecret
	DefaultCorpID        = wechatsim.DefaultCorpID
	DefaultAgentID       = wechatsim.DefaultAgentID
	DefaultAppSecret     = wechatsim.DefaultAppSecret
	DefaultKfSecret      = wechatsim.DefaultKfSecret
	DefaultContactSecret = wechatsim.DefaultContactSecret
	DefaultPayMchID      = wechatsim.DefaultPayMchID
	DefaultPayKey        = wechatsim.DefaultPayKey
	DefaultPayAPIv3Key   = wechatsim.DefaultPayAPIv3Key
	OAuthCookie          = wechatsim.OAuthCookie

	AddExternalContact  = wechatsim.AddExternalContact
	EditExternalContact = wechatsim.EditExternalContact
	DelExternalContact  = wechatsim.DelExternalContact
	DelFollowUser       = wechatsim.DelFollowUser
	TransferFail        = wechatsim.TransferFail

	AnyPath        = wechatsim.AnyPath
	AppMemberLimit = wechatsim.AppMemberLimit
)

// New starts a simulator that the caller closes; most tests want Start.
func New(opts Options) (*Server, error) { return wechatsim.New(opts) }

// Errmsg is wechatsim.Errmsg.
func Errmsg(errcode int) string { return wechatsim.Errmsg(errcode) }

// KfEvent is wechatsim.KfEvent.
func KfEvent(msgID, openKfID, externalUserID, eventType string, at time.Time, fields map[string]any) json.RawMessage {
	return wechatsim.KfEvent(msgID, openKfID, externalUserID, eventType, at, fields)
}

// KfText is wechatsim.KfText.
func KfText(msgID, openKfID, externalUserID, content string, at time.Time) json.RawMessage {
	return wechatsim.KfText(msgID, openKfID, externalUserID, content, at)
}

// Open is wechatsim.Open.
func Open(receiverID, encodingAESKey, encrypt string) (random string, plaintext []byte, err error) {
	return wechatsim.Open(receiverID, encodingAESKey, encrypt)
}

// PaySign is wechatsim.PaySign.
func PaySign(params map[string]string, key string) (string, error) {
	return wechatsim.PaySign(params, key)
}

// QRTicket is wechatsim.QRTicket.
func QRTicket(scene string) string { return wechatsim.QRTicket(scene) }

// Seal is wechatsim.Seal.
func Seal(receiverID, encodingAESKey, random string, plaintext []byte) (string, error) {
	return wechatsim.Seal(receiverID, encodingAESKey, random, plaintext)
}

// Signature is wechatsim.Signature.
func Signature(parts ...string) string { return wechatsim.Signature(parts...) }

// ExternalContactEvent is wechatsim.ExternalContactEvent.
func ExternalContactEvent(corpID, changeType, userID, externalUserID string, at time.Time) Msg {
	return wechatsim.ExternalContactEvent(corpID, changeType, userID, externalUserID, at)
}

// ImageMsg is wechatsim.ImageMsg.
func ImageMsg(to, from, picURL, mediaID string, msgID int64, at time.Time) Msg {
	return wechatsim.ImageMsg(to, from, picURL, mediaID, msgID, at)
}

// KfMsgOrEvent is wechatsim.KfMsgOrEvent.
func KfMsgOrEvent(corpID, token, openKfID string, at time.Time) Msg {
	return wechatsim.KfMsgOrEvent(corpID, token, openKfID, at)
}

// ScanEvent is wechatsim.ScanEvent.
func ScanEvent(to, from, scene string, at time.Time) Msg {
	return wechatsim.ScanEvent(to, from, scene, at)
}

// SubscribeEvent is wechatsim.SubscribeEvent.
func SubscribeEvent(to, from, scene string, at time.Time) Msg {
	return wechatsim.SubscribeEvent(to, from, scene, at)
}

// TextMsg is wechatsim.TextMsg.
func TextMsg(to, from, content string, msgID int64, at time.Time) Msg {
	return wechatsim.TextMsg(to, from, content, msgID, at)
}

// UnsubscribeEvent is wechatsim.UnsubscribeEvent.
func UnsubscribeEvent(to, from string, at time.Time) Msg {
	return wechatsim.UnsubscribeEvent(to, from, at)
}
