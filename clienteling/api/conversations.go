package api

import (
	"net/http"
	"strconv"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// registerDesk adds the conversation routes: who owes which client an
// answer, and a manager's hand assignment.
func (s *Server) registerDesk(route func(string, func(http.ResponseWriter, *http.Request) error)) {
	route("GET /api/v1/conversations", s.listConversations)
	route("GET /api/v1/customers/{id}/conversation", s.getConversation)
	route("POST /api/v1/customers/{id}/conversation/assign", s.assignConversation)
	route("PATCH /api/v1/associates/{userid}", s.updateAssociate)
}

// updateAssociate takes {"status": "away"} and, for managers, {"hours": [...]}.
func (s *Server) updateAssociate(w http.ResponseWriter, r *http.Request) error {
	var patch clienteling.AssociatePatch
	if err := httpjson.Decode(w, r, &patch); err != nil {
		return err
	}
	a, err := s.svc.UpdateAssociate(r.Context(), clienteling.AssociateID(r.PathValue("userid")), &patch)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, a)
	return nil
}

// listConversations answers the waiting conversations the caller may see:
// ?boutique=, ?assignee=, ?escalated=true, ?limit= (at most 500).
func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := clienteling.ConversationFilter{State: clienteling.ConversationWaiting,
		Boutique: clienteling.BoutiqueID(q.Get("boutique")), Assignee: clienteling.AssociateID(q.Get("assignee"))}
	if v := q.Get("escalated"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return clienteling.FieldError("escalated", "must be true or false")
		}
		f.Escalated = b
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return clienteling.FieldError("limit", "must be between 1 and 500")
		}
		f.Limit = n
	}
	list, err := s.svc.Conversations(r.Context(), f)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"conversations": nonNil(list)})
	return nil
}

func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.Conversation(r.Context(), clienteling.CustomerID(r.PathValue("id")))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, c)
	return nil
}

// assignConversation takes {"associate": "sophie"}.
func (s *Server) assignConversation(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Associate clienteling.AssociateID `json:"associate"`
	}
	if err := httpjson.Decode(w, r, &body); err != nil {
		return err
	}
	c, err := s.svc.AssignConversation(r.Context(), clienteling.CustomerID(r.PathValue("id")), body.Associate)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, c)
	return nil
}
