package store

import (
	"encoding/binary"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// Buckets. Flat and large, with composite keys, rather than one nested bucket
// per client: bbolt fills pages better that way, and a scan by prefix is as
// cheap as a nested bucket.
var (
	// bucketMeta holds keyMetaSchema, keyMetaAdminToken and keyMetaCardKey.
	bucketMeta = []byte("meta")
	// bucketBoutiques: boutique id -> boutiqueRecord.
	bucketBoutiques = []byte("boutiques")
	// bucketAssociates: userid -> associateRecord.
	bucketAssociates = []byte("associates")
	// bucketCustomers: customer id (26 bytes) -> customerRecord.
	bucketCustomers = []byte("customers")
	// bucketIdentityIndex: channel | 0x00 | external id -> customer id.
	bucketIdentityIndex = []byte("idx_identity")
	// bucketUnionIndex: unionid -> customer id.
	bucketUnionIndex = []byte("idx_unionid")
	// bucketAdvisorIndex: advisor userid | 0x00 | customer id -> empty.
	bucketAdvisorIndex = []byte("idx_advisor")
	// bucketBoutiqueIndex: boutique id | 0x00 | customer id -> empty.
	bucketBoutiqueIndex = []byte("idx_boutique")
	// bucketMessages: messageKey -> messageRecord.
	bucketMessages = []byte("messages")
	// bucketMessageIndex: message id -> messageKey.
	bucketMessageIndex = []byte("idx_message")
	// bucketDedupe: dedupe key of a delivery -> message id.
	bucketDedupe = []byte("dedupe")
	// bucketProducts: sku -> productRecord.
	bucketProducts = []byte("products")
	// bucketTokens: sha256 of the secret (32 bytes) -> tokenRecord.
	bucketTokens = []byte("tokens")
	// bucketOutbox: sequence (8 bytes, big-endian) -> outboxRecord. Events
	// wait here, in commit order, until the relay has them acknowledged.
	bucketOutbox = []byte("outbox")
	// bucketKfSync: open_kfid -> kfSyncRecord. Where each 微信客服 account's
	// sync_msg cursor stands, and whether a callback announced messages that
	// are not pulled yet. A handful of keys: one per customer-service account.
	bucketKfSync = []byte("kf_sync")
	// bucketProfilePending: customer id -> identityKey of the channel that
	// introduced them. New clients whose profile (language, unionid) is
	// still to be fetched from WeChat; written in the receiving transaction
	// so that a crash before the fetch does not forget it.
	bucketProfilePending = []byte("profile_pending")
	// bucketOutbound: sequence (8 bytes, big-endian) -> outboundRecord. The
	// outbound queue, in the order messages were queued; an entry lives
	// from the reply that queued it until its message is sent or failed.
	bucketOutbound = []byte("outbound")
	// bucketNotes: noteKey -> noteRecord. Associates' notes on clients, in
	// time order per client, as messages are.
	bucketNotes = []byte("notes")
	// bucketConversations: customer id -> conversationRecord. Where each
	// client's conversation with the brand stands: waiting or answered, who
	// must answer, when the reply is due, and how it was routed.
	bucketConversations = []byte("conversations")
	// bucketConvAssigneeIndex: assignee userid | 0x00 | customer id ->
	// empty, for conversations waiting for that associate: their load.
	bucketConvAssigneeIndex = []byte("idx_conv_assignee")
	// bucketConvBoutiqueIndex: boutique id | 0x00 | customer id -> empty,
	// for conversations waiting in that boutique: its queue.
	bucketConvBoutiqueIndex = []byte("idx_conv_boutique")
	// bucketTimers: due time (Unix nanoseconds, big-endian) | customer id ->
	// timerRecord. Reply-due reminders and escalations, in due order, so
	// that they survive restarts.
	bucketTimers = []byte("timers")
	// bucketWxTokens: token key -> wxTokenRecord. WeChat access tokens kept
	// across restarts, so that restarts do not spend the daily fetch quota.
	bucketWxTokens = []byte("wx_tokens")
	// bucketBrands: brand id -> brandRecord.
	bucketBrands = []byte("brands")
	// bucketCards: card id -> cardRecord. Product cards sent to clients,
	// with the snapshot of the product their page shows.
	bucketCards = []byte("cards")
	// bucketCardCustomerIndex: customer id (26 bytes) | card id -> empty,
	// so that a client's cards go with them on erasure and merge.
	bucketCardCustomerIndex = []byte("idx_card_customer")
)

// allBuckets is every bucket of the current schema, in creation order.
var allBuckets = [][]byte{
	bucketMeta, bucketBoutiques, bucketAssociates, bucketCustomers,
	bucketIdentityIndex, bucketUnionIndex, bucketAdvisorIndex, bucketBoutiqueIndex,
	bucketMessages, bucketMessageIndex, bucketDedupe, bucketProducts, bucketTokens,
	bucketOutbox, bucketKfSync, bucketProfilePending, bucketOutbound,
	bucketNotes, bucketConversations, bucketConvAssigneeIndex, bucketConvBoutiqueIndex,
	bucketTimers, bucketWxTokens, bucketBrands, bucketCards, bucketCardCustomerIndex,
}

// Keys of bucketMeta.
var (
	keyMetaSchema     = []byte("schema_version") // uint64 big-endian
	keyMetaAdminToken = []byte("admin_token")    // sha256 of the bootstrap admin token
	keyMetaCardKey    = []byte("card_key")       // the HMAC key of card links, 32 bytes
)

// sep separates the variable-length parts of composite keys. Ids are
// validated never to contain it.
const sep = 0x00

// messageKeyLen is the length of a messageKey.
const messageKeyLen = clienteling.IDLen + 8 + 8

// messageKey orders a client's messages by time. Byte by byte:
//
//	[0:26]  customer id (fixed width, see clienteling.IDLen)
//	[26:34] message time, Unix nanoseconds, big-endian
//	[34:42] bucket sequence number, big-endian, to break ties
//
// Big-endian nanoseconds sort as time does; RFC 3339 strings do not.
func messageKey(customer clienteling.CustomerID, at time.Time, seq uint64) []byte {
	k := make([]byte, messageKeyLen)
	copy(k, customer)
	binary.BigEndian.PutUint64(k[26:], uint64(at.UnixNano()))
	binary.BigEndian.PutUint64(k[34:], seq)
	return k
}

// noteKey orders a client's notes by time; laid out as messageKey:
//
//	[0:26]  customer id
//	[26:34] note time, Unix nanoseconds, big-endian
//	[34:42] bucket sequence number, big-endian, to break ties
func noteKey(customer clienteling.CustomerID, at time.Time, seq uint64) []byte {
	return messageKey(customer, at, seq)
}

// identityKey is channel | 0x00 | external id.
func identityKey(id clienteling.Identity) []byte {
	return joinKey(id.Channel, id.ExternalID)
}

// joinKey joins a and b with sep.
func joinKey(a, b string) []byte {
	k := make([]byte, 0, len(a)+1+len(b))
	k = append(k, a...)
	k = append(k, sep)
	return append(k, b...)
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}
