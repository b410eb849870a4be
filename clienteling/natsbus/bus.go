package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
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
		// A server that was down when Open ran gets its streams once it is
		// up; until then every publish would find no stream to answer it.
		nats.ConnectHandler(func(nc *nats.Conn) {
			log.Info("nats connected", "server", nc.ConnectedUrlRedacted())
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				js, err := jetstream.New(nc)
				if err == nil {
					err = ensureStreams(ctx, js)
				}
				if err != nil && !nc.IsClosed() {
					log.Warn("nats connected but streams not ready", "err", err)
				}
			}()
		}),
	}
	servers := cfg.URLs
	if servers == "" {
		s, err := startEmbedded(cfg)
		if err != nil {
			return nil, err
		}
		b.embedded = s
		servers = s.ClientURL()
		opts = append(opts, nats.InProcessServer(s))
	}
	nc, err := nats.Connect(servers, opts...)
	if err != nil {
		b.shutdownEmbedded()
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	b.Conn = nc
	// Without a timeout an unanswered publish stays pending in the client
	// for ever, and enough of them stall every later publish.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(PublishTimeout))
	if err != nil {
		b.Close()
		return nil, err
	}
	b.JS = js
	if b.embedded == nil && !nc.IsConnected() {
		log.Warn("nats: will keep connecting in the background", "err", unreachable(nc))
		return b, nil
	}
	if err := b.EnsureStreams(ctx); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// unreachable says that nc has no server now, and where it keeps trying.
// The client's own error for a publish before the first connection is
// "headers not supported by this server", which sends an operator looking
// for the wrong cause.
func unreachable(nc *nats.Conn) error {
	reason := strings.ToLower(nc.Status().String())
	if err := nc.LastError(); err != nil {
		reason = err.Error()
	}
	servers := nc.Servers()
	for i, s := range servers {
		servers[i] = redactURL(s)
	}
	return fmt.Errorf("NATS unreachable at %s: %s", strings.Join(servers, ", "), reason)
}

// redactURL hides credentials in a server URL, which may carry a user and
// password or a token.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	u.User = url.User("redacted")
	return u.String()
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
func (b *Bus) EnsureStreams(ctx context.Context) error { return ensureStreams(ctx, b.JS) }

func ensureStreams(ctx context.Context, js jetstream.JetStream) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
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
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
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
		return unreachable(b.Conn)
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
