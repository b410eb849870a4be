package main

import (
	"context"

	"github.com/salonhq/salon/bot/kf"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
)

// kfConfigured reports whether the 微信客服 callback is set up.
func (c *Config) kfConfigured() bool {
	return c.WeComCorpID != "" && c.WeComKFToken != "" && c.WeComKFAES != ""
}

// startKf creates the 微信客服 puller, if the callback is configured, and
// resumes the pulls a previous run left unfinished. Without the kf secret
// notices are only recorded: they are pulled after a restart with it.
func (m *Main) startKf(ctx context.Context, client *wxclient.Client) error {
	if !m.Config.kfConfigured() {
		return nil
	}
	var api kf.API
	if m.Config.WeComKFSec != "" {
		p, err := m.kfProvider(client)
		if err != nil {
			return err
		}
		api = p
	} else {
		m.Log.Warn("SALON_WECOM_KF_SECRET is not set: 微信客服 callbacks are acknowledged and recorded, but no message is pulled")
	}
	m.kfPuller = kf.New(m.DB, api, kf.Options{Announce: clienteling.AnnounceReceived, Wake: m.afterReceive, Log: m.Log})
	return m.kfPuller.Start(ctx)
}

// stopKf stops the pulls under way; their notices and cursors stay in the
// database for the next start.
func (m *Main) stopKf() {
	if m.kfPuller != nil {
		m.kfPuller.Close()
		m.kfPuller = nil
	}
}
