package kf_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/salonhq/salon/bot/kf"
	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/store"
)

var ctx = context.Background()

const kfID = "wkSALON0001"

var _ kf.Store = (*store.DB)(nil)
var _ kf.API = (*wxclient.AccessTokenProvider)(nil)

// newAPI returns the 微信客服 secret's token provider, pointed at a fake
// WeChat on loopback.
func newAPI(t *testing.T) (*wechattest.Server, *wxclient.AccessTokenProvider) {
	t.Helper()
	fake := wechattest.Start(t, wechattest.Options{})
	client, err := wxclient.New(wxclient.Config{WeComBase: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	api, err := wxclient.NewAccessTokenProvider(client, wxclient.Credential{Family: wxclient.WeCom,
		ID: fake.Options().CorpID, Secret: wechattest.DefaultKfSecret, Name: "kf"}, wxclient.ProviderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return fake, api
}

// runningPuller is a puller whose Run goes on until Stop.
type runningPuller struct {
	*kf.Puller
	Stop func()
}

func newPuller(t *testing.T, db kf.Store, api kf.API) *runningPuller {
	t.Helper()
	p := kf.New(db, api, kf.Options{Announce: clienteling.AnnounceReceived, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- p.Run(runCtx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-ran; err != nil {
				t.Errorf("puller stopped with %v, want nil", err)
			}
		})
	}
	t.Cleanup(stop)
	return &runningPuller{Puller: p, Stop: stop}
}

// texts returns the texts stored for a client, oldest first.
func texts(t *testing.T, db *store.DB, external string) []string {
	t.Helper()
	c, err := db.FindCustomerByIdentity(ctx, clienteling.Identity{Channel: clienteling.ChannelWeCom, ExternalID: external})
	if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
		return nil
	} else if err != nil {
		t.Fatal(err)
	}
	msgs, _, err := db.Messages(ctx, c.ID, clienteling.MessagePage{Limit: clienteling.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[len(msgs)-1-i] = m.Text
	}
	return out
}

// settled waits until the account has no unserved notice.
func settled(t *testing.T, db *store.DB) {
	t.Helper()
	clientelingtest.CheckFor(t, 10*time.Second, func() error {
		if ids, err := db.PendingKf(ctx); err != nil || len(ids) > 0 {
			return fmt.Errorf("still pending: %v %v", ids, err)
		}
		return nil
	})
}

func syncCursors(t *testing.T, fake *wechattest.Server) []string {
	t.Helper()
	var out []string
	for _, c := range fake.CallsTo(kf.SyncMsgPath) {
		var req struct{ Cursor, Token string }
		if err := json.Unmarshal(c.Body, &req); err != nil {
			t.Fatal(err)
		}
		out = append(out, req.Cursor)
	}
	return out
}

func equal(a, b []string) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

func TestPullThreePagesOnceAndResume(t *testing.T) {
	t.Parallel()
	fake, api := newAPI(t)
	at := time.Unix(1700000000, 0)
	fake.EnqueueKf(kfID,
		wechattest.KfText("m1", kfID, "wmVIP1", "你好", at),
		wechattest.KfEvent("e1", kfID, "wmVIP1", "enter_session", at, nil),
		wechattest.KfText("m2", kfID, "wmVIP1", "这款手袋有黑色吗", at.Add(time.Second)))
	fake.EnqueueKfEmptyPage(kfID)
	fake.EnqueueKf(kfID, wechattest.KfText("m3", kfID, "wmVIP1", "谢谢", at.Add(2*time.Second)))

	path := filepath.Join(t.TempDir(), store.FileName)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := newPuller(t, db, api)
	// WeChat redelivers a callback it got no answer for: two notices, one
	// copy of each message.
	for range 2 {
		if err := p.Notify(ctx, kfID, "tok1"); err != nil {
			t.Fatal(err)
		}
	}
	settled(t, db)
	// The client entering a session is kept as an event of their history.
	if got, want := texts(t, db, "wmVIP1"), []string{"你好", "enter_session", "这款手袋有黑色吗", "谢谢"}; !equal(got, want) {
		t.Fatalf("stored %q, want %q", got, want)
	}
	cursors := syncCursors(t, fake)
	if len(cursors) < 3 || cursors[0] != "" || cursors[1] != "kfc3-"+kfID || cursors[2] != "kfc4-"+kfID {
		t.Fatalf("sync_msg cursors %q: want three pages through the empty one", cursors)
	}
	var body struct {
		Token    string `json:"token"`
		Limit    int    `json:"limit"`
		OpenKfID string `json:"open_kfid"`
	}
	_ = json.Unmarshal(fake.CallsTo(kf.SyncMsgPath)[0].Body, &body)
	if body.Token != "tok1" || body.Limit != 1000 || body.OpenKfID != kfID {
		t.Fatalf("sync_msg body %+v: want the callback's token, limit 1000 and the account", body)
	}

	// Restart: the cursor survives; only the new message is pulled.
	p.Stop()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fake.ResetCalls()
	fake.EnqueueKf(kfID, wechattest.KfText("m4", kfID, "wmVIP1", "明天到店", at.Add(3*time.Second)))
	p = newPuller(t, db, api)
	if err := p.Notify(ctx, kfID, "tok2"); err != nil {
		t.Fatal(err)
	}
	settled(t, db)
	if got := syncCursors(t, fake); len(got) == 0 || got[0] != "kfc5-"+kfID {
		t.Fatalf("after restart sync_msg cursors %q: want the stored one first", got)
	}
	if got, want := texts(t, db, "wmVIP1"), []string{"你好", "enter_session", "这款手袋有黑色吗", "谢谢", "明天到店"}; !equal(got, want) {
		t.Fatalf("stored %q, want %q", got, want)
	}
}

func TestPullResumesPendingOnStart(t *testing.T) {
	t.Parallel()
	fake, api := newAPI(t)
	db := clientelingtest.MustOpenDB(t)
	fake.EnqueueKf(kfID, wechattest.KfText("m1", kfID, "wmVIP2", "在吗", time.Now()))
	// A notice acknowledged just before a crash: recorded, never pulled.
	if err := db.MarkKfPending(ctx, kfID, "tok"); err != nil {
		t.Fatal(err)
	}
	newPuller(t, db, api)
	settled(t, db)
	if got := texts(t, db, "wmVIP2"); !equal(got, []string{"在吗"}) {
		t.Fatalf("stored %q, want the pending message", got)
	}
}

func TestPullErrors(t *testing.T) {
	t.Parallel()
	t.Run("RetriesWithBackoff", func(t *testing.T) {
		fake, api := newAPI(t)
		db := clientelingtest.MustOpenDB(t)
		fake.EnqueueKf(kfID, wechattest.KfText("m1", kfID, "wmVIP3", "hello", time.Now()))
		fake.Script(kf.SyncMsgPath, wechattest.Fault{Status: 502}, wechattest.Fault{Errcode: -1})
		p := newPuller(t, db, api)
		if err := p.Notify(ctx, kfID, "tok"); err != nil {
			t.Fatal(err)
		}
		settled(t, db)
		if got := texts(t, db, "wmVIP3"); !equal(got, []string{"hello"}) {
			t.Fatalf("stored %q after two failures, want the message", got)
		}
		if n := len(fake.CallsTo(kf.SyncMsgPath)); n != 3 {
			t.Fatalf("%d sync_msg calls, want 3", n)
		}
	})
	t.Run("ExpiredTokenClearsPending", func(t *testing.T) {
		fake, api := newAPI(t)
		db := clientelingtest.MustOpenDB(t)
		if err := db.SaveKfCursor(ctx, kfID, "kfc0-"+kfID); err != nil {
			t.Fatal(err)
		}
		fake.EnqueueKf(kfID, wechattest.KfText("m1", kfID, "wmVIP4", "hello", time.Now()))
		fake.Always(kf.SyncMsgPath, wechattest.Fault{Errcode: kf.ErrcodeInvalidToken})
		p := newPuller(t, db, api)
		if err := p.Notify(ctx, kfID, "stale"); err != nil {
			t.Fatal(err)
		}
		settled(t, db)
		if n := len(fake.CallsTo(kf.SyncMsgPath)); n != 1 {
			t.Fatalf("%d sync_msg calls, want 1: an expired token is not retried", n)
		}
		if cursor, _, _, _, _ := db.KfSyncState(ctx, kfID); cursor != "kfc0-"+kfID {
			t.Fatalf("cursor %q, want it kept", cursor)
		}
		// The next callback's token pulls what waits.
		fake.ClearFaults(kf.SyncMsgPath)
		if err := p.Notify(ctx, kfID, "fresh"); err != nil {
			t.Fatal(err)
		}
		settled(t, db)
		if got := texts(t, db, "wmVIP4"); !equal(got, []string{"hello"}) {
			t.Fatalf("stored %q, want the message", got)
		}
	})
	t.Run("NoSecretRecordsOnly", func(t *testing.T) {
		db := clientelingtest.MustOpenDB(t)
		p := newPuller(t, db, nil)
		if err := p.Notify(ctx, kfID, "tok"); err != nil {
			t.Fatal(err)
		}
		if ids, _ := db.PendingKf(ctx); !equal(ids, []string{kfID}) {
			t.Fatalf("pending %v, want the notice kept for later", ids)
		}
	})
}
