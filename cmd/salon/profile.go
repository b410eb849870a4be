package main

import (
	"context"

	"github.com/salonhq/salon/bot/profile"
	"github.com/salonhq/salon/bot/qrcode"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
)

// startProfiles runs the enricher that fetches new clients' language and
// unionid from the Official Account (the sandbox's fake one in sandbox
// mode), until ctx ends.
func (m *Main) startProfiles(ctx context.Context, client *wxclient.Client) error {
	if err := m.openOA(client); err != nil {
		return err
	}
	var oa profile.Fetcher
	if m.oa != nil {
		oa = m.oa
	}
	m.profiles = profile.New(m.DB, oa, m.Log)
	m.background.Add(1)
	go func() { defer m.background.Done(); m.profiles.Run(ctx) }()
	return nil
}

// afterReceive wakes what follows a stored inbound message: the outbox
// relay and the profile enricher.
func (m *Main) afterReceive() {
	m.relay.Wake()
	m.profiles.Wake()
	m.escalator.Wake()
}

// openOA makes the one access-token provider of the Official Account (the
// sandbox's fake one in sandbox mode), shared by every part that calls its
// API so that they share one token; m.oa stays nil without credentials.
func (m *Main) openOA(client *wxclient.Client) error {
	if m.oa != nil {
		return nil
	}
	appID, secret := m.Config.OAAppID, m.Config.OASecret
	if m.sandbox != nil {
		appID, secret = m.sandbox.creds.OAAppID, m.sandbox.creds.OASecret
	}
	if appID == "" || secret == "" {
		return nil
	}
	p, err := wxclient.NewAccessTokenProvider(client, wxclient.Credential{Family: wxclient.OA, ID: appID, Secret: secret},
		wxclient.ProviderOptions{Logger: m.Log})
	if err != nil {
		return err
	}
	m.oa = p
	return nil
}

// qrCodes returns the maker of associates' QR codes, or nil without an
// Official Account.
func (m *Main) qrCodes() clienteling.QRCodeMaker {
	if m.oa == nil {
		return nil
	}
	return qrcode.New(m.oa)
}
