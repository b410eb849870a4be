package api

import (
	"net/http"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// updateProfile applies a partial change to a client's preferences, tags
// and consent and answers 200 with the customer as stored and its new ETag.
// With If-Match, a client changed since that ETag is left as it is: 412.
func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) error {
	var u clienteling.ProfileUpdate
	if err := httpjson.Decode(w, r, &u); err != nil {
		return err
	}
	u.IfMatch = r.Header.Get("If-Match")
	c, err := s.svc.UpdateProfile(r.Context(), clienteling.CustomerID(r.PathValue("id")), u)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", clienteling.CustomerETag(c))
	httpjson.Write(w, http.StatusOK, c)
	return nil
}

// noteRequest is a new note on a client.
type noteRequest struct {
	Text string `json:"text"`
}

// addNote records a note by the caller and answers 201 with it.
func (s *Server) addNote(w http.ResponseWriter, r *http.Request) error {
	var req noteRequest
	if err := httpjson.Decode(w, r, &req); err != nil {
		return err
	}
	n, err := s.svc.AddNote(r.Context(), clienteling.CustomerID(r.PathValue("id")), req.Text)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusCreated, n)
	return nil
}

// listNotes answers a client's notes, newest first, as {"notes": [...]}.
func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.svc.Notes(r.Context(), clienteling.CustomerID(r.PathValue("id")))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"notes": nonNil(ns)})
	return nil
}

// searchMessages answers the messages of a client's history that contain
// q, in the same shape as a history page. A page may hold fewer matches
// than the limit while next is not empty: the search is bounded and next
// continues it.
func (s *Server) searchMessages(w http.ResponseWriter, r *http.Request) error {
	limit, err := intParam(r, "limit", clienteling.DefaultPageSize, clienteling.MaxPageSize)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	ms, next, err := s.svc.SearchMessages(r.Context(), clienteling.CustomerID(r.PathValue("id")), q.Get("q"),
		clienteling.MessagePage{Limit: limit, Before: q.Get("before")})
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"messages": nonNil(ms), "next": next})
	return nil
}
