package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// VerifyIndexes rebuilds every secondary index from the records it indexes
// and reports the first difference from what is stored. It reads the whole
// database: for tests and for an operator's check, not for the hot path.
func (db *DB) VerifyIndexes() error {
	return db.view(func(tx *bolt.Tx) error {
		want := map[string]map[string]string{
			string(bucketIdentityIndex): {}, string(bucketUnionIndex): {},
			string(bucketAdvisorIndex): {}, string(bucketBoutiqueIndex): {},
			string(bucketMessageIndex):      {},
			string(bucketConvAssigneeIndex): {}, string(bucketConvBoutiqueIndex): {}, string(bucketTimers): {},
		}
		err := tx.Bucket(bucketCustomers).ForEach(func(k, v []byte) error {
			var r customerRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("customer %s: %w", k, err)
			}
			c := r.domain(string(k))
			for _, x := range c.Identities {
				want[string(bucketIdentityIndex)][string(identityKey(x))] = string(k)
			}
			if c.UnionID != "" {
				want[string(bucketUnionIndex)][string(c.UnionID)] = string(k)
			}
			if c.Advisor != "" {
				want[string(bucketAdvisorIndex)][string(joinKey(string(c.Advisor), string(k)))] = ""
			}
			if c.Boutique != "" {
				want[string(bucketBoutiqueIndex)][string(joinKey(string(c.Boutique), string(k)))] = ""
			}
			return nil
		})
		if err != nil {
			return err
		}
		customers := tx.Bucket(bucketCustomers)
		err = tx.Bucket(bucketConversations).ForEach(func(k, v []byte) error {
			var r conversationRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("conversation %s: %w", k, err)
			}
			c := &r.Conversation
			if customers.Get(k) == nil || string(c.Customer) != string(k) {
				return fmt.Errorf("conversation %s of a missing customer", k)
			}
			if !c.Waiting() {
				return nil
			}
			if c.Assignee != "" {
				want[string(bucketConvAssigneeIndex)][string(joinKey(string(c.Assignee), string(k)))] = ""
			}
			if c.Boutique != "" {
				want[string(bucketConvBoutiqueIndex)][string(joinKey(string(c.Boutique), string(k)))] = ""
			}
			if at, stage := c.NextTimer(); stage != "" {
				want[string(bucketTimers)][string(timerKey(at, c.Customer))] = ""
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = tx.Bucket(bucketMessages).ForEach(func(k, v []byte) error {
			var r messageRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("message %x: %w", k, err)
			}
			if customers.Get(k[:26]) == nil {
				return fmt.Errorf("message %s of a missing customer", r.ID)
			}
			want[string(bucketMessageIndex)][r.ID] = string(k)
			return nil
		})
		if err != nil {
			return err
		}
		if err := wantOrderIndexes(tx, want); err != nil {
			return err
		}
		for _, name := range slices.Sorted(maps.Keys(want)) {
			have := map[string]string{}
			if err := tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
				have[string(k)] = string(v)
				return nil
			}); err != nil {
				return err
			}
			for k, v := range want[name] {
				if got, ok := have[k]; !ok {
					return fmt.Errorf("%s: missing entry %q", name, k)
				} else if !bytes.Equal([]byte(got), []byte(v)) {
					return fmt.Errorf("%s: entry %q points at %q, want %q", name, k, got, v)
				}
			}
			for k := range have {
				if _, ok := want[name][k]; !ok {
					return fmt.Errorf("%s: stale entry %q", name, k)
				}
			}
		}
		return nil
	})
}
