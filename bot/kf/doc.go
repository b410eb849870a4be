// Package kf pulls 微信客服 (WeCom customer service) messages. Its callback
// carries no message, only "messages wait for this account" and a sync
// token; the messages are then pulled with kf/sync_msg, page by page. The
// notice is made durable before it is acknowledged, and the pull keeps its
// cursor in the store, so that neither a crash nor a restart loses or
// repeats a client's message. It sits in bot/ beside the other WeChat
// adapters and meets the rest of Salon in the domain's terms: it stores
// what clients wrote through clienteling.InboxStore.
package kf
