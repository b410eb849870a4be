package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

// TestOpenAPIDocument checks the reference's own shape: OpenAPI 3.1, the
// bearer scheme, every $ref resolving, path parameters declared, each
// operation saying who may call it, the JSON error for every failure, and
// every example (request, response, error, parameter) conforming to its
// schema.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	d := loadOpenAPI(t)
	if !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(d.OpenAPI) {
		t.Errorf("openapi is %q, want 3.1.x", d.OpenAPI)
	}
	if d.Info.Title == "" || d.Info.Version == "" {
		t.Errorf("info needs a title and a version: %+v", d.Info)
	}
	var bearer struct{ Type, Scheme string }
	d.resolve(t, "#/components/securitySchemes/bearer", &bearer)
	if bearer.Type != "http" || !strings.EqualFold(bearer.Scheme, "bearer") {
		t.Errorf("security scheme bearer is %+v, want http bearer", bearer)
	}
	if len(d.Security) != 1 || d.Security[0]["bearer"] == nil {
		t.Errorf("the document's default security is %v, want bearer", d.Security)
	}
	checkRefs(t, d, d.raw, "#")

	ids := map[string]bool{}
	for _, op := range d.operations(t) {
		t.Run(op.pattern(), func(t *testing.T) {
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("operationId %q is empty or not unique", op.OperationID)
			}
			ids[op.OperationID] = true
			checkRoles(t, op)
			checkPathParameters(t, d, op)
			if op.RequestBody != nil {
				media, ok := op.RequestBody.Content["application/json"]
				if !ok || len(op.RequestBody.Content) != 1 {
					t.Errorf("request body is not application/json alone: %v", slices.Collect(maps.Keys(op.RequestBody.Content)))
				}
				checkExamples(t, d, "request body", media)
			}
			success := 0
			_, replaces := op.Responses["200"]
			_, creates := op.Responses["201"]
			for status := range op.Responses {
				r := d.response(t, op, status)
				switch {
				case status == "default" || status[0] == '4' || status[0] == '5':
					media, ok := r.Content["application/json"]
					if !ok || !isErrorSchema(media.Schema) {
						t.Errorf("response %s is not the JSON error", status)
					}
					checkExamples(t, d, "response "+status, media)
				case status[0] == '2':
					success++
					if media, ok := r.Content["application/json"]; ok {
						checkExamples(t, d, "response "+status, media)
					}
				}
			}
			// Create-or-replace calls document both answers; anything
			// else has exactly one.
			if success != 1 && !(success == 2 && replaces && creates) {
				t.Errorf("%d success responses, want exactly one (or 200 and 201)", success)
			}
			if _, ok := op.Responses["401"]; !ok && !op.public() {
				t.Error("no 401 response: every call but the public ones needs a token")
			}
		})
	}
}

// checkRefs fails on a $ref anywhere under node that leads nowhere.
func checkRefs(t *testing.T, d *oaDoc, node any, at string) {
	t.Helper()
	switch node := node.(type) {
	case map[string]any:
		if ref, ok := node["$ref"].(string); ok {
			if _, err := d.lookup(ref); err != nil {
				t.Errorf("%s: %v", at, err)
			}
		}
		for k, v := range node {
			checkRefs(t, d, v, at+"/"+k)
		}
	case []any:
		for _, v := range node {
			checkRefs(t, d, v, at)
		}
	}
}

// checkRoles fails unless the operation lists, in x-salon-roles, roles it
// names in its description, or is public and says so.
func checkRoles(t *testing.T, op oaOp) {
	t.Helper()
	if op.Roles == nil {
		t.Error("no x-salon-roles: say which roles may call it")
		return
	}
	if op.public() != (len(*op.Roles) == 0) {
		t.Errorf("security %v and x-salon-roles %v disagree: a public route has no roles, any other some", op.Security, *op.Roles)
	}
	for _, role := range *op.Roles {
		if !slices.Contains(matrixRoles[:], role) {
			t.Errorf("x-salon-roles names %q, which is no role", role)
		}
	}
	want := "Roles: " + strings.Join(*op.Roles, ", ") + "."
	if op.public() {
		want = "Roles: none needed"
	}
	if !strings.HasPrefix(op.Description, want) {
		t.Errorf("the description starts %.60q, want %q", op.Description, want)
	}
}

// checkPathParameters fails unless the path's {names} and the declared
// path parameters are the same.
func checkPathParameters(t *testing.T, d *oaDoc, op oaOp) {
	t.Helper()
	var inPath, declared []string
	for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(op.Path, -1) {
		inPath = append(inPath, m[1])
	}
	for _, p := range op.Parameters {
		if p.In == "path" {
			declared = append(declared, p.Name)
			if !p.Required {
				t.Errorf("path parameter %s is not required", p.Name)
			}
		}
		checkParameterExamples(t, d, p)
	}
	slices.Sort(inPath)
	slices.Sort(declared)
	if !slices.Equal(inPath, declared) {
		t.Errorf("path parameters %v, declared %v", inPath, declared)
	}
}

func checkParameterExamples(t *testing.T, d *oaDoc, p oaParameter) {
	t.Helper()
	values := map[string]json.RawMessage{"example": p.Example}
	for name, e := range p.Examples {
		values[name] = d.example(t, e).Value
	}
	for name, raw := range values {
		if raw == nil {
			continue
		}
		v, err := decodeJSON(raw)
		if err != nil {
			t.Errorf("parameter %s example %s: %v", p.Name, name, err)
			continue
		}
		for _, problem := range d.check(p.Schema, v, p.Name) {
			t.Errorf("parameter %s example %s: %s", p.Name, name, problem)
		}
	}
}

// checkExamples fails unless media has examples and each conforms to its
// schema.
func checkExamples(t *testing.T, d *oaDoc, where string, media oaMedia) {
	t.Helper()
	if len(media.Examples) == 0 {
		t.Errorf("%s has no example", where)
	}
	for name, e := range media.Examples {
		e = d.example(t, e)
		v, err := decodeJSON(e.Value)
		if err != nil {
			t.Errorf("%s example %s: %v", where, name, err)
			continue
		}
		for _, problem := range d.check(media.Schema, v, "$") {
			t.Errorf("%s example %s: %s", where, name, problem)
		}
	}
}

func isErrorSchema(schema any) bool {
	s, _ := schema.(map[string]any)
	return s["$ref"] == "#/components/schemas/Error"
}

// TestOpenAPICoversEveryRoute walks the routes Register adds: each must be
// in the document under its method, and each documented operation must
// be registered.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	mux := &recordingMux{ServeMux: http.NewServeMux()}
	New(nil, nil, slog.New(slog.DiscardHandler)).Register(mux)
	registered := map[string]bool{}
	for _, p := range mux.patterns {
		if strings.Contains(p, " ") { // the catch-all has no method
			registered[p] = true
		}
	}
	if len(registered) == 0 {
		t.Fatal("Register added no method routes")
	}
	documented := map[string]bool{}
	for _, op := range loadOpenAPI(t).operations(t) {
		documented[op.pattern()] = true
	}
	for p := range registered {
		if !documented[p] {
			t.Errorf("route %q is not in openapi.json", p)
		}
	}
	for p := range documented {
		if !registered[p] {
			t.Errorf("openapi.json documents %q, which Register does not add", p)
		}
	}
}

// TestOpenAPIMatchesAuthzMatrix compares each operation with the
// authorisation matrix, which runs its routes against the handlers: a role
// may call an operation when some row of its route succeeds for that role,
// and every refusal a row sees (403, and the 404 of a record outside the
// caller's view) must be among the documented responses.
func TestOpenAPIMatchesAuthzMatrix(t *testing.T) {
	t.Parallel()
	allowed := map[string][]string{}
	refusals := map[string][]int{}
	for _, row := range authzMatrix {
		for i, status := range row.want {
			switch {
			case status >= 200 && status < 300 && i < len(matrixRoles) && !slices.Contains(allowed[row.pattern], matrixRoles[i]):
				allowed[row.pattern] = append(allowed[row.pattern], matrixRoles[i])
			case status >= 400 && !slices.Contains(refusals[row.pattern], status):
				refusals[row.pattern] = append(refusals[row.pattern], status)
			}
		}
		if row.outside != 0 && !slices.Contains(refusals[row.pattern], row.outside) {
			refusals[row.pattern] = append(refusals[row.pattern], row.outside)
		}
		hidden404 := slices.ContainsFunc(matrixCallers[:], func(caller string) bool {
			return hidesSomething(row.path, caller) && (!limited(caller) || row.outside == 0)
		})
		if hidden404 && !slices.Contains(refusals[row.pattern], http.StatusNotFound) {
			refusals[row.pattern] = append(refusals[row.pattern], http.StatusNotFound) // see TestAuthzMatrix
		}
	}
	for _, op := range loadOpenAPI(t).operations(t) {
		for _, status := range refusals[op.pattern()] {
			if _, ok := op.Responses[strconv.Itoa(status)]; !ok {
				t.Errorf("%s: the authorisation matrix sees %d, which openapi.json does not document", op.pattern(), status)
			}
		}
		if op.Roles == nil {
			continue // TestOpenAPIDocument says so
		}
		want := allowed[op.pattern()]
		if op.public() {
			if !slices.Contains(publicRoutes, op.pattern()) {
				t.Errorf("%s is public in openapi.json but not in publicRoutes", op.pattern())
			}
			continue
		}
		got := slices.Clone(*op.Roles)
		sortRoles(got)
		sortRoles(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: openapi.json says %v may call it, the authorisation matrix %v", op.pattern(), got, want)
		}
	}
}

// sortRoles sorts roles from the narrowest view to the widest.
func sortRoles(roles []string) {
	slices.SortFunc(roles, func(a, b string) int {
		return slices.Index(matrixRoles[:], a) - slices.Index(matrixRoles[:], b)
	})
}

// oaCase is one request made of the document's examples: the request body
// example and the query parameter examples of one name.
type oaCase struct {
	name  string
	body  json.RawMessage // nil for none
	query url.Values
	roles []string
}

// cases returns the operation's requests: one per example name shared by
// its request body and query parameters, or a bare one when none has a
// named example.
func (d *oaDoc) cases(t *testing.T, op oaOp) []oaCase {
	t.Helper()
	byName := map[string]*oaCase{}
	get := func(name string) *oaCase {
		if byName[name] == nil {
			byName[name] = &oaCase{name: name, query: url.Values{}, roles: *op.Roles}
		}
		return byName[name]
	}
	if op.RequestBody != nil {
		for name, e := range op.RequestBody.Content["application/json"].Examples {
			e = d.example(t, e)
			c := get(name)
			c.body = e.Value
			if len(e.Roles) > 0 {
				c.roles = e.Roles
			}
		}
	}
	for _, p := range op.Parameters {
		if p.In != "query" {
			continue
		}
		for name, e := range p.Examples {
			e = d.example(t, e)
			var v any
			if err := json.Unmarshal(e.Value, &v); err != nil {
				t.Fatalf("parameter %s example %s: %v", p.Name, name, err)
			}
			c := get(name)
			c.query.Set(p.Name, fmt.Sprint(v))
			if len(e.Roles) > 0 {
				c.roles = e.Roles
			}
		}
	}
	if len(byName) == 0 {
		get("")
	}
	var out []oaCase
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, *byName[name])
	}
	return out
}

// TestOpenAPIExamplesPassThroughHandlers sends every request the document's
// examples make through the real API, on a real database holding the
// test kit's maison, as each role the operation (or the example) allows,
// and expects the documented success status. The real answer must conform
// to the documented schema, and hold no top-level field its example lacks;
// a field of the example the answer lacks must be optional.
//
// Ids the server makes are the fixture's: a path's customer {id} is the
// associate's own client, {userid} the associate amy, a token {id} the
// CRM team's token, and external_id that client's openid.
func TestOpenAPIExamplesPassThroughHandlers(t *testing.T) {
	t.Parallel()
	d := loadOpenAPI(t)
	for _, op := range d.operations(t) {
		status, ok := successOf(op)
		if !ok {
			t.Errorf("%s has no success response", op.pattern())
			continue
		}
		response := d.response(t, op, status)
		for _, c := range d.cases(t, op) {
			roles := c.roles
			if op.public() {
				roles = []string{""}
			}
			for _, role := range roles {
				label := role
				if role == "" {
					label = "anonymous"
				}
				t.Run(strings.Join([]string{op.pattern(), c.name, label}, " "), func(t *testing.T) {
					t.Parallel()
					f := newMatrixFixture(t)
					path := f.fillDocumented(op.Path)
					query := c.query
					if query.Has("external_id") {
						query = maps.Clone(query)
						query.Set("external_id", f.own.Identities[0].ExternalID)
					}
					if len(query) > 0 {
						path += "?" + query.Encode()
					}
					resp, body := f.send(t, op.Method, path, c.body, f.tokens[role])
					if got := resp.StatusCode; status != strconv.Itoa(got) {
						t.Fatalf("%s %s as %s: got %d, want %s: %s", op.Method, path, role, got, status, body)
					}
					checkAnswer(t, d, response, c.name, resp, body)
				})
			}
		}
	}
}

// successOf returns the operation's 2xx status.
func successOf(op oaOp) (string, bool) {
	var statuses []string
	for status := range op.Responses {
		if status[0] == '2' {
			statuses = append(statuses, status)
		}
	}
	if len(statuses) == 0 {
		return "", false
	}
	// The fixture's resources exist, so a create-or-replace call replaces.
	return slices.Min(statuses), true
}

// checkAnswer compares a real answer with the documented response.
func checkAnswer(t *testing.T, d *oaDoc, documented oaResponse, caseName string, resp *http.Response, body []byte) {
	t.Helper()
	for name := range documented.Headers {
		if resp.Header.Get(name) == "" {
			t.Errorf("the answer has no %s header, which the document shows", name)
		}
	}
	if len(documented.Content) == 0 {
		if len(body) > 0 {
			t.Errorf("the answer has a body, the document none: %s", body)
		}
		return
	}
	mediaType := strings.TrimSpace(strings.Split(resp.Header.Get("Content-Type"), ";")[0])
	media, ok := documented.Content[mediaType]
	if !ok {
		t.Fatalf("the answer is %s, the document says %v", mediaType, slices.Collect(maps.Keys(documented.Content)))
	}
	if mediaType != "application/json" {
		return
	}
	got, err := decodeJSON(body)
	if err != nil {
		t.Fatalf("the answer is not JSON: %v: %s", err, body)
	}
	for _, problem := range d.check(media.Schema, got, "$") {
		t.Errorf("the answer breaks the documented schema: %s", problem)
	}
	example, ok := media.Examples[caseName]
	if !ok && len(media.Examples) == 1 {
		for _, e := range media.Examples {
			example = e
		}
		ok = true
	}
	if !ok {
		t.Fatalf("no response example named %q among %v", caseName, slices.Collect(maps.Keys(media.Examples)))
	}
	want, err := decodeJSON(d.example(t, example).Value)
	if err != nil {
		t.Fatal(err)
	}
	gotFields, wantFields := topFields(got), topFields(want)
	for _, f := range gotFields {
		if !slices.Contains(wantFields, f) {
			t.Errorf("the answer has field %q, which the response example lacks: %s", f, body)
		}
	}
	required := requiredFields(d, media.Schema, got)
	for _, f := range wantFields {
		if !slices.Contains(gotFields, f) && slices.Contains(required, f) {
			t.Errorf("the example has required field %q, which the answer lacks: %s", f, body)
		}
	}
}

func topFields(v any) []string {
	m, _ := v.(map[string]any)
	return slices.Sorted(maps.Keys(m))
}

// requiredFields returns the required top-level fields of the schema (or
// of the oneOf branch) that v conforms to.
func requiredFields(d *oaDoc, schema any, v any) []string {
	s, _ := schema.(map[string]any)
	if ref, ok := s["$ref"].(string); ok {
		target, err := d.lookup(ref)
		if err != nil {
			return nil
		}
		return requiredFields(d, target, v)
	}
	for _, branch := range asList(s["oneOf"]) {
		if len(d.check(branch, v, "$")) == 0 {
			return requiredFields(d, branch, v)
		}
	}
	var out []string
	for _, name := range asList(s["required"]) {
		out = append(out, name.(string))
	}
	return out
}

// fillDocumented replaces a documented path's parameters with the
// fixture's ids.
func (f *matrixFixture) fillDocumented(path string) string {
	id := string(f.own.ID)
	if strings.HasPrefix(path, "/api/v1/tokens/") {
		id = string(clienteling.TokenIDOf(clienteling.HashSecret(f.tokens[clienteling.RoleCRM])))
	}
	if strings.HasPrefix(path, "/api/v1/orders/") {
		id = string(f.orders.own)
	}
	return strings.NewReplacer("{id}", id, "{userid}", "amy", "{brand}", "maison").Replace(path)
}

// send makes one request with a JSON body (or none) and returns the
// response, its body read.
func (f *matrixFixture) send(t *testing.T, method, path string, body []byte, token string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, f.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// TestOpenAPIServed fetches the reference without a token: the embedded
// file as JSON, with an ETag that answers 304 when sent back.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	resp, body := f.send(t, http.MethodGet, "/api/v1/openapi.json", nil, "")
	if resp.StatusCode != http.StatusOK || !bytes.Equal(body, openAPIDocument) {
		t.Fatalf("got %d with %d bytes, want 200 with the %d of openapi.json", resp.StatusCode, len(body), len(openAPIDocument))
	}
	if got := resp.Header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type %q, want application/json", got)
	}
	etag := resp.Header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{32}"$`).MatchString(etag) {
		t.Fatalf("ETag %q, want a strong validator", etag)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.url+"/api/v1/openapi.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("If-None-Match", etag)
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Body.Close()
	rest, _ := io.ReadAll(again.Body)
	if again.StatusCode != http.StatusNotModified || len(rest) != 0 {
		t.Fatalf("with If-None-Match: got %d and %d bytes, want 304 and none", again.StatusCode, len(rest))
	}
}
