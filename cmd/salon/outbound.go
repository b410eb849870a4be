package main

import (
	"context"

	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/thumbs"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/locales"
)

// startOutbound settles the sends a previous run left unfinished, then runs
// the sender that delivers messages to clients through the Official
// Account (the sandbox's fake one in sandbox mode) and 微信客服, until
// Close. Each message queued wakes it. Transfers queue their courtesy
// messages to clients on the same queue, worded from the catalog.
func (m *Main) startOutbound(ctx context.Context, client *wxclient.Client) error {
	if err := m.openOA(client); err != nil {
		return err
	}
	var apis outbound.APIs
	if m.oa != nil {
		apis.OA = m.oa
		// Mini-program cards need their picture in the Official
		// Account's media store.
		apis.OAThumbs = thumbs.New(m.oa, thumbs.Options{Now: m.clock().Now})
	}
	kf, err := m.kfProvider(client)
	if err != nil {
		return err
	}
	if kf != nil {
		apis.Kf = kf
		// Product cards reach 微信客服 as links whose thumbnail is the
		// product's picture, uploaded with the 微信客服 token.
		apis.Thumbs = thumbs.New(kf, thumbs.Options{Now: m.clock().Now})
	}
	opts := m.Outbound
	opts.Log, opts.Registerer, opts.Recorded = m.Log, m.Registry, m.relay.Wake
	sender := outbound.New(m.DB, apis, opts)
	if err := sender.Reconcile(ctx); err != nil {
		return err
	}
	m.Service.SetReplyNotifier(sender.Wake)
	m.Service.SetTransferNotice(func(lang, name string) string { return locales.T(lang, "transferred", name) })
	m.workers.start("outbound sender", sender)
	return nil
}
