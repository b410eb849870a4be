package sandbox

import (
	"encoding/json"
	"testing"
	"time"
)

// TestTemplateLayout pins how a template send is laid out as WeChat shows
// it, and that only web links are kept.
func TestTemplateLayout(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body             string
		text, description, url string
	}{
		{"OK", `{"template_id":"T1","url":"https://m.example/a","data":{"remark":{"value":"r"},"keyword2":{"value":"k2"},"first":{"value":"f"},"keyword1":{"value":"k1"}}}`,
			"f", "k1\nk2\nr", "https://m.example/a"},
		{"NoFirst", `{"template_id":"T1","data":{"keyword1":{"value":"k1"}}}`, "T1", "k1", ""},
		{"MiniProgram", `{"template_id":"T1","miniprogram":{"appid":"wxa","pagepath":"pages/a"},"data":{"first":{"value":"f"}}}`,
			"f", "小程序 Mini program · pages/a", ""},
		{"ErrScriptLink", `{"template_id":"T1","url":"javascript:alert(1)","data":{"first":{"value":"f"}}}`, "f", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b sentBody
			if err := json.Unmarshal([]byte(tt.body), &b); err != nil {
				t.Fatal(err)
			}
			var d Message
			b.template(&d)
			if d.Type != "template" || d.Text != tt.text || d.Description != tt.description || d.Link != tt.url {
				t.Fatalf("got %q %q %q, want %q %q %q", d.Text, d.Description, d.Link, tt.text, tt.description, tt.url)
			}
		})
	}
}

// TestMergeTemplate checks that a template send marks the stored message
// whose id it carried, with WeChat's report, however far apart in time,
// and that a send carrying no stored message shows on its own.
func TestMergeTemplate(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 18, 10, 0, 0, 0, time.UTC)
	stored := []Message{{ID: "m1", Direction: "out", Type: "template", Text: "f\nk1", At: at, Source: FromHistory, Status: "sent"}}
	sent := []Message{
		{Direction: "out", Type: "template", Text: "f", Description: "k1", At: at.Add(time.Hour), Source: FromWeChat,
			Status: "sent", Report: "failed:user block", salonID: "m1"},
		{Direction: "out", Type: "template", Text: "other", At: at.Add(time.Hour), Source: FromWeChat, Status: "sent", salonID: "m9"},
	}
	got := merge(stored, sent, time.Time{})
	if len(got) != 2 {
		t.Fatalf("got %d messages, want the stored one and the unmatched send", len(got))
	}
	if m := got[0]; m.Report != "failed:user block" || !m.Delivered || m.Text != "f" || m.Description != "k1" || m.Source != FromHistory {
		t.Fatalf("stored template %+v, want it marked with the report and laid out", m)
	}
	if got[1].Text != "other" || got[1].Source != FromWeChat {
		t.Fatalf("unmatched send %+v", got[1])
	}
}
