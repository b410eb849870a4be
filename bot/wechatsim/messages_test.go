package wechatsim

import (
	"encoding/xml"
	"slices"
	"testing"
	"time"
)

func TestMsg_MatchesRecordedPayloads(t *testing.T) {
	t.Parallel()
	withTicket := func(m Msg, ticket string) Msg { m.Ticket = ticket; return m }
	withAgent := func(m Msg, agent string) Msg { m.AgentID = agent; return m }
	add := ExternalContactEvent("toUser", AddExternalContact, "zhangsan", "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", time.Unix(1403610513, 0))
	add.State, add.WelcomeCode = "teststate", "WELCOMECODE"
	tests := []struct {
		fixture string
		msg     Msg
	}{
		{"oa_text.xml", TextMsg("toUser", "fromUser", "this is a test", 1234567890123456, time.Unix(1348831860, 0))},
		{"oa_image.xml", ImageMsg("toUser", "fromUser", "this is a url", "media_id", 1234567890123456, time.Unix(1348831860, 0))},
		{"oa_subscribe_scan.xml", withTicket(SubscribeEvent("toUser", "FromUser", "123123", time.Unix(123456789, 0)), "TICKET")},
		{"oa_scan.xml", withTicket(ScanEvent("toUser", "FromUser", "SCENE_VALUE", time.Unix(123456789, 0)), "TICKET")},
		{"plain_work_app_text.xml", withAgent(TextMsg("toUser", "fromUser", "this is a test", 1234567890123456, time.Unix(1348831860, 0)), "1")},
		{"plain_change_external_contact_add.xml", add},
		{"work_del_external_contact.xml", ExternalContactEvent("toUser", DelExternalContact, "zhangsan", "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", time.Unix(1403610513, 0))},
		{"plain_kf_msg_or_event.xml", KfMsgOrEvent("ww12345678910", "ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR", "wkxxxxxxx", time.Unix(1348831860, 0))},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			got, want := elements(t, tt.msg.XML()), elements(t, readTestdata(t, tt.fixture))
			if !slices.Equal(got, want) {
				t.Errorf("elements = %v\nwant %v", got, want)
			}
		})
	}
}

func TestMsg_ByteExactForCompactPayload(t *testing.T) {
	t.Parallel()
	got := ExternalContactEvent("toUser", DelExternalContact, "zhangsan", "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", time.Unix(1403610513, 0)).XML()
	want := readTestdata(t, "work_del_external_contact.xml")
	if string(got) != string(want) {
		t.Errorf("XML = %s\nwant %s", got, want)
	}
}

func TestMsg_Fields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		msg  Msg
		want map[string]string
	}{
		{"SubscribeWithScene", SubscribeEvent("gh_1", "oA", "adv:amy", time.Unix(1, 0)),
			map[string]string{"Event": "subscribe", "EventKey": "qrscene_adv:amy", "Ticket": QRTicket("adv:amy")}},
		{"SubscribePlain", SubscribeEvent("gh_1", "oA", "", time.Unix(1, 0)),
			map[string]string{"Event": "subscribe", "EventKey": "", "Ticket": ""}},
		{"Scan", ScanEvent("gh_1", "oA", "adv:amy", time.Unix(1, 0)),
			map[string]string{"Event": "SCAN", "EventKey": "adv:amy"}},
		{"ContentWithCDATAEnd", TextMsg("gh_1", "oA", "a]]>b<c>&", 7, time.Unix(1, 0)),
			map[string]string{"Content": "a]]>b<c>&", "MsgId": "7"}},
		{"StringMsgID", Msg{ToUserName: "ww1", MsgType: "text", MsgID: "CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw=="},
			map[string]string{"MsgId": "CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw=="}},
		{"TransferFail", func() Msg {
			m := ExternalContactEvent("ww1", TransferFail, "amy", "wmX", time.Unix(1, 0))
			m.FailReason = "customer_refused"
			return m
		}(), map[string]string{"ChangeType": "transfer_fail", "FailReason": "customer_refused", "FromUserName": "sys"}},
		{"KfHasNoSender", KfMsgOrEvent("ww1", "TOKEN", "wk1", time.Unix(1, 0)),
			map[string]string{"FromUserName": "", "Token": "TOKEN", "OpenKfId": "wk1", "CreateTime": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFlatXML(tt.msg.XML())
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
		})
	}
}

func TestMsg_UnmarshalsLikeWeChat(t *testing.T) {
	t.Parallel()
	// The bot decodes callbacks with encoding/xml; a Msg must decode into
	// the fields a receiver declares.
	var m struct {
		XMLName    xml.Name `xml:"xml"`
		CreateTime int64    `xml:"CreateTime"`
		MsgID      int64    `xml:"MsgId"`
		AgentID    int      `xml:"AgentID"`
	}
	src := TextMsg("ww1", "amy", "hi", 4561255354251345929, time.Unix(1409659813, 0))
	src.AgentID = "218"
	if err := xml.Unmarshal(src.XML(), &m); err != nil {
		t.Fatal(err)
	}
	if m.CreateTime != 1409659813 || m.MsgID != 4561255354251345929 || m.AgentID != 218 {
		t.Errorf("decoded %+v", m)
	}
}
