package api

import (
	"net/http"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// transfer moves one client, some, or a whole book from one associate to
// another: {"from", "to", "customers" (optional), "reason"} answers
// {"moved": N}. All or nothing.
func (s *Server) transfer(w http.ResponseWriter, r *http.Request) error {
	if err := clienteling.Require(r.Context(), clienteling.RoleManager, clienteling.RoleAdmin); err != nil {
		return err
	}
	var t clienteling.Transfer
	if err := httpjson.Decode(w, r, &t); err != nil {
		return err
	}
	moved, err := s.svc.Transfer(r.Context(), &t)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"moved": moved})
	return nil
}
