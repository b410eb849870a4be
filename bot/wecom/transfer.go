package wecom

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/salonhq/salon/clienteling"
)

// transferPath is WeCom's API that hands an on-the-job associate's
// customers to another associate.
const transferPath = "/cgi-bin/externalcontact/transfer_customer"

// transferOp is transferPath as wxclient names the operation in its errors.
const transferOp = "cgi-bin/externalcontact/transfer_customer"

// Limits of transfer_customer: customers a call, characters of the
// message the customers get.
const (
	TransferBatch      = 100
	TransferMessageMax = 200
)

// transferNoticeIDs bounds the client ids a failure notice lists.
const transferNoticeIDs = 20

// Directory is what the mirror reads of Salon's records.
type Directory interface {
	FindCustomerByID(ctx context.Context, id clienteling.CustomerID) (*clienteling.Customer, error)
	FindAssociate(ctx context.Context, id clienteling.AssociateID) (*clienteling.Associate, error)
}

// TransferOptions configure a TransferMirror.
type TransferOptions struct {
	// Durable is the consumer of the transfers: stream SALON_EVENTS,
	// subject "salon.events.customer.transferred".
	Durable Durable
	// SuccessMessage words what WeCom tells a client whose transfer went
	// through, in their language, naming the new advisor; nil leaves
	// WeCom's default text.
	SuccessMessage func(lang, advisorName string) string
	// Batch is how many transfer events are read at once; zero means 500.
	Batch int
	// MaxBackoff caps the wait between tries while WeCom is unreachable;
	// zero means 30 s.
	MaxBackoff time.Duration
	Log        *slog.Logger
	Registerer prometheus.Registerer
}

// TransferMirror repeats Salon's transfers on WeCom: each client moved
// who has a WeCom identity is handed from the previous associate to the
// new one with transfer_customer, a hundred a call. A transfer event is
// acknowledged once WeCom answered for each of its client's identities;
// a client WeCom refuses is announced as customer.transfer_failed, with
// WeCom's errcode, to integrations, the new advisor and the boutique's
// managers.
type TransferMirror struct {
	js      jetstream.JetStream
	contact Poster
	dir     Directory
	opts    TransferOptions
	log     *slog.Logger
	results *prometheus.CounterVec

	cons jetstream.Consumer
	stop <-chan struct{} // Run's ctx.Done()
	// handled holds the events answered for, so that a redelivery whose
	// acknowledgement was lost does not ask WeCom twice: a client can be
	// transferred only so often.
	handled *recentIDs
}

// NewTransferMirror returns a mirror reading js, looking clients up in dir
// and calling WeCom through contact. It opens the durable consumer
// (creating it on first use), so that every transfer published after it
// returns is mirrored once Run runs.
func NewTransferMirror(ctx context.Context, js jetstream.JetStream, contact Poster, dir Directory, opts TransferOptions) (*TransferMirror, error) {
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	t := &TransferMirror{js: js, contact: contact, dir: dir, opts: opts, log: opts.Log, handled: newRecentIDs(16384),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "salon_wecom_transfers_total", Help: "Client identities handed over on WeCom with transfer_customer, by outcome (accepted, refused).",
		}, []string{"outcome"}),
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(t.results); err != nil {
			return nil, err
		}
	}
	var err error
	t.cons, err = opts.Durable.open(ctx, js, "Salon: transfers mirrored to WeCom transfer_customer")
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Run mirrors until ctx ends, then returns nil after the call under way;
// what is not answered for is handed back to JetStream for the next run.
// Run is called once.
func (t *TransferMirror) Run(ctx context.Context) error {
	t.stop = ctx.Done()
	t.run(t.cons)
	return nil
}

func (t *TransferMirror) stopped() bool {
	select {
	case <-t.stop:
		return true
	default:
		return false
	}
}

func (t *TransferMirror) run(cons jetstream.Consumer) {
	retry := newBackoff(t.opts.MaxBackoff)
	for !t.stopped() {
		// A short wait: the events of one transfer are committed together,
		// so they arrive together and share calls.
		batch, err := cons.Fetch(t.opts.Batch, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.log.Warn("wecom transfers: fetch", "err", err)
			if !retry.wait(t.stop) {
				return
			}
			continue
		}
		var msgs []jetstream.Msg
		for msg := range batch.Messages() {
			msgs = append(msgs, msg)
		}
		if len(msgs) > 0 {
			t.handle(msgs)
		}
	}
}

// moved is one client's transfer event.
type moved struct {
	msg      jetstream.Msg
	event    string
	customer clienteling.CustomerID
	external []string
	left     int // identities WeCom has not answered for yet
}

type transferGroup struct {
	from, to, boutique, lang string
}

// handle mirrors one batch of transfer events.
func (t *TransferMirror) handle(msgs []jetstream.Msg) {
	ctx := context.Background()
	groups := map[transferGroup][]*moved{}
	var order []transferGroup
	for _, msg := range msgs {
		e, err := clienteling.DecodeEvent(msg.Subject(), msg.Data())
		data, ok := e.Data.(clienteling.CustomerTransferred)
		if err != nil || !ok || data.Customer == "" || data.From == "" || data.To == "" {
			t.log.Error("wecom transfers: unreadable transfer event dropped", "err", err)
			_ = msg.Term()
			continue
		}
		if t.handled.has(e.ID) {
			_ = ack(msg)
			continue
		}
		c, err := t.dir.FindCustomerByID(ctx, data.Customer)
		switch {
		case clienteling.ErrorCode(err) == clienteling.ENOTFOUND:
			_ = ack(msg) // erased since: nothing left to hand over
			continue
		case err != nil:
			t.log.Warn("wecom transfers: client lookup failed; will retry", "err", err)
			_ = msg.NakWithDelay(5 * time.Second)
			continue
		}
		m := &moved{msg: msg, event: e.ID, customer: c.ID}
		for _, id := range c.Identities {
			if id.Channel == clienteling.ChannelWeCom {
				m.external = append(m.external, id.ExternalID)
			}
		}
		if len(m.external) == 0 {
			t.handled.add(e.ID)
			_ = ack(msg) // not a WeCom contact: nothing to mirror
			continue
		}
		m.left = len(m.external)
		g := transferGroup{from: string(data.From), to: string(data.To), boutique: string(data.Boutique), lang: c.Language}
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], m)
	}
	var unanswered []*moved
	for _, g := range order {
		if t.stopped() {
			unanswered = append(unanswered, groups[g]...)
			continue
		}
		unanswered = append(unanswered, t.transfer(ctx, g, groups[g])...)
	}
	for _, m := range unanswered {
		_ = m.msg.Nak() // for the next start, at once
	}
}

// handover is one identity in a call.
type handover struct {
	external string
	m        *moved
}

// transfer calls WeCom for group g, a hundred identities a call, and
// returns the events it stopped before answering for.
func (t *TransferMirror) transfer(ctx context.Context, g transferGroup, ms []*moved) []*moved {
	text := t.successMessage(ctx, g)
	var all []handover
	for _, m := range ms {
		for _, x := range m.external {
			all = append(all, handover{external: x, m: m})
		}
	}
	for start := 0; start < len(all); start += TransferBatch {
		chunk := all[start:min(start+TransferBatch, len(all))]
		codes, ok := t.call(ctx, g, text, chunk, ms)
		if !ok {
			var left []*moved
			for _, m := range ms {
				if m.left > 0 {
					left = append(left, m)
				}
			}
			return left
		}
		t.announce(ctx, g, chunk, codes)
		for _, h := range chunk {
			if h.m.left--; h.m.left == 0 {
				t.handled.add(h.m.event)
				if err := ack(h.m.msg); err != nil {
					t.log.Warn("wecom transfers: acknowledgement not confirmed", "err", err)
				}
			}
		}
	}
	return nil
}

// successMessage is what WeCom tells the group's clients, cut to WeCom's
// 200 characters.
func (t *TransferMirror) successMessage(ctx context.Context, g transferGroup) string {
	if t.opts.SuccessMessage == nil {
		return ""
	}
	name := g.to
	if a, err := t.dir.FindAssociate(ctx, clienteling.AssociateID(g.to)); err == nil && a.Name != "" {
		name = a.Name
	}
	text := t.opts.SuccessMessage(g.lang, name)
	if utf8.RuneCountInString(text) > TransferMessageMax {
		text = string([]rune(text)[:TransferMessageMax])
	}
	return text
}

type transferRequest struct {
	Handover string   `json:"handover_userid"`
	Takeover string   `json:"takeover_userid"`
	External []string `json:"external_userid"`
	Message  string   `json:"transfer_success_msg,omitempty"`
}

type transferAnswer struct {
	Customer []struct {
		ExternalUserID string `json:"external_userid"`
		Errcode        int    `json:"errcode"`
	} `json:"customer"`
}

// call asks WeCom to hand chunk over, retrying while WeCom is
// unreachable, and returns WeCom's errcode for each identity (0 when
// accepted). ok is false when told to stop first.
func (t *TransferMirror) call(ctx context.Context, g transferGroup, text string, chunk []handover, ms []*moved) (map[string]int, bool) {
	req := transferRequest{Handover: g.from, Takeover: g.to, Message: text, External: make([]string, len(chunk))}
	for i, h := range chunk {
		req.External[i] = h.external
	}
	retry := newBackoff(t.opts.MaxBackoff)
	for {
		var answer transferAnswer
		callCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := t.contact.PostJSON(callCtx, transferPath, nil, &req, &answer)
		cancel()
		codes := make(map[string]int, len(chunk))
		switch {
		case err == nil:
			for _, c := range answer.Customer {
				codes[c.ExternalUserID] = c.Errcode
			}
			return codes, true
		case final(transferOp, err):
			// WeCom refused the whole call: each client failed with it.
			t.log.Error("wecom transfers: WeCom refused a transfer", "from", clienteling.Mask(g.from), "to", clienteling.Mask(g.to),
				"clients", len(chunk), "errcode", Errcode(err), "err", err)
			for _, h := range chunk {
				codes[h.external] = Errcode(err)
			}
			return codes, true
		}
		t.log.Warn("wecom transfers: will retry", "errcode", Errcode(err), "err", err)
		if !retry.wait(t.stop) {
			return nil, false
		}
		for _, m := range ms {
			if m.left > 0 {
				_ = m.msg.InProgress()
			}
		}
	}
}

// announce tells the new advisor and the boutique's managers of the
// clients WeCom refused, one notice per errcode. An identity WeCom's
// answer leaves out counts as accepted: WeCom lists each one it was given.
func (t *TransferMirror) announce(ctx context.Context, g transferGroup, chunk []handover, codes map[string]int) {
	refused := map[int][]clienteling.CustomerID{}
	for _, h := range chunk {
		code := codes[h.external]
		if code == 0 {
			t.results.WithLabelValues("accepted").Inc()
			continue
		}
		t.results.WithLabelValues("refused").Inc()
		refused[code] = append(refused[code], h.m.customer)
	}
	errcodes := make([]int, 0, len(refused))
	for code := range refused {
		errcodes = append(errcodes, code)
	}
	sort.Ints(errcodes)
	for _, code := range errcodes {
		ids := refused[code]
		t.log.Warn("wecom transfers: WeCom refused clients", "to", clienteling.Mask(g.to), "clients", len(ids), "errcode", code)
		data := clienteling.TransferFailed{From: clienteling.AssociateID(g.from), To: clienteling.AssociateID(g.to),
			Boutique: clienteling.BoutiqueID(g.boutique), Errcode: code, Count: len(ids),
			Customers: ids[:min(len(ids), transferNoticeIDs)], Source: "transfer_customer"}
		if len(ids) == 1 {
			data.Customer = ids[0]
		}
		t.publish(ctx, g, fmt.Sprintf("%s:%d", chunk[0].m.event, code), data)
	}
}

// publish writes a customer.transfer_failed notice to each subject it
// goes to, retrying while NATS is away: the events it reports on are
// acknowledged only after. Nats-Msg-Id keeps a repeat after a restart out.
func (t *TransferMirror) publish(ctx context.Context, g transferGroup, key string, data clienteling.TransferFailed) {
	subjects := []string{clienteling.EventSubject(clienteling.EventTransferFailed)}
	// The ids come from an event: one that cannot name a subject has no
	// one to tell.
	if clienteling.CheckSubjectToken(g.to) == nil {
		subjects = append(subjects, clienteling.AssociateSubject(clienteling.AssociateID(g.to)))
	}
	if g.boutique != "" && clienteling.CheckSubjectToken(g.boutique) == nil {
		subjects = append(subjects, clienteling.BoutiqueSubject(clienteling.BoutiqueID(g.boutique)))
	}
	for _, subject := range subjects {
		payload, err := clienteling.EncodeEvent(clienteling.Event{ID: clienteling.NewID(), Type: clienteling.EventTransferFailed,
			Subject: subject, At: time.Now(), Data: data})
		if err != nil {
			t.log.Error("wecom transfers: encode notice", "err", err)
			return
		}
		retry := newBackoff(t.opts.MaxBackoff)
		for {
			pubCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := t.js.Publish(pubCtx, subject, payload, jetstream.WithMsgID("wecom-transfer-failed:"+key+":"+subject))
			cancel()
			if err == nil {
				break
			}
			t.log.Warn("wecom transfers: notice not published; will retry", "err", err)
			if !retry.wait(t.stop) {
				return
			}
		}
	}
}
