package wechatsim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// PaySign returns the WeChat Pay API v2 signature of params: the sorted
// non-empty parameters except sign, joined as k=v&..., with &key=KEY
// appended, hashed as params["sign_type"] says (MD5 when absent, or
// HMAC-SHA256) and upper-cased. sign_type itself is signed when present.
func PaySign(params map[string]string, key string) (string, error) {
	return util.ParamSign(params, key)
}

// paySignAs signs with an explicit type, for answers that carry no
// sign_type field yet must be signed as the request was.
func paySignAs(params map[string]string, key, signType string) (string, error) {
	return util.CalculateSign(util.OrderParam(params, "&key="+key), signType, key)
}

// payXML writes params as WeChat Pay does: <xml> with one element per
// field, text in CDATA and whole numbers bare, sorted for stable output.
func payXML(params map[string]string) []byte {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b bytes.Buffer
	b.WriteString("<xml>")
	for _, k := range keys {
		v := params[k]
		if _, err := strconv.ParseInt(v, 10, 64); err == nil && k != "nonce_str" {
			fmt.Fprintf(&b, "<%s>%s</%s>", k, v, k)
		} else {
			fmt.Fprintf(&b, "<%s>%s</%s>", k, cdata(v), k)
		}
	}
	b.WriteString("</xml>")
	return b.Bytes()
}

// beijing is the zone of WeChat Pay's time fields.
var beijing = time.FixedZone("CST", 8*3600)

// PayNotify is a payment result notification, as WeChat Pay POSTs it to
// the merchant's notify_url.
type PayNotify struct {
	AppID, MchID, OpenID string
	OutTradeNo           string
	// TransactionID is WeChat's order number; empty gets a random one.
	TransactionID string
	TotalFee      int // in fen
	TradeType     string
	TimeEnd       time.Time
	Attach        string
	// ResultCode is "SUCCESS" when empty; "FAIL" for a failed payment.
	ResultCode string
	// NonceStr is random when empty.
	NonceStr string
	// SignType is empty for MD5 (the field is then absent), or
	// "HMAC-SHA256".
	SignType string
	// Extra adds fields, signed like the rest: WeChat adds fields over
	// time, and a receiver must still verify such a notification.
	Extra map[string]string
}

// XML returns the notification body signed with the merchant's key.
func (n PayNotify) XML(key string) ([]byte, error) {
	p := map[string]string{
		"appid": n.AppID, "mch_id": n.MchID, "openid": n.OpenID,
		"out_trade_no": n.OutTradeNo, "transaction_id": n.TransactionID,
		"total_fee": strconv.Itoa(n.TotalFee), "cash_fee": strconv.Itoa(n.TotalFee),
		"fee_type": "CNY", "bank_type": "OTHERS", "is_subscribe": "Y",
		"trade_type": n.TradeType, "time_end": n.TimeEnd.In(beijing).Format("20060102150405"),
		"attach": n.Attach, "result_code": n.ResultCode, "return_code": "SUCCESS",
		"nonce_str": n.NonceStr, "sign_type": n.SignType,
	}
	if p["transaction_id"] == "" {
		p["transaction_id"] = "42" + randomDigits(26)
	}
	if p["trade_type"] == "" {
		p["trade_type"] = "JSAPI"
	}
	if p["result_code"] == "" {
		p["result_code"] = "SUCCESS"
	}
	if p["nonce_str"] == "" {
		p["nonce_str"] = randomAlnum(32)
	}
	for k, v := range n.Extra {
		p[k] = v
	}
	for k, v := range p {
		if v == "" {
			delete(p, k) // WeChat Pay leaves empty fields out
		}
	}
	sign, err := PaySign(p, key)
	if err != nil {
		return nil, fmt.Errorf("wechatsim: sign notify: %w", err)
	}
	p["sign"] = sign
	return payXML(p), nil
}

// PayOrder is an order the simulator's /pay/unifiedorder accepted.
type PayOrder struct {
	OutTradeNo, PrepayID string
	AppID, MchID, OpenID string
	Body, Attach         string
	NotifyURL, TradeType string
	TotalFee             int
	Created              time.Time
	// Paid is set by NotifyPaid once the merchant acknowledged.
	Paid bool
}

// PayOrder returns the order of outTradeNo, if the simulator accepted one.
func (s *Server) PayOrder(outTradeNo string) (PayOrder, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, found := s.orders[outTradeNo]
	if !found {
		return PayOrder{}, false
	}
	return *o, true
}

// NotifyPaid plays WeChat Pay after a customer paid outTradeNo: it POSTs a
// signed notification to the order's notify_url and requires the answer
// return_code SUCCESS, then marks the order paid.
func (s *Server) NotifyPaid(ctx context.Context, outTradeNo string) error {
	o, found := s.PayOrder(outTradeNo)
	if !found {
		return fmt.Errorf("wechatsim: no order %q", outTradeNo)
	}
	body, err := PayNotify{
		AppID: o.AppID, MchID: o.MchID, OpenID: o.OpenID, OutTradeNo: o.OutTradeNo,
		TotalFee: o.TotalFee, TradeType: o.TradeType, TimeEnd: s.opts.Clock(), Attach: o.Attach,
	}.XML(s.opts.PayKey)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.NotifyURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("wechatsim: notify %s: %w", outTradeNo, err)
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("wechatsim: notify %s: %w", outTradeNo, err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fields, err := parseFlatXML(answer)
	if err != nil || resp.StatusCode != http.StatusOK || fields["return_code"] != "SUCCESS" {
		return fmt.Errorf("wechatsim: notify %s: merchant answered %d %q", outTradeNo, resp.StatusCode, answer)
	}
	s.mu.Lock()
	s.orders[outTradeNo].Paid = true
	s.mu.Unlock()
	return nil
}

func (s *Server) routePay() {
	s.mux.HandleFunc("POST /pay/unifiedorder", s.handleUnifiedOrder)
}

// payFail answers a communication-level failure (return_code FAIL): the
// request was refused before it became an order.
func payFail(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(payXML(map[string]string{"return_code": "FAIL", "return_msg": msg}))
}

// unifiedOrderRequired are the fields WeChat Pay refuses an order without.
var unifiedOrderRequired = []string{
	"appid", "mch_id", "nonce_str", "sign", "body", "out_trade_no",
	"total_fee", "spbill_create_ip", "notify_url", "trade_type",
}

func (s *Server) handleUnifiedOrder(w http.ResponseWriter, r *http.Request) {
	p, err := parseFlatXML(readBody(r))
	if err != nil {
		payFail(w, "XML格式错误")
		return
	}
	for _, k := range unifiedOrderRequired {
		if p[k] == "" {
			payFail(w, "缺少参数"+k)
			return
		}
	}
	if p["appid"] != s.opts.OAAppID || p["mch_id"] != s.opts.PayMchID {
		payFail(w, "appid和mch_id不匹配")
		return
	}
	signType := p["sign_type"]
	if signType == "" {
		signType = util.SignTypeMD5
	}
	want, err := PaySign(p, s.opts.PayKey)
	if err != nil || p["sign"] != want {
		payFail(w, "签名错误")
		return
	}
	answer := func(fields map[string]string) {
		fields["return_code"], fields["return_msg"] = "SUCCESS", "OK"
		fields["appid"], fields["mch_id"], fields["nonce_str"] = p["appid"], p["mch_id"], randomAlnum(16)
		sign, _ := paySignAs(fields, s.opts.PayKey, signType) // signType was checked above
		fields["sign"] = sign
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(payXML(fields))
	}
	fail := func(code, desc string) {
		answer(map[string]string{"result_code": "FAIL", "err_code": code, "err_code_des": desc})
	}
	fee, err := strconv.Atoi(p["total_fee"])
	switch {
	case err != nil || fee <= 0:
		fail("PARAM_ERROR", "total_fee参数错误")
		return
	case p["trade_type"] == "JSAPI" && p["openid"] == "":
		fail("PARAM_ERROR", "JSAPI支付必须传openid")
		return
	}
	s.mu.Lock()
	o, seen := s.orders[p["out_trade_no"]]
	switch {
	case seen && o.Paid:
		s.mu.Unlock()
		fail("ORDERPAID", "该订单已支付")
		return
	case seen && (o.TotalFee != fee || o.Body != p["body"] || o.OpenID != p["openid"]):
		s.mu.Unlock()
		fail("INVALID_REQUEST", "201 商户订单号重复")
		return
	case !seen:
		// A repeated identical order gets its first prepay_id back, so a
		// retried request is harmless, as on WeChat Pay.
		o = &PayOrder{
			OutTradeNo: p["out_trade_no"], AppID: p["appid"], MchID: p["mch_id"], OpenID: p["openid"],
			Body: p["body"], Attach: p["attach"], NotifyURL: p["notify_url"], TradeType: p["trade_type"],
			TotalFee: fee, Created: s.opts.Clock(),
			PrepayID: "wx" + s.opts.Clock().In(beijing).Format("02150405") + strings.ToLower(randomAlnum(24)),
		}
		s.orders[o.OutTradeNo] = o
	}
	out := map[string]string{"result_code": "SUCCESS", "prepay_id": o.PrepayID, "trade_type": o.TradeType}
	s.mu.Unlock()
	if out["trade_type"] == "NATIVE" {
		out["code_url"] = "weixin://wxpay/bizpayurl?pr=" + randomAlnum(7)
	}
	answer(out)
}

func readBody(r *http.Request) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	return b
}
