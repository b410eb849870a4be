package natsbus_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/store"
)

// TestRelayAfterCrashPublishesEachEventOnce: the store commits the removal
// of relayed events later, with other writes. A crash before that commit
// leaves them in the outbox; the relay of the restarted process publishes
// them again under the same Nats-Msg-Id, and JetStream keeps each once.
func TestRelayAfterCrashPublishesEachEventOnce(t *testing.T) {
	t.Parallel()
	nats := clientelingtest.RunNATS(t)
	rig := startRelay(t, nats.URL, store.Options{RelayedFlushDelay: time.Hour}, nil)
	rig.send(0, 30)
	clientelingtest.CheckFor(t, 10*time.Second, rig.outboxEmpty)
	clientelingtest.CheckFor(t, 10*time.Second, streamHolds(t, nats.URL, 30))

	// What a crash now leaves on disk: what is committed, as a backup holds.
	crashed := filepath.Join(t.TempDir(), store.FileName)
	if _, err := rig.db.BackupFile(crashed); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(crashed, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Each receipt's commit carried the removals relayed before it; the
	// last ones wait for a write that never came.
	if left, _ := db.PendingEvents(context.Background(), 1000); len(left) == 0 {
		t.Fatal("the crashed outbox holds no event: nothing to republish, the test proves nothing")
	}

	ctx, cancel := context.WithCancel(context.Background())
	bus, err := natsbus.Open(ctx, natsbus.Config{URLs: nats.URL, Name: "restarted"}, discard)
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	relay := natsbus.NewRelay(db, bus.JS, discard)
	relayed := make(chan error, 1)
	go func() { relayed <- relay.Run(ctx) }()
	defer func() { cancel(); <-relayed }()
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if left, err := db.PendingEvents(ctx, 1000); err != nil || len(left) != 0 {
			return fmt.Errorf("%d events not republished yet (%v)", len(left), err)
		}
		return nil
	})
	if err := streamHolds(t, nats.URL, 30)(); err != nil {
		t.Fatalf("after the restart's republish: %v", err)
	}
}
