package main

import (
	"context"

	"github.com/salonhq/salon/bot/kf"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/demo"
	"github.com/salonhq/salon/locales"
)

// kfConfigured reports whether the 微信客服 callback is set up.
func (c *Config) kfConfigured() bool {
	return c.WeComCorpID != "" && c.WeComKFToken != "" && c.WeComKFAESKey != ""
}

// startKf runs the 微信客服 puller, if the callback is configured, until
// Close; it first resumes the pulls a previous run left unfinished, and a
// pull stopped midway keeps its notice and cursor in the database for the
// next start. Without the kf secret notices are only recorded: they are
// pulled after a restart with it.
func (m *Main) startKf(client *wxclient.Client) error {
	if !m.Config.kfConfigured() {
		return nil
	}
	var api kf.API
	if m.Config.WeComKFSecret != "" {
		p, err := m.kfProvider(client)
		if err != nil {
			return err
		}
		api = p
	} else {
		m.Log.Warn("SALON_WECOM_KF_SECRET is not set: 微信客服 callbacks are acknowledged and recorded, but no message is pulled")
	}
	m.kfPuller = kf.New(m.DB, api, kf.Options{Announce: clienteling.AnnounceReceived, Wake: m.afterReceive, Log: m.Log,
		Welcome: m.welcomeKf})
	m.workers.start("微信客服 puller", m.kfPuller)
	return nil
}

// welcomeKf queues the bot's welcome, in the client's language, for a
// client who opened a 微信客服 session.
func (m *Main) welcomeKf(ctx context.Context, c *clienteling.Customer, openKfID, code string) error {
	text := locales.T(c.Language, "welcome_unnamed")
	if name := m.brandName(); name != "" {
		text = locales.T(c.Language, "welcome", name)
	}
	_, err := m.Service.Welcome(clienteling.WithPrincipal(ctx, clienteling.System()), c.ID, openKfID, code, text)
	return err
}

// brandName is the house's name for the bot's words: the setting, or in
// sandbox mode the demo maison's.
func (m *Main) brandName() string {
	if m.Config.BrandName == "" && m.sandbox != nil {
		return demo.BrandName
	}
	return m.Config.BrandName
}
