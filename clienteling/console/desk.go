package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// inboxLimit bounds the inbox's first page: an associate's waiting
// clients are a few dozen at most.
const inboxLimit = 100

// inboxRow is one client in the inbox.
type inboxRow struct {
	Customer *clienteling.Customer
	Conv     *clienteling.Conversation
	Overdue  bool   // the reply is due
	Reason   string // why it was routed here, the latest decision
}

// inbox lists the principal's waiting conversations, longest wait first.
func (c *Console) inbox(r *http.Request) ([]inboxRow, error) {
	ctx := r.Context()
	convs, err := c.cfg.Service.Conversations(ctx, clienteling.ConversationFilter{State: clienteling.ConversationWaiting, Limit: inboxLimit})
	if err != nil {
		return nil, err
	}
	now := c.cfg.Now()
	rows := make([]inboxRow, 0, len(convs))
	for _, conv := range convs {
		cust, err := c.cfg.Service.FindCustomerByID(ctx, conv.Customer)
		if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
			continue // erased or moved since the list was read
		} else if err != nil {
			return nil, err
		}
		row := inboxRow{Customer: cust, Conv: conv, Overdue: conv.Reminded || (!conv.Due.IsZero() && !now.Before(conv.Due))}
		if n := len(conv.Routing); n > 0 {
			row.Reason = conv.Routing[n-1].Reason
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (c *Console) serveDesk(w http.ResponseWriter, r *http.Request, rq *request) {
	rows, err := c.inbox(r)
	if err != nil {
		c.fail(w, r, rq, err)
		return
	}
	// The book below the queue: a client who is not waiting is one tap
	// away too.
	book, err := c.cfg.Service.FindCustomers(r.Context(), clienteling.CustomerFilter{Limit: inboxLimit})
	if err != nil {
		c.fail(w, r, rq, err)
		return
	}
	c.page(w, r, rq, http.StatusOK, "desk", map[string]any{"Inbox": rows, "Book": book, "Now": c.cfg.Now(), "Live": c.cfg.Follow != nil})
}

func (c *Console) serveInboxFragment(w http.ResponseWriter, r *http.Request, rq *request) {
	rows, err := c.inbox(r)
	if err != nil {
		c.fail(w, r, rq, err)
		return
	}
	c.fragment(w, r, rq, "inbox", map[string]any{"Inbox": rows, "Now": c.cfg.Now()})
}

// windowState says whether a free-form reply can go now, and if not why.
type windowState struct {
	Open   bool
	Reason string // a strings key
}

// window reads the service window from the newest history page: the
// client's last message and the replies since. The store decides again
// when a reply is queued; this is what the associate sees beforehand.
func window(ms []*clienteling.Message, now time.Time) windowState {
	var w clienteling.Window
	for _, m := range ms { // newest first
		if m.Direction == "in" {
			w.LastInbound = m.At
			break
		}
		if m.Type != clienteling.TypeTemplate && m.Status != "failed" {
			w.Sent++
		}
	}
	switch {
	case w.LastInbound.IsZero():
		return windowState{Reason: "window.never"}
	case now.Sub(w.LastInbound) > clienteling.ServiceWindow:
		return windowState{Reason: "window.expired"}
	case w.Sent >= clienteling.ServiceWindowMessages:
		return windowState{Reason: "window.full"}
	}
	return windowState{Open: true}
}

// thread is a client's page: profile, conversation, newest history.
func (c *Console) thread(r *http.Request) (map[string]any, error) {
	ctx := r.Context()
	id := clienteling.CustomerID(r.PathValue("id"))
	cust, err := c.cfg.Service.FindCustomerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	conv, err := c.cfg.Service.Conversation(ctx, id)
	if err != nil && clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		return nil, err
	}
	ms, next, err := c.cfg.Service.Messages(ctx, id, clienteling.MessagePage{Limit: clienteling.DefaultPageSize})
	if err != nil {
		return nil, err
	}
	notes, err := c.cfg.Service.Notes(ctx, id)
	if err != nil && clienteling.ErrorCode(err) != clienteling.EFORBIDDEN {
		return nil, err
	}
	now := c.cfg.Now()
	return map[string]any{"Customer": cust, "Conv": conv, "Messages": oldestFirst(ms), "Next": next,
		"Notes": notes, "Window": window(ms, now), "Now": now, "ETag": clienteling.CustomerETag(cust),
		"Manager": clienteling.PrincipalFrom(ctx).Role == clienteling.RoleManager}, nil
}

// oldestFirst reverses a newest-first page for reading top to bottom.
func oldestFirst(ms []*clienteling.Message) []*clienteling.Message {
	out := make([]*clienteling.Message, len(ms))
	for i, m := range ms {
		out[len(ms)-1-i] = m
	}
	return out
}

func (c *Console) serveClient(w http.ResponseWriter, r *http.Request, rq *request) {
	data, err := c.thread(r)
	if err != nil {
		c.fail(w, r, rq, err)
		return
	}
	data["Live"] = c.cfg.Follow != nil
	c.page(w, r, rq, http.StatusOK, "client", data)
}

// serveThreadFragment answers the conversation part of a client's page,
// for the script to refresh after a notice.
func (c *Console) serveThreadFragment(w http.ResponseWriter, r *http.Request, rq *request) {
	data, err := c.thread(r)
	if err != nil {
		c.fail(w, r, rq, err)
		return
	}
	c.fragment(w, r, rq, "thread", data)
}

// serveOlder answers the page of history before ?before=, oldest first,
// for scrolling back.
func (c *Console) serveOlder(w http.ResponseWriter, r *http.Request, rq *request) {
	before := r.URL.Query().Get("before")
	if before == "" || len(before) > 200 {
		c.page(w, r, rq, http.StatusBadRequest, "error", map[string]any{"Message": "before: " + c.text(rq.lang, "error.bad_cursor")})
		return
	}
	ms, next, err := c.cfg.Service.Messages(r.Context(), clienteling.CustomerID(r.PathValue("id")),
		clienteling.MessagePage{Limit: clienteling.DefaultPageSize, Before: before})
	if err != nil {
		c.fail(w, r, rq, err)
		return
	}
	c.fragment(w, r, rq, "messages", map[string]any{"Messages": oldestFirst(ms), "Next": next})
}

// back returns to the client's page after a form, or answers a script's
// request with the refreshed thread.
func (c *Console) back(w http.ResponseWriter, r *http.Request, rq *request) {
	if r.Header.Get(csrfHeader) != "" {
		c.serveThreadFragment(w, r, rq)
		return
	}
	http.Redirect(w, r, "/clients/"+r.PathValue("id"), http.StatusSeeOther)
}

func (c *Console) reply(w http.ResponseWriter, r *http.Request, rq *request) {
	text := strings.TrimSpace(r.PostFormValue("text"))
	if text == "" {
		c.page(w, r, rq, http.StatusBadRequest, "error", map[string]any{"Message": "text: " + c.text(rq.lang, "error.empty")})
		return
	}
	if _, err := c.cfg.Service.Send(r.Context(), clienteling.CustomerID(r.PathValue("id")),
		&clienteling.Outgoing{Type: clienteling.TypeText, Text: text}); err != nil {
		c.fail(w, r, rq, err)
		return
	}
	c.back(w, r, rq)
}

func (c *Console) addNote(w http.ResponseWriter, r *http.Request, rq *request) {
	if _, err := c.cfg.Service.AddNote(r.Context(), clienteling.CustomerID(r.PathValue("id")), strings.TrimSpace(r.PostFormValue("text"))); err != nil {
		c.fail(w, r, rq, err)
		return
	}
	c.back(w, r, rq)
}

// addPreference records one preference of a kind ("colours", "materials",
// "categories", "dislikes", "notes") or a size, against the version of
// the client the form showed (If-Match): a change by someone else since
// is refused rather than overwritten.
func (c *Console) addPreference(w http.ResponseWriter, r *http.Request, rq *request) {
	value := strings.TrimSpace(r.PostFormValue("value"))
	items := &clienteling.ProfileItems{}
	p := []clienteling.Preference{{Value: value}}
	switch kind := r.PostFormValue("kind"); kind {
	case "colours":
		items.Colours = p
	case "materials":
		items.Materials = p
	case "categories":
		items.Categories = p
	case "dislikes":
		items.Dislikes = p
	case "notes":
		items.Notes = p
	case "sizes":
		category, size, _ := strings.Cut(value, " ")
		items.Sizes = []clienteling.SizePreference{{Category: strings.TrimSpace(category), Size: strings.TrimSpace(size)}}
	default:
		c.page(w, r, rq, http.StatusBadRequest, "error", map[string]any{"Message": "kind: " + c.text(rq.lang, "error.kind")})
		return
	}
	u := clienteling.ProfileUpdate{Add: items, IfMatch: r.PostFormValue("etag")}
	if u.IfMatch == "" {
		c.page(w, r, rq, http.StatusBadRequest, "error", map[string]any{"Message": "etag: " + c.text(rq.lang, "error.empty")})
		return
	}
	if _, err := c.cfg.Service.UpdateProfile(r.Context(), clienteling.CustomerID(r.PathValue("id")), u); err != nil {
		c.fail(w, r, rq, err)
		return
	}
	c.back(w, r, rq)
}

// transfer moves the client to another associate of the boutique: a
// manager's decision, as in the API.
func (c *Console) transfer(w http.ResponseWriter, r *http.Request, rq *request) {
	id := clienteling.CustomerID(r.PathValue("id"))
	cust, err := c.cfg.Service.FindCustomerByID(r.Context(), id)
	if err != nil {
		c.fail(w, r, rq, err)
		return
	}
	t := &clienteling.Transfer{From: cust.Advisor, To: clienteling.AssociateID(strings.TrimSpace(r.PostFormValue("to"))),
		Customers: []clienteling.CustomerID{id}, Reason: r.PostFormValue("reason")}
	if _, err := c.cfg.Service.Transfer(r.Context(), t); err != nil {
		c.fail(w, r, rq, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
