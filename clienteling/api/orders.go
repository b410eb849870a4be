package api

import (
	"net/http"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// registerOrders adds the orders routes.
func (s *Server) registerOrders(route func(string, func(http.ResponseWriter, *http.Request) error)) {
	route("GET /api/v1/orders", s.listOrders)
	route("GET /api/v1/orders/{id}", s.getOrder)
	route("POST /api/v1/orders/{id}/refunds", s.refundOrder)
}

// orders is the order desk, or EUNAVAILABLE when the server has none.
func (s *Server) orders() (*clienteling.Orders, error) {
	if s.Orders == nil {
		return nil, clienteling.Errorf(clienteling.EUNAVAILABLE, "orders are not available")
	}
	return s.Orders, nil
}

// timeParam reads an RFC 3339 time from the query; zero when absent.
func timeParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, clienteling.FieldError(name, "must be an RFC 3339 time such as 2026-11-23T00:00:00+08:00")
	}
	return t, nil
}

// listOrders answers {"orders": [...]}, newest first, filtered by
// associate, boutique, status and creation time (from, to).
func (s *Server) listOrders(w http.ResponseWriter, r *http.Request) error {
	desk, err := s.orders()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := clienteling.OrderFilter{Associate: clienteling.AssociateID(q.Get("associate")),
		Boutique: clienteling.BoutiqueID(q.Get("boutique")), Status: q.Get("status")}
	if f.From, err = timeParam(r, "from"); err != nil {
		return err
	}
	if f.To, err = timeParam(r, "to"); err != nil {
		return err
	}
	if f.Limit, err = intParam(r, "limit", 100, 1000); err != nil {
		return err
	}
	os, err := desk.List(r.Context(), f)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"orders": nonNil(os)})
	return nil
}

func (s *Server) getOrder(w http.ResponseWriter, r *http.Request) error {
	desk, err := s.orders()
	if err != nil {
		return err
	}
	o, err := desk.Get(r.Context(), clienteling.OrderID(r.PathValue("id")))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, o)
	return nil
}

// refundOrder refunds a paid order in full or in part: {"amount" (minor
// units; default what remains), "out_refund_no" (default derived),
// "reason"}. It answers 202 with the order and the refund, whose status
// follows WeChat Pay's notification.
func (s *Server) refundOrder(w http.ResponseWriter, r *http.Request) error {
	if err := clienteling.Require(r.Context(), clienteling.RoleManager, clienteling.RoleAdmin); err != nil {
		return err
	}
	desk, err := s.orders()
	if err != nil {
		return err
	}
	var req clienteling.RefundRequest
	if err := httpjson.Decode(w, r, &req); err != nil {
		return err
	}
	o, refund, err := desk.Refund(r.Context(), s.Payments, clienteling.OrderID(r.PathValue("id")), req)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusAccepted, map[string]any{"order": o, "refund": refund})
	return nil
}
