package api

import (
	"net/http"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// exportCustomer answers a client's data access request while the server
// runs: the document `salon export customer ID` prints. Admin only.
func (s *Server) exportCustomer(w http.ResponseWriter, r *http.Request) error {
	x, err := s.svc.ExportCustomer(r.Context(), clienteling.CustomerID(r.PathValue("id")))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, x)
	return nil
}

// eraseCustomer answers a client's erasure request while the server runs,
// as `salon erase customer ID` does offline. Admin only; 204.
func (s *Server) eraseCustomer(w http.ResponseWriter, r *http.Request) error {
	if err := s.svc.EraseCustomer(r.Context(), clienteling.CustomerID(r.PathValue("id"))); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
