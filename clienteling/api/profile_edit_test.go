package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/httpjson"
)

// profileCall is one answer of the profile routes.
type profileCall struct {
	status int
	etag   string
	body   []byte
}

// call makes one request to the fixture's server as role, with If-Match
// when ifMatch is set.
func (f *matrixFixture) call(t *testing.T, role, method, path, body, ifMatch string) profileCall {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, f.url+path, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return profileCall{}
	}
	req.Header.Set("Authorization", "Bearer "+f.tokens[role])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return profileCall{}
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Error(err)
	}
	return profileCall{status: resp.StatusCode, etag: resp.Header.Get("ETag"), body: raw}
}

func (f *matrixFixture) stored(t *testing.T) *clienteling.Customer {
	t.Helper()
	c, err := f.db.FindCustomerByID(t.Context(), f.own.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func colourValues(c *clienteling.Customer) []string {
	var out []string
	for _, p := range c.Preferences.Colours {
		out = append(out, p.Value)
	}
	slices.Sort(out)
	return out
}

// Two associates adding colours to the same client at the same time both
// keep theirs, each stamped with its author.
func TestProfileConcurrentAddsBothKept(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	profile := "/api/v1/customers/" + string(f.own.ID) + "/profile"
	var wg sync.WaitGroup
	for role, colour := range map[string]string{clienteling.RoleAssociate: "black", clienteling.RoleManager: "burgundy"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := f.call(t, role, http.MethodPatch, profile, `{"add":{"colours":[{"value":"`+colour+`"}]}}`, ""); got.status != http.StatusOK {
				t.Errorf("%s adding %s: got %d %s", role, colour, got.status, got.body)
			}
		}()
	}
	wg.Wait()
	c := f.stored(t)
	if got := colourValues(c); !slices.Equal(got, []string{"black", "burgundy"}) {
		t.Fatalf("colours %v, want both black and burgundy", got)
	}
	for _, p := range c.Preferences.Colours {
		if want := map[string]string{"black": "associate:amy", "burgundy": "associate:chenjing"}[p.Value]; p.Source != want {
			t.Errorf("%s recorded by %q, want %q", p.Value, p.Source, want)
		}
	}
}

// A change made against an ETag that is no longer current is refused with
// 412 and changes nothing; a current one succeeds and answers the new ETag,
// the one a read then answers.
func TestProfileIfMatch(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	customer := "/api/v1/customers/" + string(f.own.ID)
	read := f.call(t, clienteling.RoleAssociate, http.MethodGet, customer, "", "")
	if read.status != http.StatusOK || read.etag == "" {
		t.Fatalf("GET: got %d with ETag %q, want 200 with an ETag", read.status, read.etag)
	}
	changed := f.call(t, clienteling.RoleManager, http.MethodPatch, customer+"/profile", `{"add":{"colours":[{"value":"black"}]}}`, read.etag)
	if changed.status != http.StatusOK || changed.etag == "" || changed.etag == read.etag {
		t.Fatalf("PATCH with the current ETag: got %d %s with ETag %q (was %q)", changed.status, changed.body, changed.etag, read.etag)
	}
	if again := f.call(t, clienteling.RoleAssociate, http.MethodGet, customer, "", ""); again.etag != changed.etag {
		t.Fatalf("GET after PATCH answers ETag %q, PATCH answered %q", again.etag, changed.etag)
	}

	before := f.stored(t)
	stale := f.call(t, clienteling.RoleAssociate, http.MethodPatch, customer+"/profile", `{"colours":[{"value":"white"}],"tags":["x"]}`, read.etag)
	var e httpjson.ErrorBody
	if err := json.Unmarshal(stale.body, &e); err != nil || stale.status != http.StatusPreconditionFailed || e.Error.Code != clienteling.EPRECONDITION {
		t.Fatalf("PATCH with a stale ETag: got %d %s, want 412 %s", stale.status, stale.body, clienteling.EPRECONDITION)
	}
	if after := f.stored(t); !reflect.DeepEqual(after, before) {
		t.Fatalf("a stale PATCH changed the client:\n%+v\nwas\n%+v", after, before)
	}
}

// Removing what is not there changes nothing, and add and remove are
// checked like the rest, naming the item.
func TestProfileAddRemove(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	profile := "/api/v1/customers/" + string(f.own.ID) + "/profile"
	patch := func(body string) profileCall {
		t.Helper()
		return f.call(t, clienteling.RoleAssociate, http.MethodPatch, profile, body, "")
	}
	if got := patch(`{"add":{"colours":[{"value":"black"}],"sizes":[{"category":"shoes","size":"37"}],"tags":["gifting"]}}`); got.status != http.StatusOK {
		t.Fatalf("add: got %d %s", got.status, got.body)
	}
	before := f.stored(t)
	if got := patch(`{"remove":{"colours":[{"value":"white"}],"sizes":[{"category":"bags"},{"category":"shoes","size":"38"}],"tags":["absent"],"dates":[{"kind":"birthday","date":"03-08"}]}}`); got.status != http.StatusOK {
		t.Fatalf("remove of absent items: got %d %s", got.status, got.body)
	}
	after := f.stored(t)
	if !reflect.DeepEqual(after.Preferences, before.Preferences) || !slices.Equal(after.Tags, before.Tags) {
		t.Fatalf("removing absent items changed the profile:\n%+v\nwas\n%+v", after.Preferences, before.Preferences)
	}

	// A size is kept per category: adding one replaces the old.
	if got := patch(`{"add":{"sizes":[{"category":"shoes","size":"38"}]},"remove":{"colours":[{"value":"black"}],"tags":["gifting"]}}`); got.status != http.StatusOK {
		t.Fatalf("replace size, remove colour: got %d %s", got.status, got.body)
	}
	c := f.stored(t)
	if len(c.Preferences.Sizes) != 1 || c.Preferences.Sizes[0].Size != "38" || len(colourValues(c)) != 0 || slices.Contains(c.Tags, "gifting") {
		t.Fatalf("got sizes %+v, colours %v, tags %v; want shoes 38 alone, no colours, no gifting", c.Preferences.Sizes, colourValues(c), c.Tags)
	}

	for body, field := range map[string]string{
		`{"add":{"colours":[{"value":" "}]}}`:             "add.colours[0].value",
		`{"remove":{"sizes":[{"size":"38"}]}}`:            "remove.sizes[0].category",
		`{"add":{"dates":[{"kind":"x","date":"13-40"}]}}`: "add.dates[0].date",
		`{"add":{"tags":["ok",""]}}`:                      "add.tags[1]",
	} {
		before := f.stored(t)
		got := patch(body)
		var e httpjson.ErrorBody
		if err := json.Unmarshal(got.body, &e); err != nil || got.status != http.StatusBadRequest || e.Error.Field != field {
			t.Errorf("%s: got %d %s, want 400 naming %s", body, got.status, got.body, field)
		}
		if after := f.stored(t); !reflect.DeepEqual(after, before) {
			t.Errorf("%s: a refused PATCH changed the client", body)
		}
	}
}
