package clienteling

import (
	"testing"
	"time"
)

func TestOrderReceived(t *testing.T) {
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))
	sent := func(s int64) *int64 { return &s }
	earlier := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name       string
		m          Message
		wantAt     time.Time
		wantSentAt *int64
	}{
		{"Plausible", Message{SentAt: sent(earlier.Unix())}, earlier, nil},
		{"FirstSecondOf2000", Message{SentAt: sent(946684800)}, time.Unix(946684800, 0), nil},
		{"LastSecondOf1999", Message{SentAt: sent(946684799)}, now, sent(946684799)},
		{"ADayAhead", Message{SentAt: sent(now.Add(24 * time.Hour).Unix())}, now.Add(24 * time.Hour), nil},
		{"ADayAndASecondAhead", Message{SentAt: sent(now.Add(24*time.Hour + time.Second).Unix())}, now, sent(now.Add(24*time.Hour + time.Second).Unix())},
		{"Zero", Message{SentAt: sent(0)}, now, sent(0)},
		{"Negative", Message{SentAt: sent(-1)}, now, sent(-1)},
		{"Huge", Message{SentAt: sent(1 << 62)}, now, sent(1 << 62)},
		{"NoSendTime", Message{}, now, nil},
		{"AtGivenWithoutSendTime", Message{At: earlier}, earlier, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.m
			m.OrderReceived(now)
			if !m.At.Equal(tt.wantAt) || m.At.Location() != time.UTC {
				t.Errorf("At = %v, want %v in UTC", m.At, tt.wantAt)
			}
			if (m.SentAt == nil) != (tt.wantSentAt == nil) || (m.SentAt != nil && *m.SentAt != *tt.wantSentAt) {
				t.Errorf("SentAt = %v, want %v", m.SentAt, tt.wantSentAt)
			}
		})
	}
}
