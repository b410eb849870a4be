package callback

import (
	"encoding/xml"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// wire is a callback's plaintext as WeChat writes it. It is ours rather
// than silenceper's MixMessage because that type reads MsgId as an int64,
// and WeCom sends ids that are not numbers; numbers are read as text here
// and converted only for the types that carry them, so that a field WeChat
// adds to a type we do not know can never make the message fail.
type wire struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   string `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	MsgId        string `xml:"MsgId"`
	// MsgID is how TEMPLATESENDJOBFINISH and MASSSENDJOBFINISH spell it.
	MsgID   string `xml:"MsgID"`
	AgentID string `xml:"AgentID"`

	Content      string `xml:"Content"`
	PicUrl       string `xml:"PicUrl"`
	MediaId      string `xml:"MediaId"`
	Format       string `xml:"Format"`
	Recognition  string `xml:"Recognition"`
	ThumbMediaId string `xml:"ThumbMediaId"`
	ThumbUrl     string `xml:"ThumbUrl"`
	LocationX    string `xml:"Location_X"`
	LocationY    string `xml:"Location_Y"`
	Scale        string `xml:"Scale"`
	Label        string `xml:"Label"`
	Title        string `xml:"Title"`
	Description  string `xml:"Description"`
	Url          string `xml:"Url"`
	AppId        string `xml:"AppId"`
	PagePath     string `xml:"PagePath"`

	Event     string        `xml:"Event"`
	EventKey  string        `xml:"EventKey"`
	Ticket    string        `xml:"Ticket"`
	Latitude  string        `xml:"Latitude"`
	Longitude string        `xml:"Longitude"`
	Precision string        `xml:"Precision"`
	Status    string        `xml:"Status"`
	Popup     subscribeList `xml:"SubscribeMsgPopupEvent"`
	Change    subscribeList `xml:"SubscribeMsgChangeEvent"`
	Sent      subscribeList `xml:"SubscribeMsgSentEvent"`

	ChangeType     string `xml:"ChangeType"`
	UserID         string `xml:"UserID"`
	ExternalUserID string `xml:"ExternalUserID"`
	State          string `xml:"State"`
	WelcomeCode    string `xml:"WelcomeCode"`
	Source         string `xml:"Source"`
	FailReason     string `xml:"FailReason"`

	Token    string `xml:"Token"`
	OpenKfId string `xml:"OpenKfId"`
}

type subscribeList struct {
	List []subscribeItem `xml:"List"`
}

type subscribeItem struct {
	TemplateId            string `xml:"TemplateId"`
	SubscribeStatusString string `xml:"SubscribeStatusString"`
	PopupScene            string `xml:"PopupScene"`
	MsgID                 string `xml:"MsgID"`
	ErrorCode             string `xml:"ErrorCode"`
	ErrorStatus           string `xml:"ErrorStatus"`
}

// parse turns a callback's plaintext into an Inbound, checking the fields
// the endpoint cannot do without.
func (c *core) parse(mode Mode, plain []byte) (*Inbound, error) {
	var w wire
	if err := xml.Unmarshal(plain, &w); err != nil {
		return nil, c.reject(ReasonXML, "message is not XML", err)
	}
	// Ids, types and numbers are trimmed: a stray newline around them is
	// layout, while in content it may be meant.
	for _, p := range []*string{&w.ToUserName, &w.FromUserName, &w.CreateTime, &w.MsgType, &w.MsgId, &w.MsgID,
		&w.AgentID, &w.Event, &w.ChangeType, &w.UserID, &w.ExternalUserID, &w.OpenKfId} {
		*p = strings.TrimSpace(*p)
	}
	if err := c.required(&w); err != nil {
		return nil, err
	}
	created, err := strconv.ParseInt(w.CreateTime, 10, 64)
	if err != nil {
		return nil, c.reject(ReasonXML, "CreateTime is not a number", err)
	}
	in := &Inbound{
		Channel:    clienteling.ChannelWeCom,
		Endpoint:   c.endpoint,
		Mode:       mode,
		MsgType:    w.MsgType,
		Event:      w.Event,
		ChangeType: w.ChangeType,
		To:         w.ToUserName,
		AgentID:    w.AgentID,
		CreateTime: time.Unix(created, 0),
		MsgID:      w.MsgId,
	}
	if in.MsgID == "" {
		in.MsgID = w.MsgID
	}
	c.identify(in, &w)
	if err := c.fillContent(in, &w); err != nil {
		return nil, err
	}
	return in, nil
}

// required refuses a message without the fields its endpoint keys on. 微信客服
// callbacks name no sender: the client is known only once the messages
// are pulled.
func (c *core) required(w *wire) error {
	missing := func(field string) error {
		return c.reject(ReasonMissingField, "no "+field, nil)
	}
	switch {
	case w.MsgType == "":
		return missing("MsgType")
	case w.FromUserName == "" && c.endpoint != EndpointKF:
		return missing("FromUserName")
	case w.CreateTime == "":
		return missing("CreateTime")
	case w.MsgType == MsgEvent && w.Event == "":
		return missing("Event")
	}
	if w.MsgType != MsgEvent {
		return nil
	}
	switch {
	case w.Event == EventChangeExternalContact && knownChange(w.ChangeType) && w.ExternalUserID == "":
		return missing("ExternalUserID")
	case w.Event == EventChangeExternalContact && knownChange(w.ChangeType) && w.UserID == "":
		return missing("UserID")
	case w.Event == EventKfMsgOrEvent && w.Token == "":
		return missing("Token")
	case w.Event == EventKfMsgOrEvent && w.OpenKfId == "":
		return missing("OpenKfId")
	}
	return nil
}

func knownChange(t string) bool {
	switch t {
	case ChangeAddExternalContact, ChangeEditExternalContact, ChangeDelExternalContact,
		ChangeDelFollowUser, ChangeTransferFail:
		return true
	}
	return false
}

// identify sets who the callback is from and about, in the domain's types.
func (c *core) identify(in *Inbound, w *wire) {
	switch c.endpoint {
	case EndpointOA:
		in.Channel = clienteling.ChannelOA
		in.OpenID = clienteling.OpenID(w.FromUserName)
	case EndpointWeComApp:
		in.ExternalUserID = clienteling.ExternalUserID(w.ExternalUserID)
		// System events come from "sys" and name the associate in
		// UserID; an associate's own message names them in FromUserName.
		switch {
		case w.UserID != "":
			in.Associate = clienteling.AssociateID(w.UserID)
		case w.FromUserName != "sys":
			in.Associate = clienteling.AssociateID(w.FromUserName)
		}
	case EndpointKF:
		in.OpenKfID = w.OpenKfId
		in.KfToken = w.Token
	}
}

// fillContent copies the fields of the callback's type. Numbers are parsed
// only here, for the types that carry them.
func (c *core) fillContent(in *Inbound, w *wire) error {
	var err error
	num := func(field, s string) float64 {
		if err != nil || strings.TrimSpace(s) == "" {
			return 0
		}
		f, perr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		// NaN and ±Inf parse, but would break every JSON encoder
		// downstream, and WeChat never sends them.
		if perr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			err = c.reject(ReasonXML, field+" is not a finite number", perr)
		}
		return f
	}
	switch in.MsgType {
	case MsgText:
		in.Content = w.Content
	case MsgImage:
		in.PicURL, in.MediaID = w.PicUrl, w.MediaId
	case MsgVoice:
		in.MediaID, in.Format, in.Recognition = w.MediaId, w.Format, w.Recognition
	case MsgVideo, MsgShortVideo:
		in.MediaID, in.ThumbMediaID = w.MediaId, w.ThumbMediaId
	case MsgLocation:
		in.LocationX = num("Location_X", w.LocationX)
		in.LocationY = num("Location_Y", w.LocationY)
		if scale := num("Scale", w.Scale); err == nil {
			in.Scale = int(math.Max(math.MinInt32, math.Min(math.MaxInt32, scale)))
		}
		in.Label = w.Label
	case MsgLink:
		in.Title, in.Description, in.URL, in.PicURL = w.Title, w.Description, w.Url, w.PicUrl
	case MsgMiniProgramPage:
		in.Title, in.AppID, in.PagePath = w.Title, w.AppId, w.PagePath
		in.ThumbMediaID, in.ThumbURL = w.ThumbMediaId, w.ThumbUrl
	case MsgEvent:
		in.EventKey, in.Ticket = w.EventKey, w.Ticket
		switch in.Event {
		case EventLocation:
			in.Latitude = num("Latitude", w.Latitude)
			in.Longitude = num("Longitude", w.Longitude)
			in.Precision = num("Precision", w.Precision)
		case EventTemplateSendJobFinish, EventMassSendJobFinish:
			in.Status = w.Status
		case EventSubscribeMsgPopup:
			in.Subscriptions = subscriptions(w.Popup.List)
		case EventSubscribeMsgChange:
			in.Subscriptions = subscriptions(w.Change.List)
		case EventSubscribeMsgSent:
			in.Subscriptions = subscriptions(w.Sent.List)
		case EventChangeExternalContact:
			in.State, in.WelcomeCode, in.Source, in.FailReason = w.State, w.WelcomeCode, w.Source, w.FailReason
		}
	}
	return err
}

func subscriptions(list []subscribeItem) []Subscription {
	if len(list) == 0 {
		return nil
	}
	out := make([]Subscription, len(list))
	for i, it := range list {
		status := it.SubscribeStatusString
		if status == "" {
			status = it.ErrorStatus
		}
		out[i] = Subscription{
			TemplateID: strings.TrimSpace(it.TemplateId),
			Status:     strings.TrimSpace(status),
			PopupScene: strings.TrimSpace(it.PopupScene),
			MsgID:      strings.TrimSpace(it.MsgID),
			ErrorCode:  strings.TrimSpace(it.ErrorCode),
		}
	}
	return out
}
