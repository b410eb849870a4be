package main

import (
	"context"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/demo"
)

// seedDemo fills an empty database with the demo maison; a database that
// holds anything is left alone, so sandbox mode never touches real data.
func seedDemo(ctx context.Context, m *Main) error {
	ctx = clienteling.WithPrincipal(ctx, clienteling.System())
	empty, err := demo.IsEmpty(ctx, m.Service)
	if err != nil || !empty {
		return err
	}
	if err := demo.Seed(ctx, m.Service, m.DB, time.Now()); err != nil {
		return err
	}
	m.Log.Info("sandbox: seeded the demo maison", "brand", demo.BrandName, "boutiques", 2, "associates", 4, "products", 30, "clients", 5)
	return nil
}
