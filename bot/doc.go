// Package bot is Salon's WeChat side, the adapter that faces VIP clients and
// Tencent's servers: the Official Account, WeCom and 微信客服 callbacks, the
// dialogue, product cards and checkout pages, and every call out to WeChat.
// silenceper/wechat is used only below this directory, wrapped so that its
// known traps (no timeouts, racy token cache, dropped errcodes, missing
// signature checks) are fixed at our edge.
package bot
