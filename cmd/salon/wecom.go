package main

import (
	"context"
	"fmt"

	"github.com/salonhq/salon/bot/wecom"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/locales"
)

// Durable consumer names of the WeCom side; renaming one starts it afresh.
const (
	wecomNotifyDurable   = "salon-wecom-app"
	wecomTransferDurable = "salon-wecom-transfer"
)

// wecomParts are the WeCom side's running parts; each is nil when its
// secret is not configured.
type wecomParts struct {
	notifier    *wecom.Notifier
	transfers   *wecom.TransferMirror
	contactWays *wecom.ContactWays
}

// wecomAppConfigured reports whether associates can get WeCom app
// messages.
func (c *Config) wecomAppConfigured() bool {
	return c.WeComCorpID != "" && c.WeComAgentID != "" && c.WeComAppSecret != ""
}

// startWeCom starts what WeCom's secrets allow: with the app secret (and
// agent id), associates' notifications as app messages; with the
// customer-contact secret (or the app's, which may hold that permission),
// contact ways and transfers mirrored to transfer_customer, each running
// until Close; what they had not finished is delivered to them again at the
// next start. It runs before the outbox relay, so that the consumers it
// creates on first use see everything published after.
func (m *Main) startWeCom(ctx context.Context, client *wxclient.Client) error {
	c := m.Config
	if c.WeComCorpID == "" || m.sandbox != nil {
		return nil
	}
	provider := func(name, secret string) (*wxclient.AccessTokenProvider, error) {
		return m.tokenProvider(client, wxclient.Credential{Family: wxclient.WeCom, ID: c.WeComCorpID, Secret: secret, Name: name})
	}
	parts := &wecomParts{}
	m.wecom = parts
	var app, contact *wxclient.AccessTokenProvider
	var err error
	if c.WeComAppSecret != "" {
		if app, err = provider("app", c.WeComAppSecret); err != nil {
			return fmt.Errorf("SALON_WECOM_APP_SECRET: %w", err)
		}
		contact = app
	}
	if c.WeComContactSecret != "" {
		if contact, err = provider("contact", c.WeComContactSecret); err != nil {
			return fmt.Errorf("SALON_WECOM_CONTACT_SECRET: %w", err)
		}
	}
	if c.wecomAppConfigured() {
		parts.notifier, err = wecom.NewNotifier(ctx, m.Bus.JS, app, wecom.NotifierOptions{
			Durable: wecom.Durable{Stream: natsbus.NotifyStream, Name: wecomNotifyDurable, Subject: natsbus.SubjectAssociateNotify},
			AgentID: c.WeComAgentID, Console: m.PublicURL, Clock: m.clock(), Log: m.Log, Registerer: m.Registry,
		})
		if err != nil {
			return fmt.Errorf("SALON_WECOM_AGENTID: %w", err)
		}
		m.workers.start("WeCom notifier", parts.notifier)
	} else if app != nil {
		m.Log.Warn("SALON_WECOM_AGENTID is not set: associates get no WeCom app messages")
	}
	if contact == nil {
		return nil
	}
	parts.contactWays = wecom.NewContactWays(contact)
	parts.transfers, err = wecom.NewTransferMirror(ctx, m.Bus.JS, contact, m.DB, wecom.TransferOptions{
		Durable: wecom.Durable{Stream: natsbus.EventsStream, Name: wecomTransferDurable,
			Subject: clienteling.EventSubject(clienteling.EventCustomerTransferred)},
		SuccessMessage: func(lang, name string) string { return locales.T(lang, "transferred", name) },
		Log:            m.Log,
		Registerer:     m.Registry,
	})
	if err != nil {
		return err
	}
	m.workers.start("WeCom transfer mirror", parts.transfers)
	return nil
}

// contactWays returns the maker of associates' WeCom contact ways, or nil
// without WeCom.
func (m *Main) contactWays() clienteling.ContactWayMaker {
	if m.wecom == nil || m.wecom.contactWays == nil {
		return nil
	}
	return m.wecom.contactWays
}
