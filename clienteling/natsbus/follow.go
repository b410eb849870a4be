package natsbus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/salonhq/salon/clienteling"
)

// Notice is one notification for an associate, as a screen needs it: its
// place in the notification stream (to resume after a dropped
// connection), its event type and the client it is about. Content stays
// out: the screen reads it through the Service, which checks who asks.
type Notice struct {
	Seq      uint64
	Type     string
	Customer clienteling.CustomerID
}

// FollowAssociate delivers the notifications of associate id on the
// returned channel until ctx ends: those after stream sequence after, or
// only new ones when after is 0. The stream keeps a day of them.
func (b *Bus) FollowAssociate(ctx context.Context, id clienteling.AssociateID, after uint64) (<-chan Notice, error) {
	if err := clienteling.CheckSubjectToken(string(id)); err != nil {
		return nil, err
	}
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{clienteling.AssociateSubject(id)}, DeliverPolicy: jetstream.DeliverNewPolicy}
	if after > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, after+1
	}
	cons, err := b.JS.OrderedConsumer(ctx, NotifyStream, cfg)
	if err != nil {
		return nil, fmt.Errorf("follow %s: %w", id, err)
	}
	out := make(chan Notice, 64)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		meta, err := m.Metadata()
		if err != nil {
			return
		}
		var env struct {
			Type string `json:"type"`
			Data struct {
				Customer clienteling.CustomerID `json:"customer"`
			} `json:"data"`
		}
		_ = json.Unmarshal(m.Data(), &env)
		select {
		case out <- Notice{Seq: meta.Sequence.Stream, Type: env.Type, Customer: env.Data.Customer}:
		case <-ctx.Done():
		}
	})
	if err != nil {
		return nil, fmt.Errorf("follow %s: %w", id, err)
	}
	go func() {
		<-ctx.Done()
		cc.Stop()
	}()
	return out, nil
}
