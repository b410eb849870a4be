package httpjson_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// An endpoint decodes its body with Decode and answers every failure with
// WriteError; a client reads the failure back with ReadError.
func Example() {
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /notes", func(w http.ResponseWriter, r *http.Request) {
		var note struct {
			Text string `json:"text"`
		}
		if err := httpjson.Decode(w, r, &note); err != nil {
			httpjson.WriteError(w, r, log, err)
			return
		}
		if note.Text == "" {
			httpjson.WriteError(w, r, log, clienteling.FieldError("text", "required"))
			return
		}
		httpjson.Write(w, http.StatusCreated, note)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, body := range []string{`{"text":"prefers green"}`, `{"text":""}`, `{"txt":"prefers green"}`} {
		resp, err := http.Post(srv.URL+"/notes", "application/json", strings.NewReader(body))
		if err != nil {
			fmt.Println(err)
			return
		}
		if resp.StatusCode >= 300 {
			e := httpjson.ReadError(resp)
			fmt.Println(resp.StatusCode, e.Code, e.Field, e.Message)
		} else {
			fmt.Println(resp.StatusCode)
		}
		resp.Body.Close()
	}
	// Output:
	// 201
	// 400 invalid text required
	// 400 invalid txt unknown field
}
