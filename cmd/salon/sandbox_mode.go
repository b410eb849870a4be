package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
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
	// What the demo clients' phones received, and WeChat's delivery
	// reports, outlive a restart: the chat's marks are read from them.
	if err := fake.Keep(sandboxStatePath(m.Config.DataDir), func(err error) {
		m.Log.Error("sandbox: the simulated WeChat could not keep a send", "err", err)
	}); err != nil {
		fake.Close()
		return nil, fmt.Errorf("sandbox: simulated WeChat: %w", err)
	}
	if err := seedDemo(ctx, m); err != nil {
		fake.Close()
		return nil, fmt.Errorf("sandbox: seed demo data: %w", err)
	}
	if err := forgetErased(ctx, m, fake); err != nil {
		fake.Close()
		return nil, fmt.Errorf("sandbox: simulated WeChat: %w", err)
	}
	chat := sandbox.New(sandbox.Config{Service: m.Service, Sim: fake, Credentials: creds,
		DemoOpenIDs: demoOpenIDs, BrandName: demo.BrandName, SelfURL: func() string { return sandboxSelfURL(m) }, Log: m.Log})
	chat.Register(mux)
	return &sandboxMode{fake: fake, apiBase: fake.URL(), creds: creds, chat: chat}, nil
}

// sandboxStatePath is the simulated WeChat's record in the data dir. It is
// the simulator's, not Salon's: a real WeChat keeps it on Tencent's side,
// so it stays out of salon.db, its backups and its exports.
func sandboxStatePath(dataDir string) string {
	return filepath.Join(dataDir, "sandbox-wechat.jsonl")
}

// forgetErased drops from the simulated WeChat's record what was sent to
// clients erased since: the words sent to them must not outlive them in
// the data dir.
func forgetErased(ctx context.Context, m *Main, fake *wechatsim.Server) error {
	ctx = clienteling.WithPrincipal(ctx, clienteling.System())
	var lookupErr error
	err := fake.Forget(func(user string) bool {
		for _, ch := range []string{clienteling.ChannelOA, clienteling.ChannelWeCom} {
			_, err := m.Service.FindCustomerByIdentity(ctx, clienteling.Identity{Channel: ch, ExternalID: user})
			if err == nil {
				return false
			}
			if clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
				lookupErr = err
				return false // kept when in doubt
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	return lookupErr
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
