package store

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// contactWayRecord is an associate's WeCom 「联系我」 configuration.
type contactWayRecord struct {
	ConfigID string `json:"config_id"`
	QRCode   string `json:"qr_code,omitempty"`
	State    string `json:"state,omitempty"`
}

func contactWayToRecord(cw *clienteling.ContactWay) *contactWayRecord {
	if cw == nil {
		return nil
	}
	return &contactWayRecord{ConfigID: cw.ConfigID, QRCode: cw.QRCode, State: cw.State}
}

func (r *contactWayRecord) domain() *clienteling.ContactWay {
	if r == nil {
		return nil
	}
	return &clienteling.ContactWay{ConfigID: r.ConfigID, QRCode: r.QRCode, State: r.State}
}

// SetAssociateQRCode implements clienteling.AssociateStore.
func (db *DB) SetAssociateQRCode(ctx context.Context, id clienteling.AssociateID, url string) (*clienteling.Associate, error) {
	return db.updateAssociateCodes(id, "set associate qr code", func(r *associateRecord) { r.QRCode = url })
}

// SetAssociateContactWay implements clienteling.AssociateStore.
func (db *DB) SetAssociateContactWay(ctx context.Context, id clienteling.AssociateID, cw *clienteling.ContactWay) (*clienteling.Associate, error) {
	return db.updateAssociateCodes(id, "set associate contact way", func(r *associateRecord) { r.WeCom = contactWayToRecord(cw) })
}

// updateAssociateCodes changes one associate record in one transaction.
func (db *DB) updateAssociateCodes(id clienteling.AssociateID, op string, change func(*associateRecord)) (*clienteling.Associate, error) {
	var out *clienteling.Associate
	err := db.update(op, func(tx *bolt.Tx) error {
		var r associateRecord
		if err := get(tx, bucketAssociates, []byte(id), &r, "associate"); err != nil {
			return err
		}
		change(&r)
		out = r.domain(string(id))
		return put(tx, bucketAssociates, []byte(id), &r)
	})
	return out, err
}
