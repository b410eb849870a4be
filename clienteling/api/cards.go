package api

import (
	"net/http"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// sendCard queues a product card: {"type":"card","sku":"...","note":"..."},
// and optionally "channel". Fields of other types are refused by name, as
// Outgoing.Check refuses them for those types.
func (s *Server) sendCard(w http.ResponseWriter, r *http.Request, req *replyRequest) error {
	o := req.Outgoing
	o.Type, o.Channel = "", ""
	for field, set := range map[string]bool{"text": o.Text != "", "media_id": o.MediaID != "", "title": o.Title != "",
		"description": o.Description != "", "url": o.URL != "", "picurl": o.PicURL != "", "thumb_media_id": o.ThumbMediaID != "",
		"appid": o.AppID != "", "pagepath": o.PagePath != "", "template_id": o.TemplateID != "", "data": len(o.Data) > 0} {
		if set {
			return clienteling.FieldError(field, "is not used by type card")
		}
	}
	m, _, err := s.svc.SendCard(r.Context(), clienteling.CustomerID(r.PathValue("id")),
		&clienteling.CardRequest{SKU: clienteling.SKU(req.SKU), Note: req.Note, Channel: req.Channel})
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusAccepted, m)
	return nil
}
