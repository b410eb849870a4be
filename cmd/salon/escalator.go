package main

import (
	"context"

	"github.com/salonhq/salon/clienteling"
)

// startEscalator runs reply-due reminders and escalations until ctx ends.
// Their timers are in the database, so those that fell due while Salon was
// stopped fire at once.
func (m *Main) startEscalator(ctx context.Context) {
	m.escalator = clienteling.NewEscalator(m.DB, m.clock(), m.Log, m.relay.Wake)
	m.background.Add(1)
	go func() { defer m.background.Done(); m.escalator.Run(ctx) }()
}

// clock is the injected clock, or the real one.
func (m *Main) clock() clienteling.Timer {
	if m.Clock == nil {
		return clienteling.SystemTimer{}
	}
	return m.Clock
}
