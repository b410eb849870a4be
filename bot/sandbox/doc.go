// Package sandbox is the chat of Salon's sandbox mode: a page at /sandbox
// where a newcomer writes as a demo VIP. A message written there takes the
// production path: the chat builds the signed, encrypted callback WeChat
// would deliver and posts it to the Salon's own /wechat/oa over HTTP. The
// replies are read back from the stored history and from what the
// simulated WeChat (bot/wechatsim) was asked to send and reported, and
// shown as the client's phone shows them: cards, template messages with
// WeChat's delivery report, delivery marks. The page also scans an
// associate's QR code, which the simulated WeChat pushes to /wechat/oa as
// a SCAN or subscribe event, the production path of linking a client.
//
// It reads Salon through the Service port, in the domain's terms; cmd/salon
// starts the simulator, seeds the demo maison and mounts the chat. Every
// endpoint answers only over loopback, since it lets anyone write as a
// client.
package sandbox
