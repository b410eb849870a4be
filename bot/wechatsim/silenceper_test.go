package wechatsim

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	"github.com/silenceper/wechat/v2/officialaccount/basic"
	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/pay"
	payconfig "github.com/silenceper/wechat/v2/pay/config"
	"github.com/silenceper/wechat/v2/pay/order"
	"github.com/silenceper/wechat/v2/util"
)

// TestSilenceperClients drives the bot's own WeChat library against the
// fake, so that the fake's answers are known to decode where the bot
// decodes them. silenceper's URLs are fixed, so it goes through the
// library's global URI modifier; this test must not run in parallel.
func TestSilenceperClients(t *testing.T) {
	t.Parallel()
	s := startSim(t, Options{})
	util.SetURIModifier(s.Rewrite)
	t.Cleanup(func() { util.SetURIModifier(nil) })
	o := s.Options()

	oa := officialaccount.NewOfficialAccount(&oaconfig.Config{AppID: o.OAAppID, AppSecret: o.OASecret, Cache: cache.NewMemory()})
	s.SetOAUser(OAUser{OpenID: "oVIP", Subscribe: true, Language: "zh_CN", UnionID: "uVIP"})
	info, err := oa.GetUser().GetUserInfo("oVIP")
	if err != nil || info.UnionID != "uVIP" || info.Subscribe != 1 || info.Language != "zh_CN" {
		t.Errorf("GetUserInfo = %+v, %v", info, err)
	}
	ticket, err := oa.GetBasic().GetQRTicket(basic.NewTmpQrRequest(10*time.Minute, "adv:amy"))
	if err != nil || ticket.Ticket != QRTicket("adv:amy") || ticket.ExpireSeconds != 600 {
		t.Errorf("GetQRTicket = %+v, %v", ticket, err)
	}
	if err := oa.GetCustomerMessageManager().Send(message.NewCustomerTextMessage("oVIP", "您好")); err != nil {
		t.Errorf("custom send: %v", err)
	}
	if s.TokensIssuedFor(o.OAAppID) != 1 {
		t.Errorf("OA tokens issued %d, want 1 (cached)", s.TokensIssuedFor(o.OAAppID))
	}

	notify := httptest.NewServer(http.NotFoundHandler())
	defer notify.Close()
	p := pay.NewPay(&payconfig.Config{AppID: o.OAAppID, MchID: o.PayMchID, Key: o.PayKey, NotifyURL: notify.URL})
	prepay, err := p.GetOrder().PrePayID(&order.Params{TotalFee: "289000", CreateIP: "127.0.0.1", Body: "Loafers",
		OutTradeNo: "S1", OpenID: "oVIP", TradeType: "JSAPI"})
	if err != nil || prepay == "" {
		t.Errorf("PrePayID = %q, %v", prepay, err)
	}
	if o, found := s.PayOrder("S1"); !found || o.PrepayID != prepay {
		t.Errorf("PayOrder(S1) = %+v, %v; want prepay %s", o, found, prepay)
	}
}
