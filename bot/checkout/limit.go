package checkout

import (
	"math"
	"sync"
	"time"
)

// limiter is a token bucket per remote address. It keeps at most max
// addresses: when full, it forgets the buckets that have refilled, and if
// none has, it refuses newcomers until one does, so a flood of addresses
// cannot grow memory.
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	max     int
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(perMinute, max int) *limiter {
	return &limiter{rate: float64(perMinute) / 60, burst: float64(perMinute), max: max, buckets: map[string]*bucket{}}
}

// allow takes a token for addr at now; when there is none it says how
// long until there is.
func (l *limiter) allow(addr string, now time.Time) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[addr]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.sweep(now)
		}
		if len(l.buckets) >= l.max {
			return false, time.Duration(float64(time.Second) / l.rate)
		}
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[addr] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// sweep forgets the buckets that are full again: they hold nothing a
// fresh bucket would not.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}
