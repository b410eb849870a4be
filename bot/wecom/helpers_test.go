package wecom_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/natsbus"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// startBus runs a real embedded JetStream server with Salon's streams.
func startBus(t *testing.T) *natsbus.Bus {
	t.Helper()
	bus, err := natsbus.Open(context.Background(), natsbus.Config{StoreDir: t.TempDir(), Name: "wecom-test"}, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bus.Close)
	return bus
}

// provider returns a token provider of the fake's WeCom secret.
func provider(t *testing.T, fake *wechattest.Server, name, secret string) *wxclient.AccessTokenProvider {
	t.Helper()
	client, err := wxclient.New(wxclient.Config{WeComBase: fake.URL()})
	if err != nil {
		t.Fatal(err)
	}
	p, err := wxclient.NewAccessTokenProvider(client, wxclient.Credential{Family: wxclient.WeCom,
		ID: fake.Options().CorpID, Secret: secret, Name: name}, wxclient.ProviderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// publish puts one notification on JetStream as the outbox relay does.
func publish(t *testing.T, js jetstream.JetStream, subject, id, typ string, data any) {
	t.Helper()
	payload, err := clienteling.EncodeEvent(clienteling.Event{ID: id, Type: typ, Subject: subject, At: time.Now(), Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(context.Background(), subject, payload, jetstream.WithMsgID(id)); err != nil {
		t.Fatal(err)
	}
}

// settled reports an error until the consumer has acknowledged every
// message it was given.
func settled(js jetstream.JetStream, stream, durable string) func() error {
	return func() error {
		c, err := js.Consumer(context.Background(), stream, durable)
		if err != nil {
			return err
		}
		info, err := c.Info(context.Background())
		if err != nil {
			return err
		}
		if info.NumPending != 0 || info.NumAckPending != 0 {
			return fmt.Errorf("consumer %s: %d waiting, %d unacknowledged", durable, info.NumPending, info.NumAckPending)
		}
		return nil
	}
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}
