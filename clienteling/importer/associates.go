package importer

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
)

var associatesKind = kind[clienteling.Associate]{
	columns:    []string{"userid", "name", "boutique", "role", "email", "status", "hours"},
	required:   [][]string{{"userid"}, {"name"}, {"boutique"}, {"role"}},
	fromCSV:    associateFromCSV,
	check:      checkAssociate,
	keys:       associateKeys,
	cellFields: map[string]string{},
}

// checkAssociate normalizes and validates a new associate, whose userid
// must be free and whose boutique must exist.
func checkAssociate(a *clienteling.Associate, _ Format, k *known) []*clienteling.Error {
	a.Normalize()
	errs := clienteling.ValidateAll(a)
	if err := checkShifts("hours", a.Hours); err != nil {
		// Its words say more than the validator's "must be after open".
		errs = slices.DeleteFunc(errs, func(e *clienteling.Error) bool { return e.Field == err.Field })
		errs = append(errs, err)
	}
	if k == nil {
		return errs
	}
	if a.UserID != "" && !reported(errs, "userid") && k.userids[strings.ToLower(string(a.UserID))] {
		errs = append(errs, &clienteling.Error{Code: clienteling.ECONFLICT, Field: "userid", Message: "an associate with this userid exists already"})
	}
	if a.Boutique != "" && !reported(errs, "boutique") && !k.boutiques[a.Boutique] {
		errs = append(errs, noBoutique())
	}
	return errs
}

func associateKeys(a *clienteling.Associate, _ Format) []uniqueKey {
	if a.UserID == "" {
		return nil
	}
	// WeCom treats userids that differ only in case as the same person.
	return []uniqueKey{{field: "userid", value: strings.ToLower(string(a.UserID))}}
}

func associateFromCSV(c *cells) *clienteling.Associate {
	a := &clienteling.Associate{
		UserID:   clienteling.AssociateID(c.get("userid")),
		Name:     c.get("name"),
		Boutique: clienteling.BoutiqueID(c.get("boutique")),
		Role:     strings.ToLower(c.get("role")),
		Email:    c.get("email"),
		Status:   strings.ToLower(c.get("status")),
	}
	hours, err := parseHours(c.get("hours"))
	if err != nil {
		c.fail("hours", err.Message)
	}
	a.Hours = hours
	return a
}

// weekdays in the order a range such as mon-fri walks them.
var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// parseHours reads weekly hours as the CSV files write them: shifts
// separated by "|", each a day, a range of days or "daily", then a span in
// local time: "mon 10:00-22:00|tue 10:00-22:00", "mon-fri 10:00-19:00",
// "daily 10:00-22:00". An empty string is no hours, which the domain reads as
// "always". A shift may not cross midnight; write two.
func parseHours(s string) (clienteling.Weekly, *clienteling.Error) {
	var w clienteling.Weekly
	for _, item := range strings.Split(s, "|") {
		item = strings.ToLower(strings.TrimSpace(item))
		if item == "" {
			continue
		}
		days, span, ok := strings.Cut(item, " ")
		open, close, ok2 := strings.Cut(strings.TrimSpace(span), "-")
		if !ok || !ok2 || !hhmm(open) || !hhmm(close) {
			return nil, clienteling.FieldError("", `must be shifts such as "mon-fri 10:00-19:00|sat 12:00-20:00"`)
		}
		list, err := dayRange(days)
		if err != nil {
			return nil, err
		}
		for _, d := range list {
			w = append(w, clienteling.Shift{Day: d, Open: open, Close: close})
		}
	}
	if err := checkShifts("", w); err != nil {
		return nil, err
	}
	return w, nil
}

// dayRange expands "mon", "mon-fri" or "daily" into days.
func dayRange(s string) ([]string, *clienteling.Error) {
	if s == "daily" {
		return weekdays, nil
	}
	from, to, isRange := strings.Cut(s, "-")
	i, j := slices.Index(weekdays, from), slices.Index(weekdays, to)
	if !isRange {
		j = i
	}
	if i < 0 || j < 0 {
		return nil, clienteling.FieldError("", "days must be mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, or daily")
	}
	if j < i {
		return nil, clienteling.FieldError("", "a range of days must run from monday towards sunday, such as mon-fri")
	}
	return weekdays[i : j+1], nil
}

// checkShifts gives the reason a shift is out of order in words, which the
// validator's generic message ("is invalid (gtfield)") does not.
func checkShifts(field string, w clienteling.Weekly) *clienteling.Error {
	for i, s := range w {
		if hhmm(s.Open) && hhmm(s.Close) && s.Close <= s.Open {
			f := field
			if f != "" {
				f = fmt.Sprintf("%s[%d].close", field, i)
			}
			return clienteling.FieldError(f, "a shift must close after it opens; split one that crosses midnight in two")
		}
	}
	return nil
}

// hhmm reports whether s is a time of day written HH:MM. The fixed width
// matters: shifts are compared as strings.
func hhmm(s string) bool {
	if len(s) != 5 {
		return false
	}
	_, err := time.Parse("15:04", s)
	return err == nil
}
