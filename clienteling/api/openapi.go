package api

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"
)

// openAPIPattern is the route of the API reference. It is served without a
// token: the document describes the routes and holds no data.
const openAPIPattern = "GET /api/v1/openapi.json"

// openAPIDocument is the API reference, OpenAPI 3.1. Its tests walk the
// route table and send every request example through the handlers, so a
// route or a body shape cannot change without it.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIETag changes with the document, so clients revalidate cheaply
// and see a new release's reference at once.
var openAPIETag = func() string {
	sum := sha256.Sum256(openAPIDocument)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}()

// serveOpenAPI answers the document, or 304 to an If-None-Match that
// names its ETag.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("ETag", openAPIETag)
	h.Set("Cache-Control", "no-cache") // may be stored, but revalidated: an upgrade changes it
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(openAPIDocument))
}
