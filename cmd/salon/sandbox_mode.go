package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/salonhq/salon/bot/sandbox"
	"github.com/salonhq/salon/bot/wechatsim"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/demo"
)

// sandboxMode is what stands in for WeChat when no credentials are set: the
// simulated WeChat on loopback, the credentials it accepts, and the chat at
// /sandbox where a newcomer writes as a demo VIP.
type sandboxMode struct {
	fake    *wechatsim.Server
	apiBase string
	creds   sandbox.Credentials
	chat    *sandbox.Chat
}

// startSandbox starts the simulated WeChat, seeds an empty database with
// the demo maison, and mounts the chat under /sandbox.
func startSandbox(ctx context.Context, m *Main, mux *http.ServeMux) (*sandboxMode, error) {
	creds := sandbox.NewCredentials()
	customers, err := demo.Customers()
	if err != nil {
		return nil, fmt.Errorf("sandbox: demo clients: %w", err)
	}
	var demoOpenIDs []string
	for _, c := range customers {
		for _, id := range c.Identities {
			if id.Channel == clienteling.ChannelOA {
				demoOpenIDs = append(demoOpenIDs, id.ExternalID)
			}
		}
	}
	fake, err := wechatsim.New(wechatsim.Options{OAAppID: creds.OAAppID, OASecret: creds.OASecret, RecordLimit: 1000,
		PayV3KeyDir: sandboxPayKeyDir(m.Config)})
	if err != nil {
		return nil, fmt.Errorf("sandbox: simulated WeChat: %w", err)
	}
	if err := seedDemo(ctx, m); err != nil {
		fake.Close()
		return nil, fmt.Errorf("sandbox: seed demo data: %w", err)
	}
	chat := sandbox.New(sandbox.Config{Service: m.Service, Sim: fake, Credentials: creds,
		DemoOpenIDs: demoOpenIDs, BrandName: demo.BrandName, SelfURL: func() string { return sandboxSelfURL(m) }, Log: m.Log})
	chat.Register(mux)
	return &sandboxMode{fake: fake, apiBase: fake.URL(), creds: creds, chat: chat}, nil
}

func (sb *sandboxMode) close() {
	sb.chat.Close()
	sb.fake.Close()
}

// sandboxSelfURL is this server's base URL for a request from the process
// itself: a listener on all interfaces is reached over loopback, by name so
// that the dialer tries whichever of IPv4 and IPv6 it listens on.
func sandboxSelfURL(m *Main) string {
	addr, ok := m.listener.Addr().(*net.TCPAddr)
	if !ok || !addr.IP.IsUnspecified() {
		return m.URL()
	}
	return "http://" + net.JoinHostPort("localhost", strconv.Itoa(addr.Port))
}
