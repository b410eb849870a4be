package callback

import (
	"path/filepath"
	"reflect"
	"testing"
)

// fixtureDirs are the recorded payloads of testdata (see its README) and
// the endpoint each directory's messages arrive at.
var fixtureDirs = map[string]Endpoint{
	"wechatpy_oa":        EndpointOA,
	"wechatpy_oa_events": EndpointOA,
	"wechatpy_work":      EndpointWeComApp,
	"wxjava_work":        EndpointWeComApp,
	"official_docs":      EndpointKF,
}

// fixtures lists every recorded plaintext message with what it must parse
// to. Sender is the openid on the Official Account; on WeCom the
// external_userid of a customer-contact event, else the userid a system
// event names, else the associate who wrote ("" for events from "sys");
// 微信客服 callbacks name no one.
var fixtures = []struct {
	ep                            Endpoint
	file                          string
	msgType, event, sender, msgID string
}{
	{EndpointOA, "wechatpy_oa/oa_parse_click_event.xml", "event", "CLICK", "FromUser", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_device_bind_event.xml", "device_event", "bind", "fromUser", "1234567890123456"},
	{EndpointOA, "wechatpy_oa/oa_parse_device_text_event.xml", "device_text", "", "fromUser", "1234567890123456"},
	{EndpointOA, "wechatpy_oa/oa_parse_image_message.xml", "image", "", "fromUser", "1234567890123456"},
	{EndpointOA, "wechatpy_oa/oa_parse_link_message.xml", "link", "", "fromUser", "1234567890123456"},
	{EndpointOA, "wechatpy_oa/oa_parse_location_event.xml", "event", "LOCATION", "fromUser", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_location_message.xml", "location", "", "fromUser", "1234567890123456"},
	{EndpointOA, "wechatpy_oa/oa_parse_scan_event.xml", "event", "SCAN", "FromUser", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_submit_invoice_title_event.xml", "event", "submit_invoice_title", "oZI8Fj040-be6rlDohc6gkoPOQTQ", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_subscribe_event.xml", "event", "subscribe", "FromUser", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_subscribe_event_with_last_trade_no.xml", "event", "subscribe", "FromUser", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_subscribe_scan_event.xml", "event", "subscribe", "FromUser", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_subscribe_scan_product_event_1.xml", "event", "subscribe", "otAzGjrS4AYCmeJM1GhEOcHXXTAo", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_subscribe_scan_product_event_2.xml", "event", "subscribe", "otAzGjrS4AYCmeJM1GhEOcHXXTAo", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_text_message.xml", "text", "", "fromUser", "1234567890123456"},
	{EndpointOA, "wechatpy_oa/oa_parse_unknown_message.xml", "notsure", "", "fromUser", "1234567890123456"},
	{EndpointOA, "wechatpy_oa/oa_parse_update_invoice_status_event.xml", "event", "update_invoice_status", "ojZ8Ytz4lESgdWZ34L_R1TvB2Kds", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_user_authorize_invoice_event.xml", "event", "user_authorize_invoice", "oZI8Fj040-be6rlDohc6gkoPOQTQ", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_video_message.xml", "video", "", "fromUser", "1234567890123456"},
	{EndpointOA, "wechatpy_oa/oa_parse_view_event.xml", "event", "VIEW", "FromUser", ""},
	{EndpointOA, "wechatpy_oa/oa_parse_voice_message.xml", "voice", "", "fromUser", "1234567890123456"},
	{EndpointOA, "wechatpy_oa_events/evt_annual_renew_event.xml", "event", "annual_renew", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_click_event.xml", "event", "CLICK", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_kf_close_session_event.xml", "event", "kf_close_session", "fromuser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_kf_create_session_event.xml", "event", "kf_create_session", "fromuser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_kf_switch_session_event.xml", "event", "kf_switch_session", "fromuser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_location_event.xml", "event", "LOCATION", "fromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_location_select_event.xml", "event", "location_select", "oMgHVjngRipVsoxg6TuX3vz6glDg", ""},
	{EndpointOA, "wechatpy_oa_events/evt_mass_send_job_finish_event.xml", "event", "MASSSENDJOBFINISH", "oV5CrjpxgaGXNHIQigzNlgLTnwic", "1000001625"},
	{EndpointOA, "wechatpy_oa_events/evt_merchant_order_event.xml", "event", "merchant_order", "oDF3iYyVlek46AyTBbMRVV8VZVlI", ""},
	{EndpointOA, "wechatpy_oa_events/evt_naming_verify_fail_event.xml", "event", "naming_verify_fail", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_naming_verify_success_event.xml", "event", "naming_verify_success", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_pic_photo_or_album_event.xml", "event", "pic_photo_or_album", "oMgHVjngRipVsoxg6TuX3vz6glDg", ""},
	{EndpointOA, "wechatpy_oa_events/evt_pic_sysphoto_event.xml", "event", "pic_sysphoto", "oMgHVjngRipVsoxg6TuX3vz6glDg", ""},
	{EndpointOA, "wechatpy_oa_events/evt_pic_wechat_event.xml", "event", "pic_weixin", "oMgHVjngRipVsoxg6TuX3vz6glDg", ""},
	{EndpointOA, "wechatpy_oa_events/evt_qualification_verify_fail_event.xml", "event", "qualification_verify_fail", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_qualification_verify_success_event.xml", "event", "qualification_verify_success", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_scan_code_push_event.xml", "event", "scancode_push", "oMgHVjngRipVsoxg6TuX3vz6glDg", ""},
	{EndpointOA, "wechatpy_oa_events/evt_scan_code_waitmsg_event.xml", "event", "scancode_waitmsg", "oMgHVjngRipVsoxg6TuX3vz6glDg", ""},
	{EndpointOA, "wechatpy_oa_events/evt_scan_event.xml", "event", "SCAN", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_shakearound_user_shake_event.xml", "event", "ShakearoundUserShake", "fromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_subscribe_event.xml", "event", "subscribe", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_subscribe_scan_event.xml", "event", "subscribe", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_template_send_job_finish_event.xml", "event", "TEMPLATESENDJOBFINISH", "fromuser", "200163836"},
	{EndpointOA, "wechatpy_oa_events/evt_template_subscribe_msg_change_event.xml", "event", "subscribe_msg_change_event", "otFpruAK8D-E6EfStSYonYSBZ8_4", ""},
	{EndpointOA, "wechatpy_oa_events/evt_template_subscribe_msg_popup_event.xml", "event", "subscribe_msg_popup_event", "otFpruAK8D-E6EfStSYonYSBZ8_4", ""},
	{EndpointOA, "wechatpy_oa_events/evt_template_subscribe_msg_sent_event.xml", "event", "subscribe_msg_sent_event", "otFpruAK8D-E6EfStSYonYSBZ8_4", ""},
	{EndpointOA, "wechatpy_oa_events/evt_unsubscribe_event.xml", "event", "unsubscribe", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_verify_expired_event.xml", "event", "verify_expired", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_view_event.xml", "event", "VIEW", "FromUser", ""},
	{EndpointOA, "wechatpy_oa_events/evt_wifi_connected_event.xml", "event", "WifiConnected", "FromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_export_1.xml", "event", "batch_job_result", "FromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_export_2.xml", "event", "batch_job_result", "FromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_export_3.xml", "event", "batch_job_result", "FromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_export_4.xml", "event", "batch_job_result", "FromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_meeting_1.xml", "event", "book_meeting_room", "fromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_meeting_2.xml", "event", "cancel_meeting_room", "fromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_parse_add_schedule.xml", "event", "add_schedule", "fromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_parse_click_event.xml", "event", "CLICK", "FromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_parse_delete_calendar.xml", "event", "delete_calendar", "fromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_parse_delete_schedule.xml", "event", "delete_schedule", "fromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_parse_image_message.xml", "image", "", "fromUser", "1234567890123456"},
	{EndpointWeComApp, "wechatpy_work/work_parse_link_message.xml", "link", "", "fromUser", "1234567890123456"},
	{EndpointWeComApp, "wechatpy_work/work_parse_location_event.xml", "event", "LOCATION", "fromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_parse_location_message.xml", "location", "", "fromUser", "1234567890123456"},
	{EndpointWeComApp, "wechatpy_work/work_parse_modify_calendar.xml", "event", "modify_calendar", "fromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_parse_modify_schedule.xml", "event", "modify_schedule", "fromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_parse_subscribe_event.xml", "event", "subscribe", "FromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_parse_text_message.xml", "text", "", "fromUser", "1234567890123456"},
	{EndpointWeComApp, "wechatpy_work/work_parse_unknown_message.xml", "notsure", "", "fromUser", "1234567890123456"},
	{EndpointWeComApp, "wechatpy_work/work_parse_video_message.xml", "video", "", "fromUser", "1234567890123456"},
	{EndpointWeComApp, "wechatpy_work/work_parse_view_event.xml", "event", "VIEW", "FromUser", ""},
	{EndpointWeComApp, "wechatpy_work/work_parse_voice_message.xml", "voice", "", "fromUser", "1234567890123456"},
	{EndpointWeComApp, "wechatpy_work/work_subscribe_event.xml", "event", "subscribe", "UserID", ""},
	{EndpointWeComApp, "wxjava_work/work_event_change_contact_update_user_extattr.xml", "event", "change_contact", "zhangsan", ""},
	{EndpointWeComApp, "wxjava_work/work_event_change_external_contact_add_external_contact.xml", "event", "change_external_contact", "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", ""},
	{EndpointWeComApp, "wxjava_work/work_event_change_external_contact_del_external_contact.xml", "event", "change_external_contact", "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", ""},
	{EndpointWeComApp, "wxjava_work/work_event_pic_weixin.xml", "event", "pic_weixin", "xiaohe", ""},
	{EndpointWeComApp, "wxjava_work/work_event_taskcard_click.xml", "event", "taskcard_click", "FromUser", ""},
	{EndpointWeComApp, "wxjava_work/work_event_template_card_event.xml", "event", "template_card_event", "FromUser", ""},
	{EndpointWeComApp, "wxjava_work/work_event_upload_media_job_finish.xml", "event", "upload_media_job_finish", "", ""},
	{EndpointWeComApp, "wxjava_work/work_text_msgid_numeric.xml", "text", "", "fromUser", "1234567890123456"},
	{EndpointWeComApp, "wxjava_work/work_text_msgid_string.xml", "text", "", "fromUser", "CAIQg/PKxgYY2sC9tpuAgAMg9/zKaw=="},
	{EndpointKF, "official_docs/kf_msg_or_event_callback.xml", "event", "kf_msg_or_event", "", ""},
}

// TestFixtures sends every recorded message end to end, sealed and signed
// as WeChat would, to the endpoint it belongs to.
func TestFixtures(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	listed := map[string]bool{}
	for _, fx := range fixtures {
		listed[fx.file] = true
		t.Run(fx.file, func(t *testing.T) {
			got := mustParse(t, r.verifier(fx.ep), r.post(fx.ep, readTestdata(t, fx.file)))
			if got.Endpoint != fx.ep || got.MsgType != fx.msgType || got.Event != fx.event || got.Sender() != fx.sender || got.MsgID != fx.msgID {
				t.Errorf("got %s type %q event %q sender %q msgid %q, want %s %q %q %q %q",
					got.Endpoint, got.MsgType, got.Event, got.Sender(), got.MsgID, fx.ep, fx.msgType, fx.event, fx.sender, fx.msgID)
			}
			if got.CreateTime.IsZero() || got.DedupeKey() == "" {
				t.Errorf("CreateTime %v, DedupeKey %q: want both set", got.CreateTime, got.DedupeKey())
			}
		})
	}
	// A fixture added to testdata without an entry here would go untested.
	for dir := range fixtureDirs {
		files, err := filepath.Glob(filepath.Join("testdata", dir, "*.xml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			rel, _ := filepath.Rel("testdata", f)
			if !listed[filepath.ToSlash(rel)] {
				t.Errorf("%s is not in the fixtures table", rel)
			}
		}
	}
}

// TestFixtures_Content checks the fields of the recorded messages that
// Salon acts on.
func TestFixtures_Content(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	tests := []struct {
		file  string
		check func(in *Inbound) (got, want any)
	}{
		{"wechatpy_oa/oa_parse_location_message.xml", func(in *Inbound) (any, any) {
			return []any{in.LocationX, in.LocationY, in.Scale, in.Label}, []any{23.134521, 113.358803, 20, "位置信息"}
		}},
		{"wechatpy_oa/oa_parse_voice_message.xml", func(in *Inbound) (any, any) {
			return []string{in.MediaID, in.Format}, []string{"media_id", "Format"}
		}},
		{"wechatpy_oa/oa_parse_link_message.xml", func(in *Inbound) (any, any) {
			return []string{in.Title, in.Description, in.URL}, []string{"公众平台官网链接", "公众平台官网链接", "url"}
		}},
		{"wechatpy_oa_events/evt_subscribe_scan_event.xml", func(in *Inbound) (any, any) {
			scene, ok := in.QRScene()
			return []any{scene, ok, in.Ticket}, []any{"123123", true, "TICKET"}
		}},
		{"wechatpy_oa_events/evt_subscribe_event.xml", func(in *Inbound) (any, any) {
			scene, ok := in.QRScene()
			return []any{scene, ok}, []any{"", false}
		}},
		{"wechatpy_oa_events/evt_scan_event.xml", func(in *Inbound) (any, any) {
			scene, ok := in.QRScene()
			return []any{scene, ok}, []any{"SCENE_VALUE", true}
		}},
		{"wechatpy_oa_events/evt_location_event.xml", func(in *Inbound) (any, any) {
			return []float64{in.Latitude, in.Longitude, in.Precision}, []float64{23.137466, 113.352425, 119.385040}
		}},
		{"wechatpy_oa_events/evt_template_send_job_finish_event.xml", func(in *Inbound) (any, any) {
			return in.Status, "success"
		}},
		{"wechatpy_oa_events/evt_template_subscribe_msg_popup_event.xml", func(in *Inbound) (any, any) {
			return in.Subscriptions, []Subscription{
				{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc", Status: "accept", PopupScene: "2"},
				{TemplateID: "9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI", Status: "reject", PopupScene: "2"},
			}
		}},
		{"wechatpy_oa_events/evt_template_subscribe_msg_sent_event.xml", func(in *Inbound) (any, any) {
			return in.Subscriptions, []Subscription{{TemplateID: "VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc",
				Status: "success", MsgID: "1700827132819554304", ErrorCode: "0"}}
		}},
		{"wxjava_work/work_event_change_external_contact_add_external_contact.xml", func(in *Inbound) (any, any) {
			return []string{in.ChangeType, string(in.Associate), in.State, in.WelcomeCode},
				[]string{ChangeAddExternalContact, "zhangsan", "teststate", "WELCOMECODE"}
		}},
		{"wxjava_work/work_event_change_external_contact_del_external_contact.xml", func(in *Inbound) (any, any) {
			return []string{in.ChangeType, string(in.Associate)}, []string{ChangeDelExternalContact, "zhangsan"}
		}},
		{"wechatpy_work/work_parse_text_message.xml", func(in *Inbound) (any, any) {
			return []string{in.Content, in.AgentID, string(in.Associate)}, []string{"this is a test", "1", "fromUser"}
		}},
		{"official_docs/kf_msg_or_event_callback.xml", func(in *Inbound) (any, any) {
			return []string{in.KfToken, in.OpenKfID, in.To}, []string{"ENCApHxnGDNAVNY4AaSJKj4Tb5mwsEMzxhFmHVGcra996NR", "wkxxxxxxx", "ww12345678910"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ep := fixtureDirs[filepath.Dir(tt.file)]
			in := mustParse(t, r.verifier(ep), r.post(ep, readTestdata(t, tt.file)))
			if got, want := tt.check(in); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}
