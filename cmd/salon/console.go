package main

import (
	"context"
	"net/http"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/console"
	"github.com/salonhq/salon/locales"
)

// mountConsole serves the staff console at /, after the bus (live
// updates follow the notification stream) and the sandbox (whose demo
// staff it offers to sign in as).
func (m *Main) mountConsole(ctx context.Context, mux *http.ServeMux) error {
	words, langs, err := locales.Console()
	if err != nil {
		return err
	}
	cfg := console.Config{Service: m.Service, Log: m.Log, Strings: words, Languages: langs,
		PublicURL: m.Config.PublicURL, Now: m.clock().Now, Follow: m.followAssociate}
	if m.sandbox != nil {
		staff, err := m.Service.Associates(clienteling.WithPrincipal(ctx, clienteling.System()), clienteling.AssociateFilter{})
		if err != nil {
			return err
		}
		cfg.SandboxStaff = staff
	}
	m.console = console.New(cfg)
	m.console.Register(mux)
	return nil
}

// followAssociate adapts the bus's notification stream to the console.
func (m *Main) followAssociate(ctx context.Context, id clienteling.AssociateID, after uint64) (<-chan console.Notice, error) {
	in, err := m.Bus.FollowAssociate(ctx, id, after)
	if err != nil {
		return nil, err
	}
	out := make(chan console.Notice)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-in:
				select {
				case out <- console.Notice{Seq: n.Seq, Type: n.Type, Customer: n.Customer}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
