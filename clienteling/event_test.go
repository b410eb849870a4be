package clienteling

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// docSubject is how EVENTS.md writes a subject of kind for eventType.
func docSubject(kind SubjectKind, eventType string) string {
	switch kind {
	case ToAssociate:
		return AssociateSubject("<userid>")
	case ToBoutique:
		return BoutiqueSubject("<boutique>")
	}
	return EventSubject(eventType)
}

// jsonKind is how EVENTS.md writes the JSON type of a payload field.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice:
		return "array of " + jsonKind(t.Elem())
	}
	return t.Kind().String()
}

// payloadFields lists a payload's JSON fields as EVENTS.md rows: name,
// type, "yes" when personal.
func payloadFields(spec EventSpec) []string {
	t := reflect.TypeOf(spec.Payload)
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		personal := ""
		if slices.Contains(spec.Personal, name) {
			personal = "yes"
		}
		out = append(out, fmt.Sprintf("%s %s %s", name, jsonKind(f.Type), personal))
	}
	return out
}

// section is one payload of one event type as a document names it.
type section struct {
	eventType, payload string
	subjects           []string
	fields             []string
}

func (s section) key() string {
	return s.eventType + " " + s.payload + " on " + strings.Join(s.subjects, ", ")
}

// backticked returns the `quoted` parts of line, in order.
func backticked(line string) []string {
	parts := strings.Split(line, "`")
	var out []string
	for i := 1; i < len(parts); i += 2 {
		out = append(out, parts[i])
	}
	return out
}

// readEventsDoc parses EVENTS.md: "## `type`" starts an event, "### `Payload`
// on `subject`, ..." one of its payloads, and "| `field` | type | personal |"
// rows its fields.
func readEventsDoc(t *testing.T) []section {
	t.Helper()
	f, err := os.Open("EVENTS.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []section
	var eventType string
	inEvents := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			names := backticked(line)
			inEvents = len(names) == 1
			if inEvents {
				eventType = names[0]
			}
		case !inEvents:
		case strings.HasPrefix(line, "### "):
			names := backticked(line)
			if len(names) < 2 {
				t.Fatalf("EVENTS.md: %q names no payload and subjects", line)
			}
			out = append(out, section{eventType: eventType, payload: names[0], subjects: names[1:]})
		case strings.HasPrefix(line, "| `") && len(out) > 0:
			cells := strings.Split(line, "|")
			if len(cells) < 5 {
				t.Fatalf("EVENTS.md: %q is not a field row", line)
			}
			s := &out[len(out)-1]
			s.fields = append(s.fields, fmt.Sprintf("%s %s %s", strings.Trim(strings.TrimSpace(cells[1]), "`"),
				strings.TrimSpace(cells[2]), strings.TrimSpace(cells[3])))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEventsDoc checks EVENTS.md against EventTable both ways: every event
// type and payload is documented on its subjects with exactly its fields,
// and the page names nothing the code lacks.
func TestEventsDoc(t *testing.T) {
	t.Parallel()
	doc := map[string]section{}
	for _, s := range readEventsDoc(t) {
		if _, dup := doc[s.key()]; dup {
			t.Errorf("EVENTS.md documents %s twice", s.key())
		}
		doc[s.key()] = s
	}
	for _, spec := range EventTable {
		want := section{eventType: spec.Type, payload: reflect.TypeOf(spec.Payload).Name(), fields: payloadFields(spec)}
		for _, k := range spec.Subjects {
			want.subjects = append(want.subjects, docSubject(k, spec.Type))
		}
		got, ok := doc[want.key()]
		if !ok {
			t.Errorf("EVENTS.md does not document %s", want.key())
			continue
		}
		delete(doc, want.key())
		if !slices.Equal(got.fields, want.fields) {
			t.Errorf("EVENTS.md, %s: fields\n got %q\nwant %q (name, type, personal)", want.key(), got.fields, want.fields)
		}
	}
	for k := range doc {
		t.Errorf("EVENTS.md documents %s, which EventTable does not have", k)
	}
}

// TestEventTable checks the table itself: payloads are structs whose every
// field has a JSON name, personal fields exist, and one type and subject
// kind have one payload.
func TestEventTable(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, spec := range EventTable {
		pt := reflect.TypeOf(spec.Payload)
		if pt.Kind() != reflect.Struct {
			t.Errorf("%s: payload %s is not a struct", spec.Type, pt)
			continue
		}
		var names []string
		for i := range pt.NumField() {
			name, _, _ := strings.Cut(pt.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				t.Errorf("%s: %s.%s has no JSON name", spec.Type, pt.Name(), pt.Field(i).Name)
			}
			names = append(names, name)
		}
		for _, p := range spec.Personal {
			if !slices.Contains(names, p) {
				t.Errorf("%s: personal field %q is not in %s", spec.Type, p, pt.Name())
			}
		}
		for _, k := range spec.Subjects {
			key := spec.Type + " " + string(k)
			if seen[key] {
				t.Errorf("%s on %s subjects has two payloads", spec.Type, k)
			}
			seen[key] = true
		}
	}
}

func TestDecodeEvent(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 24, 9, 0, 0, 123, time.UTC)
	t.Run("OK", func(t *testing.T) {
		e := Event{ID: "E1", Type: EventCustomerTransferred, Subject: EventSubject(EventCustomerTransferred), At: at,
			Data: CustomerTransferred{Customer: "C1", From: "amy", To: "bob", Boutique: "sh", Told: true, Message: "M1"}}
		payload, err := EncodeEvent(e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeEvent(e.Subject, payload)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("got %+v, want %+v", got, e)
		}
	})
	t.Run("Envelope", func(t *testing.T) {
		payload, err := EncodeEvent(Event{ID: "E1", Type: EventCustomerErased, At: at, Data: CustomerErased{Customer: "C1"}})
		if err != nil {
			t.Fatal(err)
		}
		got, want := string(payload), `{"v":1,"id":"E1","type":"customer.erased","at":"2026-11-24T09:00:00.000000123Z","data":{"customer":"C1"}}`
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})
	t.Run("UnknownFieldsIgnored", func(t *testing.T) {
		// A newer Salon added fields to the envelope and to the payload.
		payload := `{"v":1,"id":"E2","type":"message.received","at":"2026-11-24T09:00:00Z","trace":"x",
			"data":{"customer":"C1","message":"M1","type":"text","preview":"hi","mood":"happy","tags":["a"]}}`
		got, err := DecodeEvent(AssociateSubject("amy"), []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		want := MessageNotice{Customer: "C1", Message: "M1", Type: "text", Preview: "hi"}
		if got.Data != want {
			t.Errorf("got %+v, want %+v", got.Data, want)
		}
	})
	t.Run("UnknownTypeHasNoData", func(t *testing.T) {
		got, err := DecodeEvent(EventSubject("campaign.launched"), []byte(`{"v":1,"id":"E3","type":"campaign.launched","at":"2026-11-24T09:00:00Z","data":{"order":"O1"}}`))
		if err != nil || got.Type != "campaign.launched" || got.ID != "E3" || got.Data != nil {
			t.Errorf("got %+v, %v; want the envelope without data", got, err)
		}
	})
	t.Run("ErrNotAnEvent", func(t *testing.T) {
		for _, tc := range []struct{ subject, payload string }{
			{EventSubject(EventCustomerErased), `[1,2]`},
			{EventSubject(EventCustomerErased), `{"v":1,"type":"customer.erased","data":{"customer":7}}`},
			{"other.subject", `{"v":1,"type":"customer.erased"}`},
		} {
			if _, err := DecodeEvent(tc.subject, []byte(tc.payload)); err == nil {
				t.Errorf("%s %s: no error", tc.subject, tc.payload)
			}
		}
	})
}

func TestSubjectOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		subject string
		kind    SubjectKind
		rest    string
		wantOK  bool
	}{
		{EventSubject(EventMessageReceived), ToIntegrations, "message.received", true},
		{AssociateSubject("amy"), ToAssociate, "amy", true},
		{BoutiqueSubject("sh-plaza66"), ToBoutique, "sh-plaza66", true},
		{"salon.notify.associate.", "", "", false},
		{"salon.other.x", "", "", false},
	} {
		kind, rest, ok := SubjectOf(tc.subject)
		if kind != tc.kind || rest != tc.rest || ok != tc.wantOK {
			t.Errorf("SubjectOf(%q) = %q, %q, %v; want %q, %q, %v", tc.subject, kind, rest, ok, tc.kind, tc.rest, tc.wantOK)
		}
	}
	for _, bad := range []string{"", "a.b", "a*", ">", "a b"} {
		if CheckSubjectToken(bad) == nil {
			t.Errorf("CheckSubjectToken(%q) accepted it", bad)
		}
	}
	if err := CheckSubjectToken("amy"); err != nil {
		t.Error(err)
	}
}

// checkAgainstTable fails when e is not what EventTable says an event of
// its type carries on its subject.
func checkAgainstTable(t *testing.T, e Event) {
	t.Helper()
	kind, _, ok := SubjectOf(e.Subject)
	if !ok {
		t.Errorf("%s: subject %q is outside the contract", e.Type, e.Subject)
		return
	}
	spec, ok := EventSpecFor(e.Type, kind)
	if !ok {
		t.Errorf("%s on %s: not in EventTable", e.Type, kind)
		return
	}
	if got, want := reflect.TypeOf(e.Data), reflect.TypeOf(spec.Payload); got != want {
		t.Errorf("%s on %s: data is %v, EventTable says %v", e.Type, kind, got, want)
	}
	if _, err := json.Marshal(e.Data); err != nil {
		t.Error(err)
	}
}
