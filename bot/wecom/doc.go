// Package wecom is Salon's WeCom side for staff: it makes associates'
// 「联系我」 contact ways, sends their notifications as WeCom app messages
// (within WeCom's per-member limit, the excess folded into digests), and
// mirrors Salon's transfers of clients to WeCom's transfer_customer.
//
// Notifications and transfers arrive as JetStream messages from the
// outbox relay; each is consumed by a durable pull consumer and
// acknowledged only once WeCom accepted what it asked for, so that a crash
// or an outage of WeCom delays them but loses none.
package wecom
