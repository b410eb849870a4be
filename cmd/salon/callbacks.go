package main

import (
	"fmt"
	"net/http"

	"github.com/salonhq/salon/bot/callback"
	"github.com/salonhq/salon/bot/ingress"
	"github.com/salonhq/salon/clienteling"
)

// registerCallbacks mounts the WeChat callbacks that are configured; in
// sandbox mode, the Official Account one with the simulator's credentials.
func (m *Main) registerCallbacks(mux *http.ServeMux) error {
	in := ingress.New(m.DB, clienteling.AnnounceReceived, m.relay.Wake, m.Log, m.Registry)
	oa := callback.OAConfig{AppID: m.Config.OAAppID, Token: m.Config.OAToken, EncodingAESKey: m.Config.OAAESKey}
	if m.sandbox != nil {
		c := m.sandbox.creds
		oa = callback.OAConfig{AppID: c.OAAppID, Token: c.OAToken, EncodingAESKey: c.OAAESKey}
	}
	if oa.Token != "" {
		v, err := callback.NewOA(oa)
		if err != nil {
			return fmt.Errorf("official account callback: %w", err)
		}
		mux.Handle("/wechat/oa", in.Handler(v))
	}
	return nil
}
