// Package callback is the door of Salon's WeChat side: it turns an HTTP
// request that claims to come from WeChat into a verified, decrypted and
// parsed Inbound, or into a *RejectError that says which status to answer
// and which reason to count. It serves the three callback URLs of the
// contract: OA for the Official Account (/wechat/oa, in plaintext,
// compatible and safe mode), WeComApp for the WeCom self-built app and its
// customer-contact events (/wecom/app), and KF for WeCom customer service,
// 微信客服 (/wecom/kf).
//
// Every callback goes through the same checks, in this order: the method;
// a body of at most MaxBody bytes, refused before any of it is parsed; the
// signature, compared in constant time; a timestamp within MaxSkew of the
// injected clock; decryption, and the AppID or CorpID sealed into the
// ciphertext; then the XML and the fields its endpoint cannot do without.
// Signing and AES go through silenceper's util package, the code the
// wechattest builders use and test against Tencent's published vectors;
// parsing uses this package's own structs, since silenceper reads MsgId as
// a number and WeCom's are not always numbers.
//
// It stores nothing and writes no response. The handler that wires it to
// storage answers the echo of a URL check, NoReply or a Reply once the
// message is durable, and Status(err) otherwise; it deduplicates WeChat's
// redeliveries by Inbound.DedupeKey and logs Inbound and RejectError as
// they are, since neither shows message content or whole ids.
//
// In plaintext mode no signature covers the body, so a plaintext Inbound
// (ModePlain) is a claim by whoever held a recently signed URL. Safe mode is
// the one to run in production; once an EncodingAESKey is configured, OA
// refuses plaintext POSTs unless told otherwise.
package callback
