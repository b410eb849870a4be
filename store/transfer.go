package store

import (
	"bytes"
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

var _ clienteling.TransferStore = (*DB)(nil)

// TransferBook implements clienteling.TransferStore. The whole move is one
// bbolt transaction, so a book of any size moves entirely or not at all;
// it is not batched with other writers because it may run long and must
// not run twice.
func (db *DB) TransferBook(ctx context.Context, t *clienteling.Transfer, decide clienteling.TransferDecider,
	summary func(to *clienteling.Associate, moved []clienteling.CustomerID) []clienteling.Event) (int, error) {
	var moved []clienteling.CustomerID
	err := db.update("transfer clients", func(tx *bolt.Tx) error {
		moved = nil
		now := db.now().UTC()
		var rec associateRecord
		if err := get(tx, bucketAssociates, []byte(t.To), &rec, "associate"); clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
			return &clienteling.Error{Code: clienteling.ENOTFOUND, Field: "to", Message: "no associate " + string(t.To)}
		} else if err != nil {
			return err
		}
		to := rec.domain(string(t.To))
		ids, err := transferSet(tx, t)
		if err != nil {
			return err
		}
		for _, id := range ids {
			c, err := findCustomer(tx, []byte(id))
			if err != nil {
				return err
			}
			var oa *clienteling.Window
			for _, x := range c.Identities {
				if x.Channel == clienteling.ChannelOA {
					w, err := serviceWindow(tx, c.ID, clienteling.ChannelOA, now)
					if err != nil {
						return err
					}
					oa = &w
					break
				}
			}
			move := decide(c, to, oa, now)
			if _, err := updateCustomer(tx, c.ID, now, func(c *clienteling.Customer) error {
				c.Advisor, c.Boutique = to.UserID, to.Boutique
				return nil
			}); err != nil {
				return err
			}
			if err := db.transferConversation(tx, c.ID, t.From, to, now); err != nil {
				return err
			}
			if move.Courtesy != nil {
				if err := enqueueTx(tx, move.Courtesy, move.CourtesyTo); err != nil {
					return err
				}
			}
			if err := writeEvents(tx, move.Events, now); err != nil {
				return err
			}
			moved = append(moved, c.ID)
		}
		if summary != nil {
			return writeEvents(tx, summary(to, moved), now)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(moved), nil
}

// transferSet returns the ids t moves: the listed ones, each checked to be
// in t.From's book, or the whole book from the advisor index. Ids are
// copied out of the index, which updateCustomer is about to change.
func transferSet(tx *bolt.Tx, t *clienteling.Transfer) ([]clienteling.CustomerID, error) {
	adv := tx.Bucket(bucketAdvisorIndex)
	if len(t.Customers) > 0 {
		for _, id := range t.Customers {
			// A client who does not exist and one in another book get the
			// same answer, so the check reveals nothing about other books.
			if adv.Get(joinKey(string(t.From), string(id))) == nil {
				return nil, &clienteling.Error{Code: clienteling.EINVALID, Field: "customers",
					Message: "customer " + string(id) + " is not in " + string(t.From) + "'s book; nothing was transferred"}
			}
		}
		return t.Customers, nil
	}
	var ids []clienteling.CustomerID
	prefix := joinKey(string(t.From), "")
	c := adv.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, clienteling.CustomerID(string(k[len(prefix):])))
	}
	return ids, nil
}

// enqueueTx appends outbound message m to its client's history and queues
// it for delivery to to, in tx: what Enqueue does, for a caller that has
// already decided the service window allows it.
func enqueueTx(tx *bolt.Tx, m *clienteling.Message, to clienteling.Identity) error {
	if err := clienteling.Validate(m); err != nil {
		return err
	}
	if _, err := appendMessage(tx, m); err != nil {
		return err
	}
	seq, err := tx.Bucket(bucketOutbound).NextSequence()
	if err != nil {
		return err
	}
	return put(tx, bucketOutbound, u64(seq), &outboundRecord{V: 1, Message: string(m.ID),
		Channel: to.Channel, ExternalID: to.ExternalID, State: outboundQueued})
}
