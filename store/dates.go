package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// keyMetaDatesUntil (in bucketMeta) is the end of the last window whose
// important-date reminders were written: Unix nanoseconds, big-endian.
var keyMetaDatesUntil = []byte("dates_reminded_until")

// firstDateWindow is how far back the very first sweep looks, so that a
// new installation reminds of what falls due today, not of every past year.
const firstDateWindow = 24 * time.Hour

// RemindDates implements clienteling.ConversationStore. The clients are
// read in a read transaction, which does not hold up writers; the
// reminders and the new mark are then written together, and only if no
// other sweep moved the mark meanwhile, so each is written once.
func (db *DB) RemindDates(ctx context.Context, now time.Time) (int, error) {
	var from time.Time
	var events []clienteling.Event
	err := db.view(func(tx *bolt.Tx) error {
		from = datesMark(tx, now)
		if !now.After(from) {
			return nil
		}
		zones := map[string]*time.Location{}
		return tx.Bucket(bucketCustomers).ForEach(func(k, v []byte) error {
			if !bytes.Contains(v, []byte(`"dates"`)) {
				return nil // most clients have none: skip the decoding
			}
			var r customerRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			c := r.domain(string(k))
			events = append(events, clienteling.DateReminders(c, boutiqueZone(tx, zones, c.Boutique), from, now)...)
			return nil
		})
	})
	if err != nil || !now.After(from) {
		return 0, err
	}
	err = db.update("remind dates", func(tx *bolt.Tx) error {
		if !datesMark(tx, now).Equal(from) {
			events = nil
			return nil
		}
		if err := writeEvents(tx, events, now); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyMetaDatesUntil, u64(uint64(now.UnixNano())))
	})
	return len(events), err
}

// datesMark is where the last sweep ended, or a day before now if none ran.
func datesMark(tx *bolt.Tx, now time.Time) time.Time {
	if v := tx.Bucket(bucketMeta).Get(keyMetaDatesUntil); len(v) == 8 {
		return time.Unix(0, int64(binary.BigEndian.Uint64(v)))
	}
	return now.Add(-firstDateWindow)
}

// boutiqueZone returns the time zone of boutique id, Shanghai's when
// unknown, caching lookups in zones.
func boutiqueZone(tx *bolt.Tx, zones map[string]*time.Location, id clienteling.BoutiqueID) *time.Location {
	if loc, ok := zones[string(id)]; ok {
		return loc
	}
	b := &clienteling.Boutique{Timezone: "Asia/Shanghai"}
	var r boutiqueRecord
	if id != "" && get(tx, bucketBoutiques, []byte(id), &r, "boutique") == nil {
		b = r.domain(string(id))
	}
	zones[string(id)] = b.Location()
	return zones[string(id)]
}
