package api

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// engagement answers the engagement report of ?from=&to= (days, both
// included), optionally one boutique or associate: JSON, or CSV (one row
// per associate, then per boutique, then the total) when the client
// accepts text/csv.
func (s *Server) engagement(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := clienteling.EngagementFilter{From: q.Get("from"), To: q.Get("to"),
		Boutique: clienteling.BoutiqueID(q.Get("boutique")), Associate: clienteling.AssociateID(q.Get("associate"))}
	rep, err := s.svc.Engagement(r.Context(), f)
	if err != nil {
		return err
	}
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		return WriteEngagementCSV(w, rep)
	}
	httpjson.Write(w, http.StatusOK, rep)
	return nil
}

// EngagementCSVHeader is the first line of the report's CSV.
var EngagementCSVHeader = []string{"scope", "associate", "boutique", "messages_in", "messages_out", "clients_writing",
	"responses", "first_response_p50_seconds", "first_response_p90_seconds", "cards_sent", "orders", "orders_paid", "revenue"}

// WriteEngagementCSV writes rep as CSV: a row per associate, per boutique,
// and the total; revenue as "CNY 1234500" in minor units, several
// currencies joined by ";".
func WriteEngagementCSV(w io.Writer, rep *clienteling.EngagementReport) error {
	cw := csv.NewWriter(w)
	row := func(scope string, r clienteling.EngagementRow) []string {
		revenue := make([]string, 0, len(r.Revenue))
		for _, m := range r.Revenue {
			revenue = append(revenue, m.Currency+" "+strconv.FormatInt(m.Amount, 10))
		}
		return []string{scope, string(r.Associate), string(r.Boutique), strconv.Itoa(r.MessagesIn), strconv.Itoa(r.MessagesOut),
			strconv.Itoa(r.ClientsWriting), strconv.Itoa(r.Responses), strconv.FormatFloat(r.FirstResponseP50, 'f', -1, 64),
			strconv.FormatFloat(r.FirstResponseP90, 'f', -1, 64), strconv.Itoa(r.CardsSent), strconv.Itoa(r.Orders),
			strconv.Itoa(r.OrdersPaid), strings.Join(revenue, ";")}
	}
	_ = cw.Write(EngagementCSVHeader)
	for _, r := range rep.Associates {
		_ = cw.Write(row("associate", r))
	}
	for _, r := range rep.Boutiques {
		_ = cw.Write(row("boutique", r))
	}
	_ = cw.Write(row("total", rep.Total))
	cw.Flush()
	return cw.Error()
}
