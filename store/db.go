package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/salonhq/salon/clienteling"
)

// FileName is the database file inside the data directory.
const FileName = "salon.db"

// DB is Salon's bbolt database. It implements clienteling.Store.
type DB struct {
	bolt    *bolt.DB
	group   *groupCommitter
	relayed *relayedEvents
	now     func() time.Time
	desk    *clienteling.Desk
}

var _ clienteling.Store = (*DB)(nil)

// Options tune Open. The zero value is right for production.
type Options struct {
	// LockTimeout bounds the wait for the file lock held by another process.
	// bbolt's zero value waits forever; we never do.
	LockTimeout time.Duration
	// MaxGroupSize caps how many concurrent writes share one commit.
	MaxGroupSize int
	// InitialMmapSize is reserved address space. A long read transaction (a
	// backup) blocks remapping, which would stall writers once the file
	// outgrows the map, so it starts large.
	InitialMmapSize int
	// MaxSize, if positive, makes writes fail once the file would grow past
	// it: a stand-in for a full disk in tests.
	MaxSize int
	// Now is the clock for timestamps set by the store.
	Now func() time.Time
	// Desk holds the routing and reply-due rules the store applies when
	// clients write. Default: clienteling.NewDesk().
	Desk *clienteling.Desk
	// RelayedFlushDelay bounds how long the removal of relayed events
	// waits for another write's commit to carry it (see AckEvents).
	// Default: DefaultRelayedFlushDelay.
	RelayedFlushDelay time.Duration
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date. A database held by another process fails with EINUSE after
// LockTimeout.
func Open(path string, opts Options) (*DB, error) {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	if opts.MaxGroupSize == 0 {
		opts.MaxGroupSize = 1000
	}
	if opts.InitialMmapSize == 0 {
		opts.InitialMmapSize = 1 << 30
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Desk == nil {
		opts.Desk = clienteling.NewDesk()
	}
	if opts.RelayedFlushDelay == 0 {
		opts.RelayedFlushDelay = DefaultRelayedFlushDelay
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:         opts.LockTimeout,
		InitialMmapSize: opts.InitialMmapSize,
		FreelistType:    bolt.FreelistMapType,
		MaxSize:         opts.MaxSize,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, &clienteling.Error{Code: clienteling.EINUSE, Op: "open " + path,
			Message: "database is in use by another process (is salon serve running on this data dir?)"}
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: b, group: &groupCommitter{db: b, maxSize: opts.MaxGroupSize}, now: opts.Now, desk: opts.Desk}
	db.relayed = newRelayedEvents(opts.RelayedFlushDelay, func() error {
		// An empty call: the round carries the removals.
		return db.batch(context.Background(), "remove relayed events", func(*bolt.Tx) error { return nil })
	})
	db.group.carry = db.relayed.carry
	if err := db.migrate(); err != nil {
		b.Close()
		return nil, err
	}
	return db, nil
}

// Close commits the removal of relayed events still waiting, then closes
// the database, waiting for open transactions.
func (db *DB) Close() error {
	var err error
	if keys := db.relayed.close(); len(keys) > 0 {
		err = db.update("remove relayed events", func(tx *bolt.Tx) error { return deleteOutbox(tx, keys) })
	}
	return errors.Join(err, db.bolt.Close())
}

// Commits returns how many write transactions the database committed since
// it was opened: each is one round of fsyncs.
func (db *DB) Commits() uint64 { return db.group.commits.Load() }

// Path returns the database file's path.
func (db *DB) Path() string { return db.bolt.Path() }

// Bolt exposes the underlying database to this module's tests and tools.
func (db *DB) Bolt() *bolt.DB { return db.bolt }

// Ping reports whether the database can serve a read.
func (db *DB) Ping(ctx context.Context) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("schema missing")
		}
		return nil
	})
}

// Check runs bbolt's consistency check and returns the first problem found.
// It holds the write lock (a writable transaction, rolled back): bbolt's
// check reads the live freelist, so a commit during a mere read, such as
// the removal of relayed events on its timer, shows as "reachable freed".
func (db *DB) Check() error {
	tx, err := db.bolt.Begin(true)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var first error
	for err := range tx.Check() {
		// Drained to the end: the check runs on until it closes the channel.
		if first == nil {
			first = err
		}
	}
	return first
}

// Backup writes a consistent copy of the whole database to w, while writers
// carry on: a read transaction sees one snapshot.
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes a consistent copy to path, via a temporary file renamed
// into place after fsync, so a crash never leaves half a backup under path.
func (db *DB) BackupFile(path string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".salon-backup-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := db.Backup(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return n, os.Rename(tmp.Name(), path)
}

// migrations bring the schema from version i to i+1. Append only.
var migrations = []func(tx *bolt.Tx) error{
	// 0 -> 1: the first schema.
	func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 1 -> 2: the outbox.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketOutbox)
		return err
	},
	// 2 -> 3: 微信客服 sync state.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketKfSync)
		return err
	},
	// 3 -> 4: profiles waiting to be fetched.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketProfilePending)
		return err
	},
	// 4 -> 5: the outbound queue.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketOutbound)
		return err
	},
	// 5 -> 6: associates' notes on clients.
	func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketNotes)
		return err
	},
	// 6 -> 7: conversations (routing, reply-due timers) and WeChat tokens.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketConversations, bucketConvAssigneeIndex, bucketConvBoutiqueIndex,
			bucketTimers, bucketWxTokens} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 7 -> 8: brands' settings and product cards.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketBrands, bucketCards, bucketCardCustomerIndex} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 8 -> 9: orders, their indexes and expiry keys.
	func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketOrders, bucketOrderTradeIndex, bucketOrderCardIndex, bucketOrderExpiry} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	},
	// 9 -> 10: outbox records may be binary (version 2). Nothing to rewrite:
	// both versions are read; the step only makes older builds refuse the
	// file instead of failing on the records.
	func(tx *bolt.Tx) error { return nil },
}

// SchemaVersion returns the version this build writes: one past the last
// migration.
func SchemaVersion() uint64 { return uint64(len(migrations)) }

// migrate runs the pending migrations in one transaction. A database newer
// than this build is refused rather than misread.
func (db *DB) migrate() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		var have uint64
		if meta := tx.Bucket(bucketMeta); meta != nil {
			if v := meta.Get(keyMetaSchema); len(v) == 8 {
				have = binary.BigEndian.Uint64(v)
			}
		}
		if have > SchemaVersion() {
			return fmt.Errorf("database schema version %d is newer than this salon (%d): upgrade salon", have, SchemaVersion())
		}
		for v := have; v < SchemaVersion(); v++ {
			if err := migrations[v](tx); err != nil {
				return fmt.Errorf("migrate schema %d to %d: %w", v, v+1, err)
			}
		}
		return tx.Bucket(bucketMeta).Put(keyMetaSchema, u64(SchemaVersion()))
	})
}

// update runs fn in a read-write transaction and maps storage failures to
// EUNAVAILABLE, so callers (WeChat callbacks) answer "try again".
func (db *DB) update(op string, fn func(tx *bolt.Tx) error) error {
	err := db.bolt.Update(fn)
	if err == nil {
		db.group.commits.Add(1)
	}
	return wrapWrite(op, err)
}

// batch is update through the group committer: concurrent callers share one
// fsync. fn may run more than once and must be idempotent. We do not use
// bbolt's Batch: its timer makes a lone writer wait MaxBatchDelay for nobody.
func (db *DB) batch(ctx context.Context, op string, fn func(tx *bolt.Tx) error) error {
	return wrapWrite(op, db.group.do(ctx, fn))
}

func wrapWrite(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *clienteling.Error
	if errors.As(err, &de) {
		return err
	}
	return &clienteling.Error{Code: clienteling.EUNAVAILABLE, Op: op, Message: "storage unavailable", Err: err}
}

func (db *DB) view(fn func(tx *bolt.Tx) error) error { return db.bolt.View(fn) }

// get decodes the JSON record under key in bucket into v; ENOTFOUND names what.
func get(tx *bolt.Tx, bucket, key []byte, v any, what string) error {
	raw := tx.Bucket(bucket).Get(key)
	if raw == nil {
		return clienteling.Errorf(clienteling.ENOTFOUND, "%s not found", what)
	}
	return json.Unmarshal(raw, v)
}

// put encodes v as JSON under key.
func put(tx *bolt.Tx, bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Bucket(bucket).Put(key, raw)
}
