package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// WeChatToken is a WeChat access token as kept across restarts: the value
// (a credential, never logged) and when WeChat stops accepting it. It is an
// alias of a struct of standard types, identical to the one the WeChat
// client's token store port speaks, so that DB implements that port
// without this package importing the bot side.
type WeChatToken = struct {
	Value     string
	ExpiresAt time.Time
}

// wxTokenRecord is one stored token. Keys name the credential (app id, or
// corp id and secret name), never the secret.
type wxTokenRecord struct {
	V         int       `json:"v"`
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expires_at"`
}

// maxWxTokenKey bounds a token key; real ones are "oa/APPID" or
// "wecom/CORPID/NAME", well under it.
const maxWxTokenKey = 512

// LoadTokens returns every stored WeChat token by key, expired ones
// included (the caller drops them); none is an empty map.
func (db *DB) LoadTokens(ctx context.Context) (map[string]WeChatToken, error) {
	out := map[string]WeChatToken{}
	err := db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketWxTokens).ForEach(func(k, v []byte) error {
			var r wxTokenRecord
			if err := json.Unmarshal(v, &r); err != nil {
				// The key names a credential, not a secret: safe to say.
				return fmt.Errorf("wechat token %q: %w", k, err)
			}
			out[string(k)] = WeChatToken{Value: r.Value, ExpiresAt: r.ExpiresAt}
			return nil
		})
	})
	if err != nil {
		return nil, &clienteling.Error{Code: clienteling.EINTERNAL, Op: "load wechat tokens", Err: err}
	}
	return out, nil
}

// SaveToken stores t under key, replacing what was there; a t with an empty
// Value deletes key. EINVALID for an empty or overlong key.
func (db *DB) SaveToken(ctx context.Context, key string, t WeChatToken) error {
	if key == "" || len(key) > maxWxTokenKey {
		return clienteling.Errorf(clienteling.EINVALID, "wechat token key must be 1 to %d bytes", maxWxTokenKey)
	}
	return db.update("save wechat token", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketWxTokens)
		if t.Value == "" {
			return b.Delete([]byte(key))
		}
		return put(tx, bucketWxTokens, []byte(key), &wxTokenRecord{V: 1, Value: t.Value, ExpiresAt: t.ExpiresAt.UTC()})
	})
}
