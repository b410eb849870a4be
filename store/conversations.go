package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

var _ clienteling.ConversationStore = (*DB)(nil)

// conversationRecord is a conversation as stored.
type conversationRecord struct {
	V int `json:"v"`
	clienteling.Conversation
}

// timerKeyLen is the length of a timerKey.
const timerKeyLen = 8 + clienteling.IDLen

// timerKey orders timers by due time:
//
//	[0:8]  due time, Unix nanoseconds, big-endian
//	[8:34] customer id
func timerKey(at time.Time, customer clienteling.CustomerID) []byte {
	k := make([]byte, timerKeyLen)
	binary.BigEndian.PutUint64(k, uint64(at.UnixNano()))
	copy(k[8:], customer)
	return k
}

// findConversation returns the client's conversation, or nil if they never
// wrote.
func findConversation(tx *bolt.Tx, id clienteling.CustomerID) (*clienteling.Conversation, error) {
	raw := tx.Bucket(bucketConversations).Get([]byte(id))
	if raw == nil {
		return nil, nil
	}
	var r conversationRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	return &r.Conversation, nil
}

// putConversation stores now in place of old (nil for a first one), keeping
// the load and queue indexes and the timer in step with it.
func putConversation(tx *bolt.Tx, old, now *clienteling.Conversation) error {
	if err := indexConversation(tx, old, false); err != nil {
		return err
	}
	if err := indexConversation(tx, now, true); err != nil {
		return err
	}
	return put(tx, bucketConversations, []byte(now.Customer), &conversationRecord{V: 1, Conversation: *now})
}

// indexConversation adds (or, with add unset, removes) c's index entries
// and timer. Only waiting conversations are indexed: a load is what one
// still owes.
func indexConversation(tx *bolt.Tx, c *clienteling.Conversation, add bool) error {
	if !c.Waiting() {
		return nil
	}
	var entries [][2][]byte
	if c.Assignee != "" {
		entries = append(entries, [2][]byte{bucketConvAssigneeIndex, joinKey(string(c.Assignee), string(c.Customer))})
	}
	if c.Boutique != "" {
		entries = append(entries, [2][]byte{bucketConvBoutiqueIndex, joinKey(string(c.Boutique), string(c.Customer))})
	}
	if at, stage := c.NextTimer(); stage != "" {
		entries = append(entries, [2][]byte{bucketTimers, timerKey(at, c.Customer)})
	}
	for _, e := range entries {
		b := tx.Bucket(e[0])
		var err error
		if add {
			err = b.Put(e[1], nil)
		} else {
			err = b.Delete(e[1])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// deleteConversation removes a client's conversation, its index entries
// and timer (erasure, merge).
func deleteConversation(tx *bolt.Tx, id clienteling.CustomerID) error {
	c, err := findConversation(tx, id)
	if err != nil || c == nil {
		return err
	}
	if err := indexConversation(tx, c, false); err != nil {
		return err
	}
	return tx.Bucket(bucketConversations).Delete([]byte(id))
}

// converse runs the desk when client c has written at now: a client the
// brand owes nothing opens a wait, routed and timed; a client already
// waiting keeps their place. Returns the conversation and the events of the
// routing. The client's boutique is set from the routing if they had none,
// so that its managers can see whom they are serving.
func (db *DB) converse(tx *bolt.Tx, c *clienteling.Customer, now time.Time) (*clienteling.Customer, *clienteling.Conversation, []clienteling.Event, error) {
	old, err := findConversation(tx, c.ID)
	if err != nil {
		return nil, nil, nil, err
	}
	if old.Waiting() {
		return c, old, nil, nil
	}
	in, err := db.routeInput(tx, c, now)
	if err != nil {
		return nil, nil, nil, err
	}
	var prev *clienteling.Conversation
	if old != nil {
		cp := *old
		prev = &cp
	}
	conv, events := db.desk.Open(old, c, in)
	if err := putConversation(tx, prev, conv); err != nil {
		return nil, nil, nil, err
	}
	if c.Boutique == "" && conv.Boutique != "" {
		if c, err = updateCustomer(tx, c.ID, now, func(c *clienteling.Customer) error {
			c.Boutique = conv.Boutique
			return nil
		}); err != nil {
			return nil, nil, nil, err
		}
	}
	return c, conv, events, nil
}

// answerConversation ends the client's wait, if any, in tx: an associate
// (by; empty for an admin) wrote to them. appendMessage calls it, so every
// path that records a staff message (a reply, a card) answers.
func answerConversation(tx *bolt.Tx, id clienteling.CustomerID, by clienteling.AssociateID, now time.Time) error {
	old, err := findConversation(tx, id)
	if err != nil || !old.Waiting() {
		return err
	}
	prev := *old
	conv, events := clienteling.Answer(old, by, now)
	if err := putConversation(tx, &prev, conv); err != nil {
		return err
	}
	return writeEvents(tx, events, now)
}

// routeInput gathers, in tx, what routing needs to know about client c.
func (db *DB) routeInput(tx *bolt.Tx, c *clienteling.Customer, now time.Time) (clienteling.RouteInput, error) {
	in := clienteling.RouteInput{Now: now, HadAdvisor: c.Advisor != ""}
	boutique := c.Boutique
	if c.Advisor != "" {
		var r associateRecord
		err := get(tx, bucketAssociates, []byte(c.Advisor), &r, "associate")
		switch {
		case err == nil:
			in.Advisor = r.domain(string(c.Advisor))
			boutique = in.Advisor.Boutique
		case clienteling.ErrorCode(err) != clienteling.ENOTFOUND:
			return in, err
		}
	}
	if boutique == "" {
		boutique = db.fallbackBoutique(tx)
	}
	if boutique == "" {
		return in, nil
	}
	var br boutiqueRecord
	if err := get(tx, bucketBoutiques, []byte(boutique), &br, "boutique"); clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
		return in, nil
	} else if err != nil {
		return in, err
	}
	in.Boutique = br.domain(string(boutique))
	if clienteling.OnDuty(in.Advisor, in.Boutique, now) {
		return in, nil // the usual case: their own advisor answers, nobody else is ranked
	}
	staff, err := staffLoads(tx, boutique)
	in.Staff = staff
	return in, err
}

// staffLoads returns the boutique's associates with the number of
// conversations waiting for each. Associates are few; the scan is cheap.
func staffLoads(tx *bolt.Tx, boutique clienteling.BoutiqueID) ([]clienteling.StaffLoad, error) {
	var out []clienteling.StaffLoad
	load := tx.Bucket(bucketConvAssigneeIndex).Cursor()
	err := tx.Bucket(bucketAssociates).ForEach(func(k, v []byte) error {
		var r associateRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if r.Boutique != string(boutique) {
			return nil
		}
		prefix := joinKey(string(k), "")
		n := 0
		for lk, _ := load.Seek(prefix); lk != nil && bytes.HasPrefix(lk, prefix); lk, _ = load.Next() {
			n++
		}
		out = append(out, clienteling.StaffLoad{Associate: r.domain(string(k)), Open: n})
		return nil
	})
	return out, err
}

// Conversation implements clienteling.ConversationStore.
func (db *DB) Conversation(ctx context.Context, id clienteling.CustomerID) (*clienteling.Conversation, error) {
	var c *clienteling.Conversation
	err := db.view(func(tx *bolt.Tx) error {
		var err error
		c, err = findConversation(tx, id)
		return err
	})
	if err == nil && c == nil {
		err = clienteling.Errorf(clienteling.ENOTFOUND, "conversation not found")
	}
	return c, err
}

// maxConversationList bounds one listing.
const maxConversationList = 500

// Conversations implements clienteling.ConversationStore.
func (db *DB) Conversations(ctx context.Context, f clienteling.ConversationFilter) ([]*clienteling.Conversation, error) {
	if f.Limit <= 0 || f.Limit > maxConversationList {
		f.Limit = maxConversationList
	}
	var out []*clienteling.Conversation
	err := db.view(func(tx *bolt.Tx) error {
		var ids [][]byte
		switch {
		case f.Assignee != "":
			ids = indexedIDs(tx, bucketConvAssigneeIndex, string(f.Assignee))
		case f.Boutique != "":
			ids = indexedIDs(tx, bucketConvBoutiqueIndex, string(f.Boutique))
		default:
			err := tx.Bucket(bucketConversations).ForEach(func(k, _ []byte) error {
				ids = append(ids, k)
				return nil
			})
			if err != nil {
				return err
			}
		}
		for _, id := range ids {
			c, err := findConversation(tx, clienteling.CustomerID(id))
			if err != nil {
				return err
			}
			if c == nil || !c.Waiting() || (f.Boutique != "" && c.Boutique != f.Boutique) ||
				(f.Assignee != "" && c.Assignee != f.Assignee) || (f.Escalated && !c.Escalated) {
				continue
			}
			out = append(out, c)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b *clienteling.Conversation) int { return a.WaitingSince.Compare(b.WaitingSince) })
	if len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, err
}

// indexedIDs returns the customer ids under prefix|sep in an index.
func indexedIDs(tx *bolt.Tx, bucket []byte, prefix string) [][]byte {
	var ids [][]byte
	p := joinKey(prefix, "")
	c := tx.Bucket(bucket).Cursor()
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
		ids = append(ids, bytes.Clone(k[len(p):]))
	}
	return ids
}

// AssignConversation implements clienteling.ConversationStore.
func (db *DB) AssignConversation(ctx context.Context, id clienteling.CustomerID, to, by clienteling.AssociateID) (*clienteling.Conversation, error) {
	var out *clienteling.Conversation
	err := db.batch(ctx, "assign conversation", func(tx *bolt.Tx) error {
		now := db.now().UTC()
		old, err := findConversation(tx, id)
		if err != nil {
			return err
		}
		if old == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "conversation not found")
		}
		var r associateRecord
		if err := get(tx, bucketAssociates, []byte(to), &r, "associate"); err != nil {
			return withField(err, "associate")
		}
		prev := *old
		conv, events := db.desk.Assign(old, r.domain(string(to)), by, now)
		if err := putConversation(tx, &prev, conv); err != nil {
			return err
		}
		out = conv
		return writeEvents(tx, events, now)
	})
	return out, err
}

// withField names field in a domain error.
func withField(err error, field string) error {
	if de, ok := err.(*clienteling.Error); ok {
		cp := *de
		cp.Field = field
		return &cp
	}
	return err
}

// FireTimers implements clienteling.ConversationStore.
func (db *DB) FireTimers(ctx context.Context, now time.Time, limit int) (int, time.Time, error) {
	// Most calls find nothing due: answer those from a read transaction,
	// without a commit and its fsync.
	var next time.Time
	if err := db.view(func(tx *bolt.Tx) error {
		if k, _ := tx.Bucket(bucketTimers).Cursor().First(); k != nil {
			next = time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC()
		}
		return nil
	}); err != nil || next.IsZero() || next.After(now) {
		return 0, next, err
	}
	var fired int
	err := db.batch(ctx, "fire timers", func(tx *bolt.Tx) error {
		fired, next = 0, time.Time{}
		limitKey := timerKey(now, clienteling.CustomerID(bytes.Repeat([]byte{0xff}, clienteling.IDLen)))
		var due [][]byte
		c := tx.Bucket(bucketTimers).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k, limitKey) <= 0 && len(due) < limit; k, _ = c.Next() {
			due = append(due, bytes.Clone(k))
		}
		for _, k := range due {
			if err := db.fire(tx, k, now); err != nil {
				return err
			}
			fired++
		}
		if k, _ := tx.Bucket(bucketTimers).Cursor().First(); k != nil {
			next = time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC()
		}
		return nil
	})
	return fired, next, err
}

// fire runs the timer under key in tx. A timer that no longer matches its
// conversation (answered, reassigned) is dropped.
func (db *DB) fire(tx *bolt.Tx, key []byte, now time.Time) error {
	id := clienteling.CustomerID(key[8:])
	at := time.Unix(0, int64(binary.BigEndian.Uint64(key)))
	old, err := findConversation(tx, id)
	if err != nil {
		return err
	}
	if old == nil {
		return tx.Bucket(bucketTimers).Delete(key)
	}
	want, stage := old.NextTimer()
	if stage == "" || !want.Equal(at) {
		return tx.Bucket(bucketTimers).Delete(key)
	}
	var in clienteling.RouteInput
	if stage == clienteling.StageRemind && old.Assignee == "" {
		c, err := findCustomer(tx, []byte(id))
		if err != nil {
			return err
		}
		if in, err = db.routeInput(tx, c, now); err != nil {
			return err
		}
	}
	prev := *old
	conv, events := db.desk.Fire(old, stage, in)
	if err := putConversation(tx, &prev, conv); err != nil {
		return err
	}
	return writeEvents(tx, events, now)
}

// mergeConversation keeps, for one person found under two clients, the
// wait that is still owed: from's conversation moves to into unless into
// is waiting already.
func mergeConversation(tx *bolt.Tx, from, into clienteling.CustomerID) error {
	src, err := findConversation(tx, from)
	if err != nil || src == nil {
		return err
	}
	dst, err := findConversation(tx, into)
	if err != nil {
		return err
	}
	if err := deleteConversation(tx, from); err != nil {
		return err
	}
	if !src.Waiting() || dst.Waiting() {
		return nil
	}
	moved := *src
	moved.Customer = into
	return putConversation(tx, dst, &moved)
}

// fallbackBoutique is where clients of no boutique go: the configured
// default, else the first boutique by id; empty when there is none.
func (db *DB) fallbackBoutique(tx *bolt.Tx) clienteling.BoutiqueID {
	if db.desk.DefaultBoutique != "" {
		return db.desk.DefaultBoutique
	}
	if k, _ := tx.Bucket(bucketBoutiques).Cursor().First(); k != nil {
		return clienteling.BoutiqueID(k)
	}
	return ""
}

// transferConversation hands a client's wait, if the old advisor owed it,
// to their new advisor, in the transaction of the transfer.
func (db *DB) transferConversation(tx *bolt.Tx, id clienteling.CustomerID, from clienteling.AssociateID, to *clienteling.Associate, now time.Time) error {
	old, err := findConversation(tx, id)
	if err != nil || !old.Waiting() || (old.Assignee != from && old.Assignee != "") {
		return err
	}
	prev := *old
	return putConversation(tx, &prev, db.desk.Transfer(old, to, now))
}

// handOver sends the conversations waiting for associate a, who can no
// longer answer, to their boutique's queue in tx, with the events of each
// offer. Loads are counted afresh for each, so that several spread over
// the colleagues on duty. Answered conversations stay: a follow-up is not
// owed.
func (db *DB) handOver(tx *bolt.Tx, a *clienteling.Associate, reason string, now time.Time) error {
	for _, id := range indexedIDs(tx, bucketConvAssigneeIndex, string(a.UserID)) {
		old, err := findConversation(tx, clienteling.CustomerID(id))
		if err != nil {
			return err
		}
		if !old.Waiting() || old.Assignee != a.UserID {
			continue
		}
		boutique := old.Boutique
		if boutique == "" {
			boutique = a.Boutique
		}
		in := clienteling.RouteInput{Now: now}
		var br boutiqueRecord
		switch err := get(tx, bucketBoutiques, []byte(boutique), &br, "boutique"); {
		case err == nil:
			in.Boutique = br.domain(string(boutique))
			if in.Staff, err = staffLoads(tx, boutique); err != nil {
				return err
			}
		case clienteling.ErrorCode(err) != clienteling.ENOTFOUND:
			return err
		}
		prev := *old
		conv, events := db.desk.HandOver(old, reason, in)
		if err := putConversation(tx, &prev, conv); err != nil {
			return err
		}
		if err := writeEvents(tx, events, now); err != nil {
			return err
		}
	}
	return nil
}
