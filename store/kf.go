package store

import (
	"context"
	"encoding/json"
	"sort"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// kfSyncRecord is one 微信客服 account's pull state. The callback only says
// "messages wait" and hands over a token; the messages themselves are pulled
// afterwards, so the notice is kept here until the pull has run to the end.
type kfSyncRecord struct {
	V int `json:"v"`
	// Cursor is the next_cursor of the last page stored; empty before the
	// first pull, when sync_msg starts from the oldest message it keeps.
	Cursor string `json:"cursor,omitempty"`
	// Token is the sync token of the latest callback (valid ten minutes).
	Token string `json:"token,omitempty"`
	// Pending is set by a callback and cleared once a pull reached the end.
	Pending bool `json:"pending,omitempty"`
	// Gen counts callbacks, so that a pull that started before a callback
	// does not clear the pending mark that callback set.
	Gen uint64 `json:"gen"`
}

func getKfSync(tx *bolt.Tx, openKfID string) (*kfSyncRecord, error) {
	r := &kfSyncRecord{V: 1}
	raw := tx.Bucket(bucketKfSync).Get([]byte(openKfID))
	if raw == nil {
		return r, nil
	}
	if err := json.Unmarshal(raw, r); err != nil {
		return nil, err
	}
	return r, nil
}

func checkKfID(openKfID string) error {
	if openKfID == "" || len(openKfID) > 128 {
		return clienteling.FieldError("open_kfid", "must be 1 to 128 bytes")
	}
	return nil
}

// MarkKfPending records durably that openKfID has messages to pull with
// token, as a 微信客服 callback announces; the cursor is kept. It shares
// commits with concurrent callbacks. EINVALID for an empty or overlong
// openKfID, EUNAVAILABLE when storage cannot commit.
func (db *DB) MarkKfPending(ctx context.Context, openKfID, token string) error {
	if err := checkKfID(openKfID); err != nil {
		return err
	}
	return db.batch(ctx, "mark kf pending", func(tx *bolt.Tx) error {
		// May run twice, each time in a fresh transaction: the increment
		// of a rolled-back run is gone with it.
		r, err := getKfSync(tx, openKfID)
		if err != nil {
			return err
		}
		r.V, r.Token, r.Pending, r.Gen = 1, token, true, r.Gen+1
		return put(tx, bucketKfSync, []byte(openKfID), r)
	})
}

// KfSyncState returns where the pull of openKfID stands: the cursor to
// continue from, the token of the latest callback, whether a callback is
// still unserved, and the generation to hand back to FinishKfSync. An
// account never seen has everything zero.
func (db *DB) KfSyncState(ctx context.Context, openKfID string) (cursor, token string, pending bool, gen uint64, err error) {
	err = db.view(func(tx *bolt.Tx) error {
		r, err := getKfSync(tx, openKfID)
		if err != nil {
			return err
		}
		cursor, token, pending, gen = r.Cursor, r.Token, r.Pending, r.Gen
		return nil
	})
	return cursor, token, pending, gen, err
}

// PendingKf returns, sorted, the accounts whose messages are announced but
// not pulled to the end: after a restart, each is pulled again.
func (db *DB) PendingKf(ctx context.Context) ([]string, error) {
	var ids []string
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKfSync).ForEach(func(k, v []byte) error {
			var r kfSyncRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.Pending {
				ids = append(ids, string(k)) // string() copies out of the page
			}
			return nil
		})
	})
	sort.Strings(ids)
	return ids, err
}

// SaveKfCursor stores the next_cursor of a page whose messages are stored,
// so a restart goes on from there. EUNAVAILABLE when storage cannot commit.
func (db *DB) SaveKfCursor(ctx context.Context, openKfID, cursor string) error {
	if err := checkKfID(openKfID); err != nil {
		return err
	}
	return db.update("save kf cursor", func(tx *bolt.Tx) error {
		r, err := getKfSync(tx, openKfID)
		if err != nil {
			return err
		}
		r.V, r.Cursor = 1, cursor
		return put(tx, bucketKfSync, []byte(openKfID), r)
	})
}

// FinishKfSync clears the pending mark of openKfID, keeping its cursor, if
// no callback came since the pull read generation gen; cleared is false
// when one did, and that callback's messages are then still to pull.
func (db *DB) FinishKfSync(ctx context.Context, openKfID string, gen uint64) (cleared bool, err error) {
	if err := checkKfID(openKfID); err != nil {
		return false, err
	}
	err = db.update("finish kf sync", func(tx *bolt.Tx) error {
		r, err := getKfSync(tx, openKfID)
		if err != nil {
			return err
		}
		if r.Gen != gen {
			cleared = false
			return nil
		}
		cleared = true
		if !r.Pending {
			return nil
		}
		r.V, r.Pending = 1, false
		return put(tx, bucketKfSync, []byte(openKfID), r)
	})
	return cleared, err
}
