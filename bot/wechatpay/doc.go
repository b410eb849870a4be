// Package wechatpay is a small client of WeChat Pay's API v3 for direct
// merchants, built on the standard library's crypto because silenceper's pay
// package speaks only the legacy v2 API. It knows WeChat Pay's wire format
// and nothing of Salon's orders: it signs requests with the merchant's RSA
// key (WECHATPAY2-SHA256-RSA2048), verifies every answer and notification
// against the WeChat Pay public key or platform certificates, decrypts the
// AEAD_AES_256_GCM resources of notifications, and computes the paySign that
// a page hands to WeixinJSBridge's getBrandWCPayRequest.
//
// Bodies read from WeChat Pay are bounded, every call carries a deadline,
// and no error this package returns contains a key, a signature or the
// decrypted content of a notification.
package wechatpay
