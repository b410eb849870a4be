package store

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// UpdateAssociate implements clienteling.AssociateUpdater: fn changes the
// associate read in the transaction that writes it back; a departure
// revokes their tokens and ends their console sessions in it, and going away or leaving hands their
// waiting conversations over in it. Userid and boutique do not change
// here: a move between boutiques is a transfer.
func (db *DB) UpdateAssociate(ctx context.Context, id clienteling.AssociateID, fn func(*clienteling.Associate) error) (*clienteling.Associate, error) {
	var out *clienteling.Associate
	err := db.update("update associate", func(tx *bolt.Tx) error {
		var r associateRecord
		if err := get(tx, bucketAssociates, []byte(id), &r, "associate"); err != nil {
			return err
		}
		a := r.domain(string(id))
		was := a.Status
		if err := fn(a); err != nil {
			return err
		}
		a.UserID, a.Boutique = id, clienteling.BoutiqueID(r.Boutique)
		if err := clienteling.Validate(a); err != nil {
			return err
		}
		if a.Status == clienteling.StatusDeparted && was != clienteling.StatusDeparted {
			if err := revokeSubjectTokens(tx, string(id), db.now().UTC()); err != nil {
				return err
			}
			if err := endSubjectSessions(tx, string(id)); err != nil {
				return err
			}
		}
		out = a
		if err := put(tx, bucketAssociates, []byte(id), associateToRecord(a)); err != nil {
			return err
		}
		// Written first, so that the hand-over sees them off duty.
		if reason := clienteling.HandOverReason(was, a.Status); reason != "" {
			return db.handOver(tx, a, reason, db.now().UTC())
		}
		return nil
	})
	return out, err
}
