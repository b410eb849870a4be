package main

import (
	"github.com/salonhq/salon/clienteling"
)

// startEscalator runs reply-due reminders and escalations until Close.
// Their timers are in the database, so those that fell due while Salon was
// stopped fire at once.
func (m *Main) startEscalator() {
	m.escalator = clienteling.NewEscalator(m.DB, m.clock(), m.Log, m.relay.Wake)
	m.workers.start("escalator", m.escalator)
}

// clock is the injected clock, or the real one.
func (m *Main) clock() clienteling.Timer {
	if m.Clock == nil {
		return clienteling.SystemTimer{}
	}
	return m.Clock
}
