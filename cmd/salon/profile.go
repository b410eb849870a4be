package main

import (
	"fmt"

	"github.com/salonhq/salon/bot/profile"
	"github.com/salonhq/salon/bot/qrcode"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
)

// startProfiles runs the enricher that fetches new clients' language and
// unionid from the Official Account (the sandbox's fake one in sandbox
// mode), until Close.
func (m *Main) startProfiles(client *wxclient.Client) error {
	if err := m.openOA(client); err != nil {
		return err
	}
	var oa profile.Fetcher
	if m.oa != nil {
		oa = m.oa
	}
	m.profiles = profile.New(m.DB, oa, m.Log)
	m.workers.start("profile enricher", m.profiles)
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
	p, err := m.tokenProvider(client, wxclient.Credential{Family: wxclient.OA, ID: appID, Secret: secret})
	if err != nil {
		return err
	}
	m.oa = p
	return nil
}

// tokenProvider makes the access-token provider of one credential; every
// part that calls WeChat gets its provider here. Tokens are kept in the
// database, one record per credential (the app id; for WeCom the corp id
// and which secret: app, contact, 微信客服), so that a restart reuses a
// valid token instead of spending WeChat's daily fetch quota. The
// sandbox's fake WeChat forgets its tokens when it stops, so there they
// stay in memory. The provider runs as a worker from here, before the
// parts that use it, so that it stops after them.
func (m *Main) tokenProvider(client *wxclient.Client, cred wxclient.Credential) (*wxclient.AccessTokenProvider, error) {
	opts := wxclient.ProviderOptions{Logger: m.Log}
	if m.sandbox == nil {
		opts.Store = m.DB
	}
	p, err := wxclient.NewAccessTokenProvider(client, cred, opts)
	if err != nil {
		return nil, err
	}
	m.workers.start("access tokens "+cred.String(), p)
	return p, nil
}

// kfProvider returns the one token provider of the 微信客服 secret, shared
// by the puller and the sender; nil without the secret.
func (m *Main) kfProvider(client *wxclient.Client) (*wxclient.AccessTokenProvider, error) {
	if m.kfTokens != nil || m.Config.WeComCorpID == "" || m.Config.WeComKFSecret == "" {
		return m.kfTokens, nil
	}
	p, err := m.tokenProvider(client, wxclient.Credential{Family: wxclient.WeCom,
		ID: m.Config.WeComCorpID, Secret: m.Config.WeComKFSecret, Name: "kf"})
	if err != nil {
		return nil, fmt.Errorf("SALON_WECOM_KF_SECRET: %w", err)
	}
	m.kfTokens = p
	return p, nil
}

// qrCodes returns the maker of associates' QR codes, or nil without an
// Official Account.
func (m *Main) qrCodes() clienteling.QRCodeMaker {
	if m.oa == nil {
		return nil
	}
	return qrcode.New(m.oa)
}
