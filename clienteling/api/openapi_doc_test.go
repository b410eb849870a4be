package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// This file reads the embedded OpenAPI document for the tests: the few
// parts of OpenAPI 3.1 it uses, its local $refs, and a check of a JSON
// value against the subset of JSON Schema its schemas are written in.

// oaDoc is the document's top level.
type oaDoc struct {
	OpenAPI  string `json:"openapi"`
	Info     struct{ Title, Version string }
	Security []map[string][]string `json:"security"`
	Paths    map[string]map[string]json.RawMessage
	// raw is the whole document, for resolving $refs and schemas.
	raw map[string]any
}

type oaOperation struct {
	OperationID string                 `json:"operationId"`
	Description string                 `json:"description"`
	Roles       *[]string              `json:"x-salon-roles"`
	Security    *[]map[string][]string `json:"security"`
	Parameters  []oaParameter          `json:"parameters"`
	RequestBody *oaRequestBody         `json:"requestBody"`
	Responses   map[string]oaResponse  `json:"responses"`
}

type oaParameter struct {
	Ref      string               `json:"$ref"`
	Name     string               `json:"name"`
	In       string               `json:"in"`
	Required bool                 `json:"required"`
	Schema   any                  `json:"schema"`
	Example  json.RawMessage      `json:"example"`
	Examples map[string]oaExample `json:"examples"`
}

type oaRequestBody struct {
	Required bool               `json:"required"`
	Content  map[string]oaMedia `json:"content"`
}

type oaMedia struct {
	Schema   any                  `json:"schema"`
	Examples map[string]oaExample `json:"examples"`
}

type oaExample struct {
	Ref   string          `json:"$ref"`
	Roles []string        `json:"x-salon-roles"`
	Value json.RawMessage `json:"value"`
}

type oaResponse struct {
	Ref     string             `json:"$ref"`
	Headers map[string]any     `json:"headers"`
	Content map[string]oaMedia `json:"content"`
}

// oaOp is one operation with where it is.
type oaOp struct {
	Method, Path string // GET, /api/v1/customers/{id}
	*oaOperation
}

func (o oaOp) pattern() string { return o.Method + " " + o.Path }

// public reports whether the operation takes no token.
func (o oaOp) public() bool { return o.Security != nil && len(*o.Security) == 0 }

var oaMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// loadOpenAPI decodes the embedded document, failing the test if it is not
// one JSON value.
func loadOpenAPI(t *testing.T) *oaDoc {
	t.Helper()
	var d oaDoc
	for _, v := range []any{&d, &d.raw} {
		dec := json.NewDecoder(bytes.NewReader(openAPIDocument))
		dec.UseNumber()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("openapi.json is not valid JSON: %v", err)
		}
		if dec.More() {
			t.Fatal("openapi.json holds more than one JSON value")
		}
	}
	return &d
}

// operations returns every operation, sorted by path and method, with
// path-level parameters folded in and parameter $refs resolved.
func (d *oaDoc) operations(t *testing.T) []oaOp {
	t.Helper()
	var ops []oaOp
	for path, item := range d.Paths {
		var shared []oaParameter
		if raw, ok := item["parameters"]; ok {
			if err := json.Unmarshal(raw, &shared); err != nil {
				t.Fatalf("%s parameters: %v", path, err)
			}
		}
		for key, raw := range item {
			if key == "parameters" {
				continue
			}
			if !slices.Contains(oaMethods, key) {
				t.Errorf("%s: %q is not an HTTP method", path, key)
				continue
			}
			var op oaOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", key, path, err)
			}
			op.Parameters = append(slices.Clone(shared), op.Parameters...)
			for i, p := range op.Parameters {
				if p.Ref != "" {
					d.resolve(t, p.Ref, &op.Parameters[i])
				}
			}
			ops = append(ops, oaOp{Method: strings.ToUpper(key), Path: path, oaOperation: &op})
		}
	}
	slices.SortFunc(ops, func(a, b oaOp) int { return strings.Compare(a.pattern(), b.pattern()) })
	return ops
}

// resolve decodes what the local reference ref points at into v.
func (d *oaDoc) resolve(t *testing.T, ref string, v any) {
	t.Helper()
	node, err := d.lookup(ref)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(node)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
}

// lookup returns the node a local reference such as
// #/components/schemas/Customer names.
func (d *oaDoc) lookup(ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("reference %q is not local to the document", ref)
	}
	var node any = d.raw
	for _, part := range strings.Split(rest, "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := node.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("reference %q leads nowhere at %q", ref, part)
		}
		if node, ok = m[part]; !ok {
			return nil, fmt.Errorf("reference %q leads nowhere at %q", ref, part)
		}
	}
	return node, nil
}

// response returns the operation's response for status, with its $ref
// resolved.
func (d *oaDoc) response(t *testing.T, op oaOp, status string) oaResponse {
	t.Helper()
	r := op.Responses[status]
	if r.Ref != "" {
		d.resolve(t, r.Ref, &r)
	}
	return r
}

// example returns an example's value, with its $ref resolved.
func (d *oaDoc) example(t *testing.T, e oaExample) oaExample {
	t.Helper()
	if e.Ref != "" {
		var target oaExample
		d.resolve(t, e.Ref, &target)
		if len(e.Roles) == 0 {
			e.Roles = target.Roles
		}
		e.Value = target.Value
	}
	return e
}

// decodeJSON decodes b keeping numbers exact, as the schema check wants.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// check returns what in v breaks schema, each problem with its JSON path;
// none when v conforms. It knows the keywords the document uses: $ref,
// allOf, oneOf, type, enum, properties, required, additionalProperties,
// items, the bounds, pattern and the date-time format. A keyword it does
// not know is a problem too, so that the document cannot lean on one
// unchecked.
func (d *oaDoc) check(schema any, v any, at string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{at + ": schema is not an object"}
	}
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, at+": "+fmt.Sprintf(format, args...)) }
	for key, kv := range s {
		switch key {
		case "description", "example", "default", "contentMediaType", "format", "type":
		case "$ref":
			target, err := d.lookup(kv.(string))
			if err != nil {
				fail("%v", err)
				continue
			}
			problems = append(problems, d.check(target, v, at)...)
		case "allOf":
			for _, sub := range kv.([]any) {
				problems = append(problems, d.check(sub, v, at)...)
			}
		case "oneOf":
			matched := 0
			for _, sub := range kv.([]any) {
				if len(d.check(sub, v, at)) == 0 {
					matched++
				}
			}
			if matched != 1 {
				fail("matches %d of oneOf's schemas, want exactly 1", matched)
			}
		case "enum":
			if !slices.ContainsFunc(kv.([]any), func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
				fail("%v is not one of %v", v, kv)
			}
		case "properties", "required", "additionalProperties", "maxProperties":
			// checked together below: additionalProperties needs properties
		case "items", "maxItems":
			list, isArray := v.([]any)
			if !isArray {
				continue
			}
			if key == "maxItems" {
				if n, _ := number(kv); float64(len(list)) > n {
					fail("%d items, at most %v allowed", len(list), n)
				}
				continue
			}
			for i, item := range list {
				problems = append(problems, d.check(kv, item, fmt.Sprintf("%s[%d]", at, i))...)
			}
		case "minimum", "maximum":
			f, isNumber := number(v)
			if !isNumber {
				continue
			}
			bound, _ := number(kv)
			if (key == "minimum" && f < bound) || (key == "maximum" && f > bound) {
				fail("%v is outside %s %v", v, key, bound)
			}
		case "minLength", "maxLength", "pattern":
			str, isString := v.(string)
			if !isString {
				continue
			}
			switch key {
			case "pattern":
				if !regexp.MustCompile(kv.(string)).MatchString(str) {
					fail("%q does not match %s", str, kv)
				}
			default:
				n, _ := number(kv)
				if l := float64(len([]rune(str))); (key == "minLength" && l < n) || (key == "maxLength" && l > n) {
					fail("%q is outside %s %v", str, key, n)
				}
			}
		default:
			fail("schema keyword %q is not checked by this test: teach check about it", key)
		}
	}
	if obj, ok := v.(map[string]any); ok {
		problems = append(problems, d.checkObject(s, obj, at)...)
	}
	if t, ok := s["type"]; ok && !hasType(t, v) {
		fail("%s is not of type %v", jsonType(v), t)
	}
	if s["format"] == "date-time" {
		if str, ok := v.(string); ok {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				fail("%q is not an RFC 3339 time", str)
			}
		}
	}
	return problems
}

// checkObject checks object v against the object keywords of schema s.
// Properties are those of s alone: the document never spreads an object's
// fields over allOf.
func (d *oaDoc) checkObject(s map[string]any, v map[string]any, at string) []string {
	var problems []string
	for _, name := range asList(s["required"]) {
		if _, ok := v[name.(string)]; !ok {
			problems = append(problems, fmt.Sprintf("%s: required field %q is missing", at, name))
		}
	}
	if n, ok := number(s["maxProperties"]); ok && float64(len(v)) > n {
		problems = append(problems, fmt.Sprintf("%s: %d fields, at most %v allowed", at, len(v), n))
	}
	props, _ := s["properties"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(v)) {
		if sub, ok := props[name]; ok {
			problems = append(problems, d.check(sub, v[name], at+"."+name)...)
			continue
		}
		switch extra := s["additionalProperties"].(type) {
		case nil:
		case bool:
			if !extra {
				problems = append(problems, fmt.Sprintf("%s: field %q is not in the schema", at, name))
			}
		default:
			problems = append(problems, d.check(extra, v[name], at+"."+name)...)
		}
	}
	return problems
}

// number reads a JSON number decoded either way.
func number(v any) (float64, bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, err == nil
	case float64:
		return v, true
	}
	return 0, false
}

func asList(v any) []any {
	list, _ := v.([]any)
	return list
}

func hasType(t any, v any) bool {
	switch t := t.(type) {
	case string:
		got := jsonType(v)
		return got == t || (t == "number" && got == "integer")
	case []any:
		return slices.ContainsFunc(t, func(one any) bool { return hasType(one, v) })
	}
	return false
}

// jsonType names v's JSON Schema type.
func jsonType(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case float64: // from a schema decoded without UseNumber
		if v == math.Trunc(v) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
