// Package wechattest stands in for WeChat in Salon's tests and in its sandbox
// mode. It has two halves, one for each direction of traffic.
//
// Inbound, WeChat calls Salon: the builders (OA, WeCom, Msg) produce the
// callbacks that the Official Account platform, WeCom and WeCom customer
// service (微信客服) deliver to /wechat/oa, /wecom/app and /wecom/kf, signed
// and encrypted exactly as Tencent does, with a settable clock, nonce and
// random so that a test can also build a stale, forged or replayed one. Their
// tests pin them to Tencent's published WXBizMsgCrypt vectors, so a handler
// that accepts these callbacks accepts WeChat's.
//
// Outbound, Salon calls WeChat: Server is a fake of the WeChat, WeCom and
// WeChat Pay (API v2) HTTP APIs on loopback. It issues access tokens that
// expire and refuses stale ones with WeChat's error codes, records every call,
// serves scripted 微信客服 message pages, checks Pay signatures, and injects
// failures (HTTP errors, error codes, delays, hangs) on demand. It takes no
// *testing.T in its core API, so the sandbox of the real binary runs it too.
//
// Cryptography and signing go through silenceper/wechat's util package, the
// same code the bot uses, so the two cannot drift apart silently; the tests
// here check that code against Tencent's vectors.
//
// This package is test support: it never talks to the real WeChat, and
// nothing outside tests and the sandbox should import it.
package wechattest
