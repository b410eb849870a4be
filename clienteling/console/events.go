package console

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// keepAlive is how often an idle event stream sends a comment, so that
// proxies and WeCom's browser do not close it as dead.
const keepAlive = 25 * time.Second

// serveEvents streams the signed-in associate's notifications as
// Server-Sent Events, each with its stream sequence as id: a browser that
// reconnects sends it back as Last-Event-ID and misses nothing the
// notification stream still holds. The data names the event type and the
// client only; the page fetches what changed through the Service.
func (c *Console) serveEvents(w http.ResponseWriter, r *http.Request, rq *request) {
	if c.cfg.Follow == nil {
		http.Error(w, "live updates are off", http.StatusNotFound)
		return
	}
	var after uint64
	if v := r.Header.Get("Last-Event-ID"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			http.Error(w, "Last-Event-ID: not a sequence number", http.StatusBadRequest)
			return
		}
		after = n
	}
	// The controller finds the flusher beneath wrappers (metrics).
	rc := http.NewResponseController(w)
	notices, err := c.cfg.Follow(r.Context(), clienteling.AssociateID(rq.p.Subject), after)
	if err != nil {
		c.cfg.Log.WarnContext(r.Context(), "console: follow notifications", "err", err)
		http.Error(w, "live updates unavailable", http.StatusServiceUnavailable)
		return
	}
	// The server's write timeout would cut a long stream.
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 2000\n\n")
	if err := rc.Flush(); err != nil {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.closing:
			return
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case n := <-notices:
			// Type and id are Salon's own tokens; quote nothing a client typed.
			fmt.Fprintf(w, "id: %d\nevent: notice\ndata: {\"type\":%q,\"customer\":%q}\n\n", n.Seq, n.Type, n.Customer)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
