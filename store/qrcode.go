package store

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// SetAssociateQRCode implements clienteling.AssociateStore.
func (db *DB) SetAssociateQRCode(ctx context.Context, id clienteling.AssociateID, url string) (*clienteling.Associate, error) {
	var out *clienteling.Associate
	err := db.update("set associate qr code", func(tx *bolt.Tx) error {
		var r associateRecord
		if err := get(tx, bucketAssociates, []byte(id), &r, "associate"); err != nil {
			return err
		}
		r.QRCode = url
		out = r.domain(string(id))
		return put(tx, bucketAssociates, []byte(id), &r)
	})
	return out, err
}
