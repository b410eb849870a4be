package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Config says which NATS to use.
type Config struct {
	// URLs of an external NATS server, comma-separated; empty runs the
	// embedded server.
	URLs string
	// StoreDir holds the embedded server's JetStream files.
	StoreDir string
	// ListenAddr, if set, also exposes the embedded server on this
	// host:port; otherwise it is reachable in-process only.
	ListenAddr string
	// Name identifies this client to the server.
	Name string
}

// Bus is a connection to NATS with JetStream, and the embedded server when
// there is one.
type Bus struct {
	Conn     *nats.Conn
	JS       jetstream.JetStream
	embedded *server.Server
	log      *slog.Logger
}

// Open starts the embedded server (unless cfg.URLs names an external one),
// connects, and makes sure the streams exist. An external server that is
// down at start is retried in the background; Ready says so meanwhile.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Bus, error) {
	b := &Bus{log: log}
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500 * time.Millisecond),
		nats.RetryOnFailedConnect(true),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { log.Info("nats reconnected", "server", nc.ConnectedUrlRedacted()) }),
	}
	url := cfg.URLs
	if url == "" {
		s, err := startEmbedded(cfg)
		if err != nil {
			return nil, err
		}
		b.embedded = s
		url = s.ClientURL()
		opts = append(opts, nats.InProcessServer(s))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		b.shutdownEmbedded()
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	b.Conn = nc
	js, err := jetstream.New(nc)
	if err != nil {
		b.Close()
		return nil, err
	}
	b.JS = js
	if b.embedded != nil || nc.IsConnected() {
		if err := b.EnsureStreams(ctx); err != nil {
			b.Close()
			return nil, err
		}
	}
	return b, nil
}

// startEmbedded runs a JetStream server inside this process.
func startEmbedded(cfg Config) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "salon",
		JetStream:  true,
		StoreDir:   filepath.Clean(cfg.StoreDir),
		NoSigs:     true,
		NoLog:      true,
		DontListen: cfg.ListenAddr == "",
	}
	if cfg.ListenAddr != "" {
		host, port, err := net.SplitHostPort(cfg.ListenAddr)
		if err != nil {
			return nil, fmt.Errorf("SALON_NATS_ADDR: %w", err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("SALON_NATS_ADDR: bad port %q", port)
		}
		opts.Host, opts.Port = host, p
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, errors.New("embedded nats did not start within 10s")
	}
	return s, nil
}

// EventsDuplicateWindow is how long JetStream remembers a Nats-Msg-Id. The
// outbox relay republishes after a crash or outage; ten minutes covers a
// restart comfortably (JetStream's default is two).
const EventsDuplicateWindow = 10 * time.Minute

// EnsureStreams creates or updates the streams Salon publishes to.
func (b *Bus) EnsureStreams(ctx context.Context) error {
	_, err := b.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        EventsStream,
		Description: "Salon domain events for integrations",
		Subjects:    []string{SubjectEvents},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      30 * 24 * time.Hour,
		Duplicates:  EventsDuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", EventsStream, err)
	}
	// Notifications are for people online now; the stream exists so that
	// the relay gets an acknowledgement (and deduplication) for them too.
	_, err = b.JS.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        NotifyStream,
		Description: "Salon notifications to associates and boutiques",
		Subjects:    []string{SubjectNotify},
		Storage:     jetstream.FileStorage,
		MaxAge:      24 * time.Hour,
		Duplicates:  EventsDuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", NotifyStream, err)
	}
	return nil
}

// Ready reports why the bus cannot be used now, or nil.
func (b *Bus) Ready(ctx context.Context) error {
	if !b.Conn.IsConnected() {
		return fmt.Errorf("nats not connected (%s)", strings.ToLower(b.Conn.Status().String()))
	}
	if _, err := b.JS.Stream(ctx, EventsStream); err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			// An external server may have come up after us: create it now.
			if err := b.EnsureStreams(ctx); err != nil {
				return err
			}
			return nil
		}
		return fmt.Errorf("stream %s: %w", EventsStream, err)
	}
	return nil
}

// Close drains the connection, so that what was published is delivered,
// then stops the embedded server.
func (b *Bus) Close() {
	if b.Conn != nil {
		if err := b.Conn.Drain(); err != nil {
			b.Conn.Close()
		}
		deadline := time.Now().Add(5 * time.Second)
		for !b.Conn.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	b.shutdownEmbedded()
}

func (b *Bus) shutdownEmbedded() {
	if b.embedded != nil {
		b.embedded.Shutdown()
		b.embedded.WaitForShutdown()
	}
}

// Embedded returns the embedded server, or nil with an external one.
func (b *Bus) Embedded() *server.Server { return b.embedded }
