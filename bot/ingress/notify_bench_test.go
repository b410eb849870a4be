package ingress_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/salonhq/salon/bot/wechattest"
	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
	"github.com/salonhq/salon/clienteling/natsbus"
	"github.com/salonhq/salon/store"
)

// BenchmarkNotifyLatency measures what an associate feels: from the moment
// WeChat has its acknowledgement to the moment the notification is on the
// associate's NATS subject. Messages from 1 000 new clients are offered at
// 500 a second over 32 connections; each is routed to the boutique's queue
// and offered to an on-duty associate, whose subject a subscriber watches.
// The relay is woken on commit. Reports p50 and p99 of that latency, and
// of the whole trip from the moment WeChat posts the callback.
func BenchmarkNotifyLatency(b *testing.B) {
	const conc, every = 32, 2 * time.Millisecond // 500 msgs/s
	stack := newBenchStack(b, func(db *store.DB) {
		ctx := context.Background()
		if err := db.CreateBoutique(ctx, &clienteling.Boutique{ID: "sh-plaza66", Name: "Plaza 66", City: "Shanghai", Timezone: "Asia/Shanghai"}); err != nil {
			b.Fatal(err)
		}
		var staff []*clienteling.Associate
		for _, id := range []string{"amy", "sophie", "ben", "lea"} {
			staff = append(staff, &clienteling.Associate{UserID: clienteling.AssociateID(id), Name: id, Boutique: "sh-plaza66", Role: "associate", Status: "active"})
		}
		if err := db.CreateAssociates(ctx, staff); err != nil {
			b.Fatal(err)
		}
	})
	srv, oa, bus := stack.srv, stack.oa, stack.bus
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc}}

	sentAt := make([]atomic.Int64, b.N)
	ackAt := make([]atomic.Int64, b.N)
	gotAt := make([]atomic.Int64, b.N)
	var got atomic.Int64
	sub, err := bus.Conn.Subscribe(natsbus.SubjectAssociateNotify, func(msg *nats.Msg) {
		now := time.Now().UnixNano()
		e, err := clienteling.DecodeEvent(msg.Subject, msg.Data)
		n, ok := e.Data.(clienteling.MessageNotice)
		if err != nil || !ok {
			return
		}
		if i, err := strconv.Atoi(n.Preview); err == nil && i < b.N && gotAt[i].CompareAndSwap(0, now) {
			got.Add(1)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Unsubscribe()
	_ = sub.SetPendingLimits(-1, -1)

	cbs := make([]*wechattest.Callback, b.N)
	now := time.Now()
	for i := range cbs {
		cbs[i] = oa.Safe(wechattest.TextMsg("gh_bench", fmt.Sprintf("oNOTIFY%04d", i%1000), strconv.Itoa(i), int64(i+1), now).XML())
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	paced := make(chan struct{})
	go func() {
		defer close(paced)
		for i := 0; i < b.N; i++ {
			<-ticker.C
			paced <- struct{}{}
		}
	}()
	b.ResetTimer()
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range paced {
				i := int(next.Add(1)) - 1
				sentAt[i].Store(time.Now().UnixNano())
				resp, err := client.Do(cbs[i].Request(srv.URL + "/wechat/oa"))
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				ackAt[i].Store(time.Now().UnixNano())
				if resp.StatusCode != 200 {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	clientelingtest.CheckFor(b, 30*time.Second, func() error {
		if n := got.Load(); n < int64(b.N) {
			return fmt.Errorf("%d of %d notifications arrived", n, b.N)
		}
		return nil
	})
	b.StopTimer()
	fromAck, fromSend := make([]time.Duration, b.N), make([]time.Duration, b.N)
	for i := range fromAck {
		// A notification often beats the acknowledgement's trip back to
		// the caller: that counts as zero.
		fromAck[i] = max(time.Duration(gotAt[i].Load()-ackAt[i].Load()), 0)
		fromSend[i] = time.Duration(gotAt[i].Load() - sentAt[i].Load())
	}
	slices.Sort(fromAck)
	slices.Sort(fromSend)
	b.ReportMetric(float64(fromAck[b.N/2].Microseconds()), "ack-p50-µs")
	b.ReportMetric(float64(fromAck[b.N*99/100].Microseconds()), "ack-p99-µs")
	b.ReportMetric(float64(fromSend[b.N/2].Microseconds()), "post-p50-µs")
	b.ReportMetric(float64(fromSend[b.N*99/100].Microseconds()), "post-p99-µs")
}
