package kf

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
)

// Store is what the puller needs of the database: the inbox, and a record
// per customer-service account of where its pull stands. *store.DB
// implements it.
type Store interface {
	clienteling.InboxStore
	// MarkKfPending records durably that openKfID has messages to pull
	// with token, keeping the cursor, and counts a new generation.
	// EINVALID for a bad openKfID, EUNAVAILABLE when storage cannot commit.
	MarkKfPending(ctx context.Context, openKfID, token string) error
	// KfSyncState returns the cursor to go on from, the latest token,
	// whether a notice is unserved, and its generation; all zero for an
	// account never seen.
	KfSyncState(ctx context.Context, openKfID string) (cursor, token string, pending bool, gen uint64, err error)
	// PendingKf returns the accounts with an unserved notice.
	PendingKf(ctx context.Context) ([]string, error)
	// SaveKfCursor stores the cursor of the next page.
	SaveKfCursor(ctx context.Context, openKfID, cursor string) error
	// FinishKfSync clears the notice unless a newer generation came since
	// gen; cleared reports which.
	FinishKfSync(ctx context.Context, openKfID string, gen uint64) (cleared bool, err error)
}

// API posts to WeCom with the 微信客服 secret's access token and returns
// WeCom's errcode as a *wxclient.APIError. *wxclient.AccessTokenProvider
// implements it; silenceper's kf.SyncMsg does not, since it drops the
// errcode the puller branches on.
type API interface {
	PostJSON(ctx context.Context, path string, query url.Values, in, out any) error
}

// ErrcodeInvalidToken is WeCom's answer to a sync token that expired (they
// last ten minutes) or was never issued: retrying cannot help, and the next
// callback brings a fresh one.
const ErrcodeInvalidToken = 95007

// Defaults of Options.
const (
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 5 * time.Minute
	// PageLimit is the largest page sync_msg serves.
	PageLimit = 1000
)

// Options tune a Puller; the zero value is usable.
type Options struct {
	// Announce picks the events a stored message announces.
	Announce clienteling.Announcer
	// Wake is called after new messages are stored, to start the outbox
	// relay at once.
	Wake func()
	// Welcome, if set, greets a client who entered a session with a
	// welcome code, once: it queues the message to send with code. Its
	// failure is logged; the code lapses in 20 seconds anyway.
	Welcome func(ctx context.Context, c *clienteling.Customer, openKfID, code string) error
	// Log receives failed pulls; nil discards.
	Log *slog.Logger
	// MinBackoff and MaxBackoff bound the wait between failed pulls of one
	// account, doubling from the first to the second.
	MinBackoff, MaxBackoff time.Duration
}

// Puller pulls 微信客服 messages into the inbox: one pull at a time per
// account, each by its own goroutine, from the cursor the store keeps. It
// is safe for concurrent use.
type Puller struct {
	store Store
	api   API
	opts  Options

	// life is the puller's own lifetime, not a request's: pulls go on
	// after the callback that caused them has been answered.
	life context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu      sync.Mutex
	workers map[string]*clienteling.Waker // one kick per account
	closed  bool
}

// New returns a Puller over store that pulls through api. With a nil api
// (no 微信客服 secret configured) notices are still recorded, so that they
// are pulled once the secret is set and Salon restarted; nothing is pulled.
// Call Run; Notify may be called before.
func New(store Store, api API, opts Options) *Puller {
	if opts.Wake == nil {
		opts.Wake = func() {}
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = DefaultMinBackoff
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(DefaultMaxBackoff, opts.MinBackoff)
	}
	life, stop := context.WithCancel(context.Background())
	return &Puller{store: store, api: api, opts: opts, life: life, stop: stop, workers: map[string]*clienteling.Waker{}}
}

// Run wakes a pull for every account whose notice a previous run left
// unserved, then lets pulls run until ctx ends; it stops them, waits for
// them and returns nil. A pull stopped midway keeps its notice and cursor
// in the store, for the next run. It returns an error only if the store
// cannot say which pulls were left.
func (p *Puller) Run(ctx context.Context) error {
	defer p.close()
	ids, err := p.store.PendingKf(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if p.api == nil && len(ids) > 0 {
		p.opts.Log.WarnContext(ctx, "微信客服 messages wait, but no secret is set to pull them", "accounts", len(ids))
	}
	for _, id := range ids {
		p.Wake(id)
	}
	<-ctx.Done()
	return nil
}

// Notify records durably that openKfID has messages to pull with token,
// then wakes its pull. When it returns nil the callback may be
// acknowledged: a crash from then on loses nothing, since Run resumes
// the pull.
func (p *Puller) Notify(ctx context.Context, openKfID, token string) error {
	if err := p.store.MarkKfPending(ctx, openKfID, token); err != nil {
		return err
	}
	p.Wake(openKfID)
	return nil
}

// Wake starts a pull of openKfID, or another one after the pull under way,
// without waiting for it.
func (p *Puller) Wake(openKfID string) {
	if p.api == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	kick, ok := p.workers[openKfID]
	if !ok {
		// Capacity 1: kicks while a pull runs fold into one more pass,
		// which reads the newest token from the store.
		kick = clienteling.NewWaker()
		p.workers[openKfID] = kick
		p.wg.Add(1)
		go p.work(openKfID, kick)
	}
	kick.Wake()
}

// close stops every pull and waits for them.
func (p *Puller) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.stop()
	p.wg.Wait()
}

// work is the one goroutine that pulls openKfID, so that two pulls never
// race over one cursor.
func (p *Puller) work(openKfID string, kick *clienteling.Waker) {
	defer p.wg.Done()
	ctx := p.life
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick.C():
		}
		backoff := clienteling.NewBackoff(p.opts.MinBackoff, p.opts.MaxBackoff)
		for {
			err := p.pull(ctx, openKfID)
			if err == nil || ctx.Err() != nil {
				break
			}
			wait := backoff.Next()
			p.opts.Log.WarnContext(ctx, "微信客服 pull failed; retrying", "open_kfid", clienteling.Mask(openKfID),
				"retry_in", wait, "err", err)
			if !clienteling.Sleep(ctx, wait) {
				return
			}
		}
	}
}

// pull serves the notices of openKfID until none is left.
func (p *Puller) pull(ctx context.Context, openKfID string) error {
	for {
		cursor, token, pending, gen, err := p.store.KfSyncState(ctx, openKfID)
		if err != nil || !pending {
			return err
		}
		err = p.drain(ctx, openKfID, cursor, token)
		var apiErr *wxclient.APIError
		if errors.As(err, &apiErr) && apiErr.Code == ErrcodeInvalidToken {
			// The messages stay on WeCom's side, and the cursor here: the
			// next callback's token pulls them.
			p.opts.Log.WarnContext(ctx, "微信客服 sync token expired; waiting for the next callback",
				"open_kfid", clienteling.Mask(openKfID))
		} else if err != nil {
			return err
		}
		cleared, err := p.store.FinishKfSync(ctx, openKfID, gen)
		if err != nil || cleared {
			return err
		}
		// A callback came during the pull: go again with its token.
	}
}

// drain pages through sync_msg from cursor until has_more is 0, storing
// the clients' messages and then each page's next cursor. An empty page
// may still say has_more: WeCom warns that stopping there loses messages.
func (p *Puller) drain(ctx context.Context, openKfID, cursor, token string) error {
	for {
		var resp syncResponse
		req := syncRequest{Cursor: cursor, Token: token, Limit: PageLimit, OpenKfID: openKfID}
		if err := p.api.PostJSON(ctx, SyncMsgPath, nil, req, &resp); err != nil {
			return err
		}
		stored := 0
		for i := range resp.MsgList {
			in, ok := inboundOf(&resp.MsgList[i])
			if !ok {
				continue
			}
			r, err := p.store.Receive(ctx, in, p.opts.Announce)
			if clienteling.ErrorCode(err) == clienteling.EINVALID {
				// Retrying cannot make it valid, and stopping here
				// would hold back every later message.
				p.opts.Log.ErrorContext(ctx, "微信客服 message not stored", "msgid", in.Message.WeChatID, "err", err)
				continue
			} else if err != nil {
				return err
			}
			if !r.Duplicate {
				stored++
				p.welcome(ctx, &resp.MsgList[i], r.Customer)
			}
		}
		if stored > 0 {
			p.opts.Wake()
		}
		if resp.NextCursor != "" && resp.NextCursor != cursor {
			if err := p.store.SaveKfCursor(ctx, openKfID, resp.NextCursor); err != nil {
				return err
			}
			cursor = resp.NextCursor
		}
		if resp.HasMore != 1 {
			return nil
		}
	}
}

// welcome greets a client who just entered a session, if it carries a
// welcome code (WeCom gives one only when no servicer has greeted them).
func (p *Puller) welcome(ctx context.Context, it *syncedItem, c *clienteling.Customer) {
	if p.opts.Welcome == nil || c == nil || it.Origin != OriginEvent || it.Event.EventType != EventEnterSession || it.Event.WelcomeCode == "" {
		return
	}
	if err := p.opts.Welcome(ctx, c, it.account(), it.Event.WelcomeCode); err != nil {
		p.opts.Log.WarnContext(ctx, "微信客服 welcome not queued", "customer", c.ID, "err", err)
	}
}
