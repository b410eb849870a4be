package clienteling

import (
	"context"
	"sync"
	"time"
)

// Boutique is a store of the brand. Its time zone decides what "inside opening
// hours" means for everyone who works there.
type Boutique struct {
	ID       BoutiqueID `json:"id" validate:"required,slug"`
	Brand    BrandID    `json:"brand,omitempty" validate:"omitempty,slug"`
	Name     string     `json:"name" validate:"required,max=200"`
	City     string     `json:"city" validate:"required,max=100"`
	Timezone string     `json:"timezone" validate:"required,timezone"`
	Hours    Weekly     `json:"hours,omitempty" validate:"omitempty,max=21,dive"`
}

// Location returns the boutique's time zone, or Asia/Shanghai if it cannot
// be loaded (validation makes that an impossible case for stored boutiques).
func (b *Boutique) Location() *time.Location {
	if loc, ok := locations.Load(b.Timezone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(b.Timezone)
	if err != nil {
		return shanghai
	}
	locations.Store(b.Timezone, loc)
	return loc
}

// locations caches loaded time zones: LoadLocation reads and parses the
// zone database each time, and routing asks for every message.
var locations sync.Map

var shanghai = time.FixedZone("CST", 8*3600)

// Shift is a span of hours on one weekday, in the boutique's local time.
// Close after Open; a shift does not cross midnight (split it in two).
type Shift struct {
	Day   string `json:"day" validate:"required,oneof=mon tue wed thu fri sat sun"`
	Open  string `json:"open" validate:"required,hhmm"`
	Close string `json:"close" validate:"required,hhmm,after_open"`
}

// Weekly is a set of shifts: opening hours of a boutique, working hours of an
// associate. Empty means "always".
type Weekly []Shift

var weekdays = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Covers reports whether t, read in loc, falls inside one of the shifts.
// An empty Weekly covers every moment.
func (w Weekly) Covers(t time.Time, loc *time.Location) bool {
	if len(w) == 0 {
		return true
	}
	local := t.In(loc)
	day := weekdays[local.Weekday()]
	hhmm := local.Format("15:04")
	for _, s := range w {
		if s.Day == day && hhmm >= s.Open && hhmm < s.Close {
			return true
		}
	}
	return false
}

// BoutiqueStore keeps boutiques.
type BoutiqueStore interface {
	// CreateBoutique stores a new boutique; ECONFLICT if the id is taken.
	CreateBoutique(ctx context.Context, b *Boutique) error
	// FindBoutique returns the boutique or ENOTFOUND.
	FindBoutique(ctx context.Context, id BoutiqueID) (*Boutique, error)
	// Boutiques returns every boutique, ordered by id.
	Boutiques(ctx context.Context) ([]*Boutique, error)
}
