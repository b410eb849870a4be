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
	in := ingress.New(m.DB, clienteling.AnnounceReceived, m.afterReceive, m.Log, m.Registry)
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
	c := m.Config
	if c.WeComCorpID != "" && c.WeComToken != "" && c.WeComAESKey != "" {
		// Customer-contact events are stored as the client's; associates'
		// own messages are acknowledged and, for now, ignored.
		v, err := callback.NewWeComApp(callback.WeComConfig{CorpID: c.WeComCorpID, Token: c.WeComToken, EncodingAESKey: c.WeComAESKey})
		if err != nil {
			return fmt.Errorf("wecom app callback: %w", err)
		}
		mux.Handle("/wecom/app", in.Handler(v))
	}
	if m.kfPuller != nil {
		v, err := callback.NewKF(callback.WeComConfig{CorpID: c.WeComCorpID, Token: c.WeComKFToken, EncodingAESKey: c.WeComKFAESKey})
		if err != nil {
			return fmt.Errorf("wecom kf callback: %w", err)
		}
		mux.Handle("/wecom/kf", in.KfHandler(v, m.kfPuller))
	}
	return nil
}
