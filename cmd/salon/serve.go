package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/salonhq/salon/bot/checkout"
	"github.com/salonhq/salon/bot/kf"
	"github.com/salonhq/salon/bot/outbound"
	"github.com/salonhq/salon/bot/profile"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/api"
	"github.com/salonhq/salon/clienteling/console"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/store"
)

// ShutdownTimeout bounds a graceful stop: in-flight requests, NATS drain,
// database close.
const ShutdownTimeout = 10 * time.Second

// Main is a running `salon serve`. Tests start it on port 0 in a temporary
// directory and talk to it over real HTTP.
type Main struct {
	Config Config
	Stdout io.Writer // where the generated admin token is printed, once
	Log    *slog.Logger

	DB       *store.DB
	Bus      *natsbus.Bus
	Service  *clienteling.Service
	Registry *prometheus.Registry
	// Clock, if set, replaces the real clock: tests move time to reach
	// reply-due reminders and escalations.
	Clock clienteling.Timer
	// Outbound tunes the sender of messages to clients; the zero value is
	// right for production, and tests change its limits.
	Outbound outbound.Options

	relay    *natsbus.Relay
	profiles *profile.Enricher
	oa       *wxclient.AccessTokenProvider // nil without an Official Account
	kfTokens *wxclient.AccessTokenProvider // nil without 微信客服
	// workers runs every background worker, token providers included,
	// from its start to Close.
	workers  workers
	listener net.Listener
	server   *http.Server
	served   chan error
	// rejections summarises refused callbacks in the log.
	rejections *rejectionSummary
	sandbox    *sandboxMode
	kfPuller   *kf.Puller  // nil unless 微信客服 is configured
	wecom      *wecomParts // nil unless WeCom is configured
	escalator  *clienteling.Escalator
	// Orders is the order desk; pay and expirer are nil unless WeChat Pay
	// is configured (always in sandbox mode).
	Orders  *clienteling.Orders
	pay     *payments
	expirer *clienteling.OrderExpirer
	console *console.Console

	generatedAdmin string // made at first start, stored and printed once it succeeded

	// metrics serves /metrics alone when SALON_METRICS_ADDR is set.
	metrics         *http.Server
	metricsListener net.Listener
	metricsServed   chan error
}

// Run opens everything and starts serving; it returns once the listener is
// bound. Close stops it.
func (m *Main) Run(ctx context.Context) (err error) {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	if m.Log == nil {
		m.Log = slog.New(slog.DiscardHandler)
	}
	if m.Stdout == nil {
		m.Stdout = io.Discard
	}
	m.workers.log = m.Log
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	m.DB, err = store.Open(m.Config.DBPath(), store.Options{Now: m.clock().Now, Desk: m.Config.Desk()})
	if err != nil {
		return err
	}
	m.Service = clienteling.NewService(m.DB, m.clock())
	if err := m.bootstrapAdmin(ctx); err != nil {
		return err
	}
	cardKey, err := m.DB.CardKey(ctx)
	if err != nil {
		return err
	}

	m.Registry = newRegistry()
	mux := http.NewServeMux()

	wx := wxclient.Config{OABase: m.Config.WeChatAPIBase, WeComBase: m.Config.WeComAPIBase, PayBase: m.Config.PayAPIBase}
	if m.Config.SandboxMode() {
		m.sandbox, err = startSandbox(ctx, m, mux)
		if err != nil {
			return err
		}
		wx.OABase, wx.WeComBase, wx.PayBase = m.sandbox.apiBase, m.sandbox.apiBase, m.sandbox.apiBase
	} else if !m.Config.hasChannel() {
		m.Log.Warn("no channel is configured (no Official Account, no WeCom) and sandbox mode is off: no client message can arrive; set SALON_OA_* or SALON_WECOM_*, or SALON_SANDBOX=on to try Salon")
	}
	// After the sandbox seed, which creates the demo boutiques.
	if err := m.checkDefaultBoutique(ctx); err != nil {
		return err
	}
	client, err := wxclient.New(wx)
	if err != nil {
		return fmt.Errorf("outbound client: %w", err)
	}

	m.Bus, err = natsbus.Open(ctx, natsbus.Config{URLs: m.Config.NATSURL, StoreDir: m.Config.NATSDir(),
		ListenAddr: m.Config.NATSAddr, Name: "salon"}, m.Log)
	if err != nil {
		return err
	}

	if err := m.startWeCom(ctx, client); err != nil {
		return err
	}
	m.relay = natsbus.NewRelay(m.DB, m.Bus.JS, m.Log)
	m.relay.Clock = m.clock()
	if err := m.relay.Register(m.Registry); err != nil {
		return err
	}
	m.workers.start("outbox relay", m.relay)
	m.Service.SetEventNotifier(m.relay.Wake)
	m.startEscalator()
	if err := m.startOrders(mux); err != nil {
		return err
	}
	if err := m.startProfiles(client); err != nil {
		return err
	}
	if err := m.startOutbound(ctx, client); err != nil {
		return err
	}

	// 微信客服: after the bus and relay, since pulled messages announce.
	if err := m.startKf(client); err != nil {
		return err
	}

	if err := m.registerCallbacks(mux); err != nil {
		return err
	}
	staffAPI := api.New(m.Service, m.DB, m.Log)
	staffAPI.QRCodes = m.qrCodes()
	staffAPI.ContactWays = m.contactWays()
	staffAPI.Orders = m.Orders
	if m.pay != nil {
		staffAPI.Payments = m.pay.Gateway
	}
	staffAPI.PublicURL = m.Config.PublicURL
	staffAPI.Register(mux)
	if err := m.mountConsole(ctx, mux); err != nil {
		return err
	}
	// The payment step connects the page's confirmations (Options.Orders).
	checkout.New(m.Service, checkout.Options{Now: m.clock().Now, Log: m.Log}).Register(mux)
	registerOps(mux, []readiness{
		{name: "database", check: m.DB.Ping},
		{name: "nats", check: m.Bus.Ready},
		{name: "workers", check: m.workers.check},
		// A backlog while NATS is up is the relay catching up; refusing
		// traffic for it would turn a delay into WeChat giving up on us.
		{name: "outbox", note: m.relay.Status},
	})
	if m.Config.MetricsAddr == "" {
		mux.Handle("GET /metrics", metricsHandler(m.Registry))
	} else if err := m.serveMetrics(); err != nil {
		return err
	}
	handler := nosniff(newHTTPMetrics(m.Registry).instrument(mux))

	l, err := net.Listen("tcp", m.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("SALON_HTTP_ADDR: %w", err)
	}
	// The cap keeps a flood of connections from exhausting file
	// descriptors; the short header timeout makes a slow client give its
	// place back soon. Callback bodies get their own shorter deadline
	// (callbackReadTimeout); the server's longer one is for uploads.
	m.listener = limitConns(l, m.Config.MaxConns)
	// Links start with the public URL, which by default is the address
	// just bound; no request is served before this.
	m.Service.SetCards(clienteling.CardSettings{Key: cardKey, PublicURL: m.PublicURL(), TTL: m.Config.CardTTL,
		MiniProgram: m.Config.CardMiniProgram()})
	m.server = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // backups stream for a while
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.server.Serve(m.listener) }()

	mode := "production"
	if m.Config.SandboxMode() {
		mode = "sandbox"
	}
	if err := m.showAdminToken(ctx); err != nil {
		return err
	}
	m.Log.Info("salon serving", "mode", mode, "url", m.URL(), "data_dir", m.Config.DataDir, "nats", natsMode(m.Config))
	if m.metrics != nil {
		m.Log.Info("metrics served on their own address", "url", m.MetricsURL()+"/metrics")
	}
	if m.sandbox != nil {
		m.Log.Info("SANDBOX MODE: no WeChat credentials are set, so a built-in simulator stands in for WeChat; nothing reaches real clients",
			"chat", m.URL()+"/sandbox", "console", m.URL()+"/", "api", m.URL()+"/api/v1/")
	}
	return nil
}

func natsMode(c Config) string {
	if c.NATSURL != "" {
		return "external"
	}
	if c.NATSAddr != "" {
		return "embedded, listening on " + c.NATSAddr
	}
	return "embedded, in-process"
}

// URL is the base URL the server answers on.
func (m *Main) URL() string {
	if m.listener == nil {
		return ""
	}
	return "http://" + m.listener.Addr().String()
}

// MetricsURL is the base URL /metrics is served on alone, or "" when it is
// served on URL.
func (m *Main) MetricsURL() string {
	if m.metricsListener == nil {
		return ""
	}
	return "http://" + m.metricsListener.Addr().String()
}

// serveMetrics starts the server of SALON_METRICS_ADDR; Close stops it.
func (m *Main) serveMetrics() error {
	var err error
	m.metricsListener, err = net.Listen("tcp", m.Config.MetricsAddr)
	if err != nil {
		return fmt.Errorf("SALON_METRICS_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metricsHandler(m.Registry))
	m.metrics = &http.Server{
		Handler:           nosniff(mux),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	m.metricsServed = make(chan error, 1)
	go func(srv *http.Server, l net.Listener) { m.metricsServed <- srv.Serve(l) }(m.metrics, m.metricsListener)
	return nil
}

// PublicURL is the base of links sent to customers.
func (m *Main) PublicURL() string {
	if m.Config.PublicURL != "" {
		return m.Config.PublicURL
	}
	return m.URL()
}

// Close stops accepting requests, lets in-flight ones finish, stops the
// background workers in the reverse order of their start, drains NATS and
// closes the database, within ShutdownTimeout.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	var errs []error
	if m.console != nil {
		m.console.Close() // its event streams would hold the shutdown
	}
	if m.server != nil {
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		if err := <-m.served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.server = nil
	}
	// No callback is refused once the server stopped: log the last count.
	if m.rejections != nil {
		m.rejections.Close()
		m.rejections = nil
	}
	if m.metrics != nil {
		if err := m.metrics.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("metrics shutdown: %w", err))
		}
		if err := <-m.metricsServed; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.metrics = nil
	}
	// Before the database closes and the bus drains: workers write to one
	// and read the other.
	if err := m.workers.stop(ctx); err != nil {
		errs = append(errs, err)
	}
	if m.sandbox != nil {
		m.sandbox.close()
		m.sandbox = nil
	}
	if m.Bus != nil {
		m.Bus.Close()
		m.Bus = nil
	}
	if m.DB != nil {
		if err := m.DB.Close(); err != nil {
			errs = append(errs, err)
		}
		m.DB = nil
	}
	return errors.Join(errs...)
}

// checkDefaultBoutique refuses a SALON_DEFAULT_BOUTIQUE that names no
// boutique: clients of no boutique would wait in a queue nobody sees.
func (m *Main) checkDefaultBoutique(ctx context.Context) error {
	id := clienteling.BoutiqueID(m.Config.DefaultBoutique)
	if id == "" {
		return nil
	}
	_, err := m.DB.FindBoutique(ctx, id)
	if clienteling.ErrorCode(err) == clienteling.ENOTFOUND {
		return fmt.Errorf("SALON_DEFAULT_BOUTIQUE: no boutique %q exists: start without the setting, create the boutique, then set it", id)
	}
	return err
}

// bootstrapAdmin makes sure an admin token exists: the configured one, the
// stored one, or, at the first start, a new one that showAdminToken stores
// and prints once start-up has succeeded. Until then it is kept in memory
// only, so that a start that fails leaves none behind: the next one makes
// and shows another, and no token exists that nobody has seen.
func (m *Main) bootstrapAdmin(ctx context.Context) error {
	if m.Config.AdminToken != "" {
		return m.DB.SetAdminTokenHash(ctx, clienteling.HashSecret(m.Config.AdminToken))
	}
	if _, err := m.DB.AdminTokenHash(ctx); err == nil {
		return nil
	} else if clienteling.ErrorCode(err) != clienteling.ENOTFOUND {
		return err
	}
	m.generatedAdmin, _ = clienteling.NewSecret()
	return nil
}

// showAdminToken stores the admin token made by bootstrapAdmin and prints
// it, once: the last step of a successful start. Only its hash is kept;
// `salon token rotate-admin` makes a new one if this print is lost.
func (m *Main) showAdminToken(ctx context.Context) error {
	if m.generatedAdmin == "" {
		return nil
	}
	if err := m.DB.SetAdminTokenHash(ctx, clienteling.HashSecret(m.generatedAdmin)); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "\nAdmin token (shown once, stored only as a hash; keep it safe):\n\n    %s\n\n", m.generatedAdmin)
	return nil
}
