package ingress_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

// oaText is an Official Account text message with CreateTime written as
// given, which may be anything WeChat (or a forger) sends.
func oaText(from, createTime, content, msgID string) []byte {
	return []byte("<xml><ToUserName><![CDATA[gh_salon]]></ToUserName><FromUserName><![CDATA[" + from + "]]></FromUserName>" +
		"<CreateTime>" + createTime + "</CreateTime><MsgType><![CDATA[text]]></MsgType>" +
		"<Content><![CDATA[" + content + "]]></Content><MsgId>" + msgID + "</MsgId></xml>")
}

// history returns an Official Account client's messages, newest first.
func history(t *testing.T, db *store.DB, openID string) []*clienteling.Message {
	t.Helper()
	c, err := db.FindCustomerByIdentity(t.Context(), clienteling.Identity{Channel: clienteling.ChannelOA, ExternalID: openID})
	if err != nil {
		t.Fatalf("client %s: %v", openID, err)
	}
	page, _, err := db.Messages(t.Context(), c.ID, clienteling.MessagePage{Limit: clienteling.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return page
}

// TestLongTextStoredWhole: a client's text is kept as written, up to what
// the 64 KiB body limit lets through.
func TestLongTextStoredWhole(t *testing.T) {
	db := clientelingtest.MustOpenDB(t)
	srv, oa := newServer(t, db, nil)
	text := strings.Repeat("这款手袋有黑色吗？", 20000/27) + strings.Repeat("x", 20000%27)
	if len(text) != 20000 {
		t.Fatalf("text is %d bytes, want 20000", len(text))
	}
	msg := oaText("oLONG0000001", fmt.Sprint(time.Now().Unix()), text, "7001")
	if status, body := deliver(t, srv.Client(), srv.URL, oa.Safe(msg)); status != 200 || body != "success" {
		t.Fatalf("got %d %q, want 200 success", status, body)
	}
	page := history(t, db, "oLONG0000001")
	if len(page) != 1 || page[0].Text != text {
		t.Fatalf("stored %d messages, the first %d bytes long; want one of %d bytes, whole", len(page), len(page[0].Text), len(text))
	}
}
