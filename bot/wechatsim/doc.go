// Package wechatsim simulates WeChat for Salon's sandbox mode and its tests.
// It is production code: the sandbox of the real binary runs it, so it takes
// no *testing.T and links no test support; bot/wechattest wraps it for tests.
// It has two halves, one for each direction of traffic.
//
// Inbound, WeChat calls Salon: the builders (OA, WeCom, Msg) produce the
// callbacks that the Official Account platform, WeCom and WeCom customer
// service (微信客服) deliver to /wechat/oa, /wecom/app and /wecom/kf, signed
// and encrypted exactly as Tencent does, with a settable clock, nonce and
// random so that a caller can also build a stale, forged or replayed one.
// Their tests pin them to Tencent's published WXBizMsgCrypt vectors, so a
// handler that accepts these callbacks accepts WeChat's.
//
// Outbound, Salon calls WeChat: Server simulates the WeChat, WeCom and
// WeChat Pay (API v2 and v3) HTTP APIs with an http.Server on a net.Listener. It
// issues access tokens that expire and refuses stale ones with WeChat's
// error codes, records every call, serves scripted 微信客服 message pages,
// checks Pay signatures, and injects failures (HTTP errors, error codes,
// delays, hangs) on demand.
//
// Each simulated API family has its own file, so adding one is adding a
// file and a route call in newServer: tokens.go (access tokens of every
// family), oa.go (Official Account), send.go (message bodies the send APIs share),
// wecom.go (WeCom app and customer contact), kf.go (微信客服), pay.go
// (WeChat Pay v2), payv3.go with payv3_keys.go and payv3_notify.go (WeChat
// Pay v3: orders, refunds, notifications, key pairs), oauth.go (Official
// Account web authorisation). server.go holds what they share; faults.go
// and record.go are the failure injection and the call log; push.go pushes
// events back to the account's server as WeChat does (TEMPLATESENDJOBFINISH,
// QR scans); state.go keeps the sends and pushes in a file, so that a
// sandbox restarted on the same data dir still knows what users were sent.
//
// Cryptography and signing go through silenceper/wechat's util package and,
// for Pay v3, bot/wechatpay: the same code the bot uses, so the two cannot
// drift apart silently; the tests of that code pin it to Tencent's vectors
// and documented examples.
//
// The simulator never talks to the real WeChat.
package wechatsim
