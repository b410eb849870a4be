package importer

import (
	"context"
	"fmt"
	"strings"

	"github.com/salonhq/salon/clienteling"
)

// Directory is where an import finds the boutiques and associates that
// already exist, so that a row naming one that does not is refused with its
// row and field instead of failing the whole write, or worse, being stored
// with a link nothing can reach. *clienteling.Service is one, acting as the
// principal in ctx; List makes one from values at hand.
type Directory interface {
	// Boutiques returns every boutique.
	Boutiques(ctx context.Context) ([]*clienteling.Boutique, error)
	// Associates returns the associates f selects; the zero filter, all.
	Associates(ctx context.Context, f clienteling.AssociateFilter) ([]*clienteling.Associate, error)
}

// List returns a Directory of the given boutiques and associates: those
// imported alongside a file (the demo seeds boutiques, associates and their
// clients together) or none at all.
func List(bs []*clienteling.Boutique, as []*clienteling.Associate) Directory {
	return listed{bs, as}
}

type listed struct {
	boutiques  []*clienteling.Boutique
	associates []*clienteling.Associate
}

func (l listed) Boutiques(context.Context) ([]*clienteling.Boutique, error) { return l.boutiques, nil }

func (l listed) Associates(_ context.Context, f clienteling.AssociateFilter) ([]*clienteling.Associate, error) {
	var out []*clienteling.Associate
	for _, a := range l.associates {
		if f.Boutique == "" || a.Boutique == f.Boutique {
			out = append(out, a)
		}
	}
	return out, nil
}

// known is what a Directory held when an import began.
type known struct {
	boutiques  map[clienteling.BoutiqueID]bool
	associates map[clienteling.AssociateID]bool
	userids    map[string]bool // associates' userids in lower case, as WeCom compares them
}

// lookUp reads dir once, so that a file of many rows costs two calls.
func lookUp(ctx context.Context, dir Directory) (*known, error) {
	bs, err := dir.Boutiques(ctx)
	if err != nil {
		return nil, fmt.Errorf("list boutiques: %w", err)
	}
	as, err := dir.Associates(ctx, clienteling.AssociateFilter{})
	if err != nil {
		return nil, fmt.Errorf("list associates: %w", err)
	}
	k := &known{
		boutiques:  make(map[clienteling.BoutiqueID]bool, len(bs)),
		associates: make(map[clienteling.AssociateID]bool, len(as)),
		userids:    make(map[string]bool, len(as)),
	}
	for _, b := range bs {
		k.boutiques[b.ID] = true
	}
	for _, a := range as {
		k.associates[a.UserID] = true
		k.userids[strings.ToLower(string(a.UserID))] = true
	}
	return k, nil
}

// reported reports whether errs already names field, so that a malformed
// id is not also reported as unknown.
func reported(errs []*clienteling.Error, field string) bool {
	for _, e := range errs {
		if e.Field == field {
			return true
		}
	}
	return false
}

// noBoutique is the problem of a row naming a boutique that does not exist.
func noBoutique() *clienteling.Error {
	return &clienteling.Error{Code: clienteling.ENOTFOUND, Field: "boutique", Message: "no such boutique: create it first"}
}
