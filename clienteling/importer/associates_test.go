package importer

import (
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

// requireShifts fails early, by name, if the domain refuses a well-formed
// shift, rather than as a puzzling failure of the data.
func requireShifts(t *testing.T) {
	t.Helper()
	if err := clienteling.Validate(&clienteling.Shift{Day: "mon", Open: "10:00", Close: "22:00"}); err != nil {
		t.Fatalf("clienteling.Validate refuses the shift mon 10:00-22:00: %v", err)
	}
}

func shift(day, open, close string) clienteling.Shift {
	return clienteling.Shift{Day: day, Open: open, Close: close}
}

func TestAssociatesCSV(t *testing.T) {
	t.Parallel()
	const header = "userid,name,boutique,role,email,status,hours\n"
	tests := []struct {
		name   string
		in     string
		shifts bool
		want   []*clienteling.Associate
		errs   []string
	}{
		{name: "OK", in: header + "amy,Amy Li,sh-plaza66,Associate,amy@example.com,,\nchenjing,Chen Jing,sh-plaza66,manager,,away,\n",
			want: []*clienteling.Associate{
				{UserID: "amy", Name: "Amy Li", Boutique: "sh-plaza66", Role: "associate", Email: "amy@example.com", Status: "active"},
				{UserID: "chenjing", Name: "Chen Jing", Boutique: "sh-plaza66", Role: "manager", Status: "away"},
			}},
		{name: "OKHours", shifts: true, in: header + "amy,Amy Li,sh-plaza66,associate,,,mon-wed 10:00-19:00| SAT 12:00-20:00 |\n",
			want: []*clienteling.Associate{{UserID: "amy", Name: "Amy Li", Boutique: "sh-plaza66", Role: "associate", Status: "active",
				Hours: clienteling.Weekly{shift("mon", "10:00", "19:00"), shift("tue", "10:00", "19:00"), shift("wed", "10:00", "19:00"), shift("sat", "12:00", "20:00")}}}},
		{name: "OKDaily", shifts: true, in: "userid,name,boutique,role,hours\nliwei,Li Wei,bj-skp,manager,daily 10:00-22:00\n",
			want: []*clienteling.Associate{{UserID: "liwei", Name: "Li Wei", Boutique: "bj-skp", Role: "manager", Status: "active",
				Hours: clienteling.Weekly{shift("mon", "10:00", "22:00"), shift("tue", "10:00", "22:00"), shift("wed", "10:00", "22:00"),
					shift("thu", "10:00", "22:00"), shift("fri", "10:00", "22:00"), shift("sat", "10:00", "22:00"), shift("sun", "10:00", "22:00")}}}},
		{name: "ErrDottedUserID", in: header + "li.wei,Li Wei,bj-skp,associate,,,\n",
			errs: []string{"row 2: userid: must be a WeCom userid (letters, digits, _ @ -)"}},
		{name: "ErrDuplicateUserID", in: header + "amy,Amy Li,sh-plaza66,associate,,,\nAmy,Amy Lee,bj-skp,associate,,,\n",
			errs: []string{"row 3: userid: duplicates row 2"}},
		{name: "ErrBadRole", in: header + "amy,Amy Li,sh-plaza66,director,,,\n",
			errs: []string{"row 2: role: must be one of: associate, manager"}},
		{name: "ErrBadStatus", in: header + "amy,Amy Li,sh-plaza66,associate,,gone,\n",
			errs: []string{"row 2: status: must be one of: active, away, departed"}},
		{name: "ErrBadEmail", in: header + "amy,Amy Li,sh-plaza66,associate,amy at example,,\n",
			errs: []string{"row 2: email: must be an email address"}},
		{name: "ErrMissingName", in: header + "amy,,sh-plaza66,associate,,,\n",
			errs: []string{"row 2: name: is required"}},
		{name: "ErrBadHours", in: header + "amy,Amy Li,sh-plaza66,associate,,,mon 10-22\nbo,Bo,sh-plaza66,associate,,,mon 9:00-18:00\n",
			errs: []string{
				`row 2: hours: must be shifts such as "mon-fri 10:00-19:00|sat 12:00-20:00"`,
				`row 3: hours: must be shifts such as "mon-fri 10:00-19:00|sat 12:00-20:00"`,
			}},
		{name: "ErrBadDay", in: header + "amy,Amy Li,sh-plaza66,associate,,,monday 10:00-19:00\n",
			errs: []string{"row 2: hours: days must be mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, or daily"}},
		{name: "ErrBackwardDays", in: header + "amy,Amy Li,sh-plaza66,associate,,,fri-mon 10:00-19:00\n",
			errs: []string{"row 2: hours: a range of days must run from monday towards sunday, such as mon-fri"}},
		{name: "ErrShiftOrder", in: header + "amy,Amy Li,sh-plaza66,associate,,,sat 22:00-02:00\n",
			errs: []string{"row 2: hours: a shift must close after it opens; split one that crosses midnight in two"}},
		{name: "ErrMissingColumn", in: "userid,name,role\n",
			errs: []string{"row 1: boutique: required column is missing"}},
		{name: "ErrNamedByRow", in: header + "amy,Amy Li,sh-plaza66,associate,,,\nLegacy,Old,sh-plaza66,associate,,,\nben,Ben,sh-nowhere,associate,,,\n",
			errs: []string{
				"row 3: userid: an associate with this userid exists already",
				"row 4: boutique: no such boutique: create it first",
			}},
		{name: "ErrEveryProblemOfARow", in: header + "li.wei,,sh-nowhere,boss,not-an-email,,monday 10:00-19:00\n",
			errs: []string{
				"row 2: hours: days must be mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, or daily",
				"row 2: userid: must be a WeCom userid (letters, digits, _ @ -)",
				"row 2: name: is required",
				"row 2: role: must be one of...",
				"row 2: email: must be an email address",
				"row 2: boutique: no such boutique: create it first",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.shifts {
				requireShifts(t)
			}
			got, err := readAssociates(strings.NewReader(tt.in), CSV)
			checkLines(t, errLines(t, err), tt.errs)
			checkValues(t, got, tt.want)
		})
	}
}

func TestAssociatesJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []*clienteling.Associate
		errs []string
	}{
		{name: "OK", in: `[{"userid":"sophie","name":"Sophie Zhang","boutique":"bj-skp","role":"associate"}]`,
			want: []*clienteling.Associate{{UserID: "sophie", Name: "Sophie Zhang", Boutique: "bj-skp", Role: "associate", Status: "active"}}},
		{name: "ErrShiftOrder", in: `[{"userid":"amy","name":"Amy","boutique":"b","role":"associate",
			"hours":[{"day":"mon","open":"10:00","close":"19:00"},{"day":"tue","open":"19:00","close":"10:00"}]}]`,
			errs: []string{"row 1: hours[1].close: a shift must close after it opens; split one that crosses midnight in two"}},
		{name: "ErrBadDay", in: `[{"userid":"amy","name":"Amy","boutique":"b","role":"associate",
			"hours":[{"day":"monday","open":"10:00","close":"19:00"}]}]`,
			errs: []string{"row 1: hours[0].day: must be one of: mon, tue, wed, thu, fri, sat, sun"}},
		{name: "ErrUnknownField", in: `[{"userid":"amy","name":"Amy","boutique":"b","role":"associate","phone":"+8613800000000"}]`,
			errs: []string{"row 1: phone: unknown field"}},
		{name: "ErrDuplicateUserID", in: `[{"userid":"amy","name":"Amy","boutique":"b","role":"associate"},
			{"userid":"AMY","name":"Amy","boutique":"b","role":"associate"}]`,
			errs: []string{"row 2: userid: duplicates row 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAssociates(strings.NewReader(tt.in), JSON)
			checkLines(t, errLines(t, err), tt.errs)
			checkValues(t, got, tt.want)
		})
	}
}

func TestParseHours(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     clienteling.Weekly
		err      string
	}{
		{name: "OK", in: "mon 10:00-19:00|tue 10:00-19:00",
			want: clienteling.Weekly{shift("mon", "10:00", "19:00"), shift("tue", "10:00", "19:00")}},
		{name: "OKSplitDay", in: "sun 10:00-14:00|sun 16:00-22:00",
			want: clienteling.Weekly{shift("sun", "10:00", "14:00"), shift("sun", "16:00", "22:00")}},
		{name: "OKRange", in: "thu-sun 13:00-22:00",
			want: clienteling.Weekly{shift("thu", "13:00", "22:00"), shift("fri", "13:00", "22:00"), shift("sat", "13:00", "22:00"), shift("sun", "13:00", "22:00")}},
		{name: "OKEmpty", in: " | "},
		{name: "ErrNoSpan", in: "mon", err: `must be shifts such as "mon-fri 10:00-19:00|sat 12:00-20:00"`},
		{name: "ErrMidnight", in: "mon 10:00-24:00", err: `must be shifts such as "mon-fri 10:00-19:00|sat 12:00-20:00"`},
		{name: "ErrEmptyShift", in: "mon 10:00-10:00", err: "a shift must close after it opens; split one that crosses midnight in two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseHours(tt.in)
			var msg string
			if err != nil {
				msg = err.Message
			}
			if msg != tt.err {
				t.Fatalf("error %q, want %q", msg, tt.err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("shift %d: got %v, want %v", i, got[i], tt.want[i])
				}
			}
		})
	}
}
