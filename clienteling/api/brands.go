package api

import (
	"net/http"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

func (s *Server) getBrand(w http.ResponseWriter, r *http.Request) error {
	b, err := s.svc.Brand(r.Context(), clienteling.BrandID(r.PathValue("brand")))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, b)
	return nil
}

// putBrand creates or replaces a brand's settings: 201 when new, 200 when
// replaced. The body's id, if given, must be the path's.
func (s *Server) putBrand(w http.ResponseWriter, r *http.Request) error {
	if err := clienteling.Require(r.Context(), clienteling.RoleAdmin); err != nil {
		return err
	}
	var b clienteling.Brand
	if err := httpjson.Decode(w, r, &b); err != nil {
		return err
	}
	id := clienteling.BrandID(r.PathValue("brand"))
	if b.ID != "" && b.ID != id {
		return clienteling.FieldError("id", "must be the brand of the path, %q", id)
	}
	b.ID = id
	created, err := s.svc.PutBrand(r.Context(), &b)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpjson.Write(w, status, &b)
	return nil
}
