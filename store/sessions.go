package store

import (
	"bytes"
	"context"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/salonhq/salon/clienteling"
)

// The console's buckets are made by the first write that needs them, so
// that they need no schema migration; a read finds none before it.
var (
	// bucketSessions: sha256 of the session secret -> sessionRecord.
	bucketSessions = []byte("console_sessions")
	// bucketSessionSubjects: userid | 0x00 | session hash -> empty, so
	// that a departure ends the associate's sessions.
	bucketSessionSubjects = []byte("idx_session_subject")
	// bucketSignInLinks: sha256 of the link secret -> signInLinkRecord.
	bucketSignInLinks = []byte("console_signin_links")
)

type sessionRecord struct {
	V          int       `json:"v"`
	Subject    string    `json:"subject"`
	Role       string    `json:"role"`
	CSRF       string    `json:"csrf"`
	CreatedAt  time.Time `json:"created"`
	LastSeenAt time.Time `json:"seen"`
	ExpiresAt  time.Time `json:"expires"`
}

func (r *sessionRecord) domain() *clienteling.Session {
	return &clienteling.Session{Subject: clienteling.AssociateID(r.Subject), Role: r.Role, CSRF: r.CSRF,
		CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt}
}

type signInLinkRecord struct {
	V         int       `json:"v"`
	Subject   string    `json:"subject"`
	IssuedBy  string    `json:"issued_by"`
	ExpiresAt time.Time `json:"expires"`
}

func createBuckets(tx *bolt.Tx, names ...[]byte) error {
	for _, n := range names {
		if _, err := tx.CreateBucketIfNotExists(n); err != nil {
			return err
		}
	}
	return nil
}

func putSession(tx *bolt.Tx, hash [32]byte, s *clienteling.Session) error {
	if err := createBuckets(tx, bucketSessions, bucketSessionSubjects); err != nil {
		return err
	}
	r := sessionRecord{V: 1, Subject: string(s.Subject), Role: s.Role, CSRF: s.CSRF,
		CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt}
	if err := put(tx, bucketSessions, hash[:], &r); err != nil {
		return err
	}
	return tx.Bucket(bucketSessionSubjects).Put(joinKey(string(s.Subject), string(hash[:])), nil)
}

// CreateSession implements clienteling.SessionStore.
func (db *DB) CreateSession(ctx context.Context, hash [32]byte, s *clienteling.Session) error {
	return db.update("create session", func(tx *bolt.Tx) error { return putSession(tx, hash, s) })
}

// FindSession implements clienteling.SessionStore.
func (db *DB) FindSession(ctx context.Context, hash [32]byte) (*clienteling.Session, error) {
	var r sessionRecord
	err := db.view(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSessions) == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "session not found")
		}
		return get(tx, bucketSessions, hash[:], &r, "session")
	})
	if err != nil {
		return nil, err
	}
	return r.domain(), nil
}

// TouchSession implements clienteling.SessionStore, through the group
// committer: the requests of many signed-in associates share a commit.
func (db *DB) TouchSession(ctx context.Context, hash [32]byte, at time.Time) error {
	return db.batch(ctx, "record session use", func(tx *bolt.Tx) error {
		var r sessionRecord
		if tx.Bucket(bucketSessions) == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "session not found")
		}
		if err := get(tx, bucketSessions, hash[:], &r, "session"); err != nil {
			return err
		}
		if !at.After(r.LastSeenAt) {
			return nil
		}
		r.LastSeenAt = at
		return put(tx, bucketSessions, hash[:], &r)
	})
}

// DeleteSession implements clienteling.SessionStore.
func (db *DB) DeleteSession(ctx context.Context, hash [32]byte) error {
	return db.update("delete session", func(tx *bolt.Tx) error { return deleteSession(tx, hash[:]) })
}

func deleteSession(tx *bolt.Tx, hash []byte) error {
	b := tx.Bucket(bucketSessions)
	if b == nil {
		return nil
	}
	var r sessionRecord
	if err := get(tx, bucketSessions, hash, &r, "session"); err != nil {
		return nil // gone already
	}
	if err := tx.Bucket(bucketSessionSubjects).Delete(joinKey(r.Subject, string(hash))); err != nil {
		return err
	}
	return b.Delete(hash)
}

// endSubjectSessions deletes every session of associate subject, in the
// transaction that records their departure.
func endSubjectSessions(tx *bolt.Tx, subject string) error {
	idx := tx.Bucket(bucketSessionSubjects)
	if idx == nil {
		return nil
	}
	prefix := joinKey(subject, "")
	var hashes [][]byte
	c := idx.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		hashes = append(hashes, bytes.Clone(k[len(prefix):]))
	}
	for _, h := range hashes {
		if err := deleteSession(tx, h); err != nil {
			return err
		}
	}
	return nil
}

// CreateSignInLink implements clienteling.SessionStore.
func (db *DB) CreateSignInLink(ctx context.Context, hash [32]byte, l *clienteling.SignInLink) error {
	return db.update("create sign-in link", func(tx *bolt.Tx) error {
		if err := createBuckets(tx, bucketSignInLinks); err != nil {
			return err
		}
		return put(tx, bucketSignInLinks, hash[:], &signInLinkRecord{V: 1, Subject: string(l.Subject), IssuedBy: l.IssuedBy, ExpiresAt: l.ExpiresAt})
	})
}

// RedeemSignInLink implements clienteling.SessionStore. The link is
// deleted even when open refuses it (expired, its associate gone): a
// refused link is spent.
func (db *DB) RedeemSignInLink(ctx context.Context, link, session [32]byte, open func(*clienteling.SignInLink) (*clienteling.Session, error)) (*clienteling.Session, error) {
	var out *clienteling.Session
	var refused error
	err := db.update("redeem sign-in link", func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSignInLinks)
		if b == nil {
			return clienteling.Errorf(clienteling.ENOTFOUND, "sign-in link not found")
		}
		var r signInLinkRecord
		if err := get(tx, bucketSignInLinks, link[:], &r, "sign-in link"); err != nil {
			return err
		}
		if err := b.Delete(link[:]); err != nil {
			return err
		}
		s, err := open(&clienteling.SignInLink{Subject: clienteling.AssociateID(r.Subject), IssuedBy: r.IssuedBy, ExpiresAt: r.ExpiresAt})
		if err != nil {
			refused = err
			return nil
		}
		out = s
		return putSession(tx, session, s)
	})
	if err != nil {
		return nil, err
	}
	return out, refused
}
