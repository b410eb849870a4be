package wechatsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/salonhq/salon/bot/wechatpay"
)

// DefaultPayAPIv3Key is the APIv3 key the simulator encrypts notifications
// with when Options leave it empty; 32 characters, as WeChat Pay requires.
const DefaultPayAPIv3Key = "sandboxapiv3key00000000000000000"

// PayV3 simulates WeChat Pay API v3 for the one merchant and app of the
// Options: JSAPI orders, query and close by out_trade_no, refunds, and the
// signed, encrypted notifications WeChat Pay POSTs to notify_url. It checks
// every request's signature with the merchant key and signs every answer
// with its WeChat Pay key, as the real service does. Its key pairs are
// made on first use, or read from Options.PayV3KeyDir.
type PayV3 struct {
	s *Server

	keysOnce sync.Once
	keys     payV3Keys
	keysErr  error

	mu      sync.Mutex
	orders  map[string]*PayV3Order
	refunds map[string]*PayV3Refund
}

// PayV3Order is an order the simulator's JSAPI call accepted.
type PayV3Order struct {
	Order    wechatpay.JSAPIOrder
	PrepayID string
	Created  time.Time
	// State is a trade_state: NOTPAY, then SUCCESS (CompletePayment),
	// CLOSED (close) or REFUND (a refund was asked).
	State         string
	TransactionID string
	PaidAt        time.Time
	Refunded      int64 // refunds asked, in fen
	notifyID      string
}

// PayV3Refund is a refund the simulator accepted.
type PayV3Refund struct {
	Request  wechatpay.RefundRequest
	RefundID string
	Created  time.Time
	// Status is PROCESSING until FinishRefund.
	Status   string
	Finished time.Time
}

func (s *Server) routePayV3() {
	s.Pay = &PayV3{s: s, orders: map[string]*PayV3Order{}, refunds: map[string]*PayV3Refund{}}
	p := s.Pay
	s.mux.HandleFunc("POST "+wechatpay.PathJSAPI, p.handleJSAPI)
	s.mux.HandleFunc("GET "+wechatpay.PathOutTradeNo+"{no}", p.handleQuery)
	s.mux.HandleFunc("POST "+wechatpay.PathOutTradeNo+"{no}/close", p.handleClose)
	s.mux.HandleFunc("POST "+wechatpay.PathRefunds, p.handleRefund)
}

func (p *PayV3) loadKeys() (payV3Keys, error) {
	p.keysOnce.Do(func() { p.keys, p.keysErr = loadPayV3Keys(p.s.opts.PayV3KeyDir) })
	return p.keys, p.keysErr
}

// Credentials returns what the merchant configures to call the simulator,
// making the keys first if need be.
func (p *PayV3) Credentials() (PayV3Credentials, error) {
	k, err := p.loadKeys()
	if err != nil {
		return PayV3Credentials{}, err
	}
	o := p.s.opts
	return PayV3Credentials{
		AppID: o.OAAppID, MchID: o.PayMchID, MerchantSerial: k.merchantSerial, MerchantKey: k.merchant,
		PublicKeyID: k.publicKeyID, PublicKey: &k.platform.PublicKey, APIv3Key: o.PayAPIv3Key,
	}, nil
}

// Order returns the order of outTradeNo, if the simulator accepted one.
func (p *PayV3) Order(outTradeNo string) (PayV3Order, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	o, found := p.orders[outTradeNo]
	if !found {
		return PayV3Order{}, false
	}
	return *o, true
}

// Refund returns the refund of outRefundNo, if the simulator accepted one.
func (p *PayV3) Refund(outRefundNo string) (PayV3Refund, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, found := p.refunds[outRefundNo]
	if !found {
		return PayV3Refund{}, false
	}
	return *r, true
}

// answer writes v (nil: no body) signed as WeChat Pay signs its answers.
func (p *PayV3) answer(w http.ResponseWriter, status int, v any) {
	var body []byte
	if v != nil {
		body, _ = json.Marshal(v)
	}
	h, err := p.signedHeaders(p.s.opts.Clock(), body)
	if err != nil {
		http.Error(w, "simulator keys: "+err.Error(), http.StatusInternalServerError)
		return
	}
	for k, vs := range h {
		w.Header()[k] = vs
	}
	w.Header().Set("Request-ID", "08"+randomDigits(20))
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// fail answers WeChat Pay's JSON error, signed like any answer.
func (p *PayV3) fail(w http.ResponseWriter, status int, code, message string) {
	p.answer(w, status, map[string]string{"code": code, "message": message})
}

func (p *PayV3) signedHeaders(at time.Time, body []byte) (http.Header, error) {
	k, err := p.loadKeys()
	if err != nil {
		return nil, err
	}
	ts, nonce := strconv.FormatInt(at.Unix(), 10), wechatpay.NewNonce()
	sig, err := wechatpay.Sign(k.platform, wechatpay.ResponseMessage(ts, nonce, body))
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set(wechatpay.HeaderTimestamp, ts)
	h.Set(wechatpay.HeaderNonce, nonce)
	h.Set(wechatpay.HeaderSignature, sig)
	h.Set(wechatpay.HeaderSerial, k.publicKeyID)
	return h, nil
}

// authenticate checks the request's Authorization as WeChat Pay does and
// returns its body; on failure it has answered 401 SIGN_ERROR.
func (p *PayV3) authenticate(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	k, err := p.loadKeys()
	if err != nil {
		http.Error(w, "simulator keys: "+err.Error(), http.StatusInternalServerError)
		return nil, false
	}
	body := readBody(r)
	refuse := func(why string) ([]byte, bool) {
		p.fail(w, http.StatusUnauthorized, "SIGN_ERROR", "签名错误: "+why)
		return nil, false
	}
	a, err := wechatpay.ParseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return refuse("Authorization 格式错误")
	}
	if a.MchID != p.s.opts.PayMchID {
		return refuse("商户号不存在")
	}
	if a.SerialNo != k.merchantSerial {
		return refuse("证书序列号不匹配")
	}
	sec, err := strconv.ParseInt(a.Timestamp, 10, 64)
	if skew := p.s.opts.Clock().Sub(time.Unix(sec, 0)); err != nil || skew > wechatpay.MaxClockSkew || skew < -wechatpay.MaxClockSkew {
		return refuse("时间戳过期")
	}
	msg := wechatpay.RequestMessage(r.Method, r.URL.RequestURI(), a.Timestamp, a.NonceStr, body)
	if wechatpay.VerifySignature(&k.merchant.PublicKey, msg, a.Signature) != nil {
		return refuse("验签失败")
	}
	return body, true
}

func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data")
	}
	return nil
}

func (p *PayV3) handleJSAPI(w http.ResponseWriter, r *http.Request) {
	body, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	var o wechatpay.JSAPIOrder
	if err := decodeStrict(body, &o); err != nil {
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "请求体不是合法的JSON")
		return
	}
	now := p.s.opts.Clock()
	for _, f := range []struct {
		name  string
		value string
	}{{"appid", o.AppID}, {"mchid", o.MchID}, {"description", o.Description}, {"out_trade_no", o.OutTradeNo},
		{"notify_url", o.NotifyURL}, {"payer.openid", o.Payer.OpenID}} {
		if f.value == "" {
			p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "缺少参数 "+f.name)
			return
		}
	}
	switch {
	case o.AppID != p.s.opts.OAAppID || o.MchID != p.s.opts.PayMchID:
		p.fail(w, http.StatusBadRequest, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
		return
	case o.Amount.Total <= 0:
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "amount.total 必须大于0")
		return
	case o.Amount.Currency != "" && o.Amount.Currency != "CNY":
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "amount.currency 只支持CNY")
		return
	case !o.TimeExpire.IsZero() && !o.TimeExpire.After(now):
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "time_expire 已过期")
		return
	case !strings.HasPrefix(o.NotifyURL, "http://") && !strings.HasPrefix(o.NotifyURL, "https://"):
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "notify_url 格式错误")
		return
	}
	o.Amount.Currency = "CNY"
	p.mu.Lock()
	seen, found := p.orders[o.OutTradeNo]
	switch {
	case found && seen.State == wechatpay.TradeClosed:
		p.mu.Unlock()
		p.fail(w, http.StatusBadRequest, "ORDER_CLOSED", "订单已关闭")
		return
	case found && (seen.State != wechatpay.TradeNotPay || seen.Order.Amount.Total != o.Amount.Total ||
		seen.Order.Description != o.Description || seen.Order.Payer != o.Payer):
		p.mu.Unlock()
		p.fail(w, http.StatusForbidden, "OUT_TRADE_NO_USED", "商户订单号重复")
		return
	case !found:
		// A repeated identical order gets its first prepay_id back, so a
		// retried request is harmless, as on WeChat Pay.
		seen = &PayV3Order{Order: o, Created: now, State: wechatpay.TradeNotPay,
			PrepayID: "wx" + now.In(beijing).Format("02150405") + strings.ToLower(randomAlnum(24))}
		p.orders[o.OutTradeNo] = seen
	}
	prepay := seen.PrepayID
	p.mu.Unlock()
	p.answer(w, http.StatusOK, map[string]string{"prepay_id": prepay})
}

func (p *PayV3) handleQuery(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.authenticate(w, r); !ok {
		return
	}
	if r.URL.Query().Get("mchid") != p.s.opts.PayMchID {
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "mchid 与请求商户不一致")
		return
	}
	p.mu.Lock()
	o, found := p.orders[r.PathValue("no")]
	var t wechatpay.Transaction
	if found {
		t = o.transaction()
	}
	p.mu.Unlock()
	if !found {
		p.fail(w, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
		return
	}
	p.answer(w, http.StatusOK, t)
}

// transaction is the order as query answers and notifications report it;
// the caller holds p.mu.
func (o *PayV3Order) transaction() wechatpay.Transaction {
	t := wechatpay.Transaction{
		AppID: o.Order.AppID, MchID: o.Order.MchID, OutTradeNo: o.Order.OutTradeNo, TradeType: "JSAPI",
		TradeState: o.State, Attach: o.Order.Attach, Payer: o.Order.Payer,
		Amount: wechatpay.Amount{Total: o.Order.Amount.Total, Currency: o.Order.Amount.Currency},
	}
	t.TradeStateDesc = map[string]string{
		wechatpay.TradeNotPay: "订单未支付", wechatpay.TradeSuccess: "支付成功",
		wechatpay.TradeClosed: "订单已关闭", wechatpay.TradeRefund: "转入退款",
	}[o.State]
	if !o.PaidAt.IsZero() {
		t.TransactionID, t.BankType, t.SuccessTime = o.TransactionID, "OTHERS", wechatpay.FormatTime(o.PaidAt)
		t.Amount.PayerTotal, t.Amount.PayerCurrency = o.Order.Amount.Total, "CNY"
	}
	return t
}

func (p *PayV3) handleClose(w http.ResponseWriter, r *http.Request) {
	body, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	var in struct {
		MchID string `json:"mchid"`
	}
	if err := decodeStrict(body, &in); err != nil || in.MchID != p.s.opts.PayMchID {
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "mchid 缺失或与请求商户不一致")
		return
	}
	p.mu.Lock()
	o, found := p.orders[r.PathValue("no")]
	state := ""
	if found {
		state = o.State
		if state == wechatpay.TradeNotPay {
			o.State = wechatpay.TradeClosed
		}
	}
	p.mu.Unlock()
	switch {
	case !found:
		p.fail(w, http.StatusNotFound, "ORDER_NOT_EXIST", "订单不存在")
	case state == wechatpay.TradeSuccess || state == wechatpay.TradeRefund:
		// WeChat Pay names this code ORDERPAID in API v2; v3 keeps it.
		p.fail(w, http.StatusBadRequest, "ORDERPAID", "订单已支付")
	default:
		p.answer(w, http.StatusNoContent, nil)
	}
}

func (p *PayV3) handleRefund(w http.ResponseWriter, r *http.Request) {
	body, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	var in wechatpay.RefundRequest
	if err := decodeStrict(body, &in); err != nil {
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "请求体不是合法的JSON")
		return
	}
	switch {
	case in.OutTradeNo == "" || in.OutRefundNo == "":
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "缺少参数 out_trade_no 或 out_refund_no")
		return
	case in.Amount.Currency != "CNY":
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "amount.currency 只支持CNY")
		return
	case in.Amount.Refund <= 0:
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "amount.refund 必须大于0")
		return
	}
	now := p.s.opts.Clock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if seen, found := p.refunds[in.OutRefundNo]; found {
		if seen.Request.OutTradeNo != in.OutTradeNo || seen.Request.Amount != in.Amount {
			p.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "退款单号重复")
			return
		}
		p.answer(w, http.StatusOK, p.ordersRefund(seen))
		return
	}
	o, found := p.orders[in.OutTradeNo]
	switch {
	case !found:
		p.fail(w, http.StatusNotFound, "RESOURCE_NOT_EXISTS", "订单不存在")
		return
	case o.State != wechatpay.TradeSuccess && o.State != wechatpay.TradeRefund:
		p.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "订单未支付")
		return
	case in.Amount.Total != o.Order.Amount.Total:
		p.fail(w, http.StatusBadRequest, "PARAM_ERROR", "amount.total 与订单金额不一致")
		return
	case o.Refunded+in.Amount.Refund > o.Order.Amount.Total:
		p.fail(w, http.StatusBadRequest, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
		return
	}
	o.Refunded += in.Amount.Refund
	o.State = wechatpay.TradeRefund
	ref := &PayV3Refund{Request: in, RefundID: "50" + randomDigits(27), Created: now, Status: wechatpay.RefundProcessing}
	p.refunds[in.OutRefundNo] = ref
	p.answer(w, http.StatusOK, p.ordersRefund(ref))
}

// ordersRefund is a refund as WeChat Pay answers it; the caller holds p.mu.
func (p *PayV3) ordersRefund(ref *PayV3Refund) wechatpay.Refund {
	o := p.orders[ref.Request.OutTradeNo]
	out := wechatpay.Refund{
		RefundID: ref.RefundID, OutRefundNo: ref.Request.OutRefundNo, TransactionID: o.TransactionID,
		OutTradeNo: o.Order.OutTradeNo, Channel: "ORIGINAL", UserReceivedAccount: "支付用户零钱",
		CreateTime: wechatpay.FormatTime(ref.Created), Status: ref.Status, Amount: ref.Request.Amount,
	}
	out.Amount.PayerTotal, out.Amount.PayerRefund = ref.Request.Amount.Total, ref.Request.Amount.Refund
	if !ref.Finished.IsZero() {
		out.SuccessTime = wechatpay.FormatTime(ref.Finished)
	}
	return out
}
