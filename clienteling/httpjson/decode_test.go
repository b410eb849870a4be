package httpjson

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

type testPrice struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

type testProduct struct {
	SKU   string            `json:"sku"`
	Price testPrice         `json:"price"`
	Sizes []string          `json:"sizes"`
	Title map[string]string `json:"title"`
	Gift  bool              `json:"gift"`
}

// decodeOver posts body to a real server that decodes it with limit and
// returns what the decoder said and what it read.
func decodeOver(t *testing.T, body string, limit int64) (error, testProduct) {
	t.Helper()
	var got testProduct
	var derr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		derr = DecodeLimit(w, r, &got, limit)
	}))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return derr, got
}

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantCode  string
		wantField string
		wantMsg   string // a part of the message
	}{
		{"OK", `{"sku":"BAG-1","price":{"amount":100,"currency":"CNY"},"sizes":["36"]}` + "\n", "", "", ""},
		{"ErrUnknownField", `{"sku":"BAG-1","colour":"red"}`, clienteling.EINVALID, "colour", "unknown field"},
		{"ErrWrongTypeNested", `{"price":{"amount":"lots"}}`, clienteling.EINVALID, "price.amount", "must be a whole number"},
		{"ErrWrongTypeObject", `{"price":"lots"}`, clienteling.EINVALID, "price", "must be an object"},
		{"ErrWrongTypeArray", `{"sizes":"36"}`, clienteling.EINVALID, "sizes", "must be an array"},
		{"ErrWrongTypeBool", `{"gift":"yes"}`, clienteling.EINVALID, "gift", "must be true or false"},
		{"ErrWrongTypeInMap", `{"title":{"en":1}}`, clienteling.EINVALID, "title", // encoding/json names no map key
			"must be a string"},
		{"ErrOutOfRange", `{"price":{"amount":1e30}}`, clienteling.EINVALID, "price.amount", "must be a whole number"},
		{"ErrNotObject", `["BAG-1"]`, clienteling.EINVALID, "", "body must be an object"},
		{"ErrTrailingValue", `{"sku":"BAG-1"} {"sku":"BAG-2"}`, clienteling.EINVALID, "", "nothing after it"},
		{"ErrTrailingBrace", `{"sku":"BAG-1"}}`, clienteling.EINVALID, "", "nothing after it"},
		{"ErrTrailingBracket", `{"sku":"BAG-1"}]`, clienteling.EINVALID, "", "nothing after it"},
		{"ErrMalformed", `{"sku" "BAG-1"}`, clienteling.EINVALID, "", "malformed JSON at byte"},
		{"ErrTruncated", `{"sku":`, clienteling.EINVALID, "", "ends inside"},
		{"ErrEmpty", ``, clienteling.EINVALID, "", "empty"},
		{"ErrTooLarge", `{"sku":"` + strings.Repeat("x", 200) + `"}`, clienteling.ETOOLARGE, "", "over 100 bytes"},
		{"ErrTooLargeAfterValue", `{"sku":"BAG-1"}` + strings.Repeat(" ", 200), clienteling.ETOOLARGE, "", "over 100 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err, got := decodeOver(t, tt.body, 100)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.SKU != "BAG-1" || got.Price.Amount != 100 || len(got.Sizes) != 1 {
					t.Fatalf("got %+v", got)
				}
				return
			}
			if code, field, msg := clienteling.ErrorCode(err), clienteling.ErrorField(err), clienteling.ErrorMessage(err); code != tt.wantCode || field != tt.wantField || !strings.Contains(msg, tt.wantMsg) {
				t.Fatalf("got %s %q %q, want %s %q with %q", code, field, msg, tt.wantCode, tt.wantField, tt.wantMsg)
			}
			if msg := clienteling.ErrorMessage(err); strings.Contains(msg, "httpjson") || strings.Contains(msg, "int64") {
				t.Errorf("message %q shows Go's names", msg)
			}
		})
	}
}

// TestDecodeBound checks the default bound: 1 MiB, as the API has always
// had, answered 413.
func TestDecodeBound(t *testing.T) {
	t.Parallel()
	big := `{"sku":"` + strings.Repeat("x", MaxBodyBytes) + `"}`
	var derr error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p testProduct
		if derr = Decode(w, r, &p); derr != nil {
			WriteError(w, r, slog.New(slog.DiscardHandler), derr)
		}
	}))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || clienteling.ErrorCode(derr) != clienteling.ETOOLARGE {
		t.Fatalf("got %d %v, want 413 too_large", resp.StatusCode, derr)
	}
	if MaxBodyBytes != 1<<20 {
		t.Fatalf("MaxBodyBytes = %d, want 1 MiB", MaxBodyBytes)
	}
}
