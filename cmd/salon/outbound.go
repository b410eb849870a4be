package main

import (
	"context"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/locales"
)

// startOutbound settles the sends a previous run left unfinished, then runs
// the sender that delivers associates' replies through the Official
// Account's customer-service API (the sandbox's fake one in sandbox mode),
// until ctx ends. Each reply the API queues wakes it. Transfers queue their
// courtesy messages to clients on the same queue, worded from the catalog.
func (m *Main) startOutbound(ctx context.Context, client *wxclient.Client) error {
	if err := m.openOA(client); err != nil {
		return err
	}
	var oa outbound.Poster
	if m.oa != nil {
		oa = m.oa
	}
	sender := outbound.New(m.DB, oa, outbound.Options{Log: m.Log, Registerer: m.Registry, Recorded: m.relay.Wake})
	if err := sender.Reconcile(ctx); err != nil {
		return err
	}
	m.Service.SetReplyNotifier(sender.Wake)
	m.Service.SetTransferNotice(func(lang, name string) string { return locales.T(lang, "transferred", name) })
	m.background.Add(1)
	go func() { defer m.background.Done(); sender.Run(ctx) }()
	return nil
}
