package api

import (
	"net/http"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// issueToken answers 201 with the new token's secret, shown this once, and
// what was issued: {"token": "slt_...", "id": "...", "subject": "amy",
// "role": "associate", "created_at": "...", "expires_at": "..."}.
func (s *Server) issueToken(w http.ResponseWriter, r *http.Request) error {
	if err := clienteling.Require(r.Context(), clienteling.RoleAdmin); err != nil {
		return err
	}
	var t clienteling.Token
	if err := httpjson.Decode(w, r, &t); err != nil {
		return err
	}
	if !t.ExpiresAt.IsZero() {
		return clienteling.FieldError("expires_at", "is set by the server: ask for a lifetime with expires_in, in seconds")
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"id", t.ID != ""}, {"created_at", !t.CreatedAt.IsZero()}, {"last_used_at", !t.LastUsedAt.IsZero()}, {"revoked_at", !t.RevokedAt.IsZero()}} {
		if f.set {
			return clienteling.FieldError(f.name, "is set by the server")
		}
	}
	secret, err := s.svc.IssueToken(r.Context(), &t)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusCreated, struct {
		Secret string `json:"token"`
		*clienteling.Token
	}{secret, &t})
	return nil
}

// listTokens answers {"tokens": [...]}: every issued token, oldest first,
// without secrets.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) error {
	ts, err := s.svc.Tokens(r.Context())
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"tokens": nonNil(ts)})
	return nil
}

// revokeToken answers 204 once the token is revoked: its next request is
// refused.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.svc.RevokeToken(r.Context(), clienteling.TokenID(r.PathValue("id"))); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
