package sandbox

import (
	"testing"
	"time"
)

// TestMarkDelivered pins how a delivery the simulated WeChat received is
// matched to the stored reply it carried.
func TestMarkDelivered(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 18, 10, 0, 0, 0, time.UTC)
	stored := func() []Message {
		return []Message{
			{Direction: "in", Type: "text", Text: "hello", At: at, Source: FromHistory},
			{Direction: "out", Type: "text", Text: "welcome", At: at.Add(time.Second), Source: FromHistory, Status: "sent"},
			{Direction: "out", Type: "card", Text: "Moonlight pearl earrings", At: at.Add(2 * time.Second), Source: FromHistory, Status: "sent"},
		}
	}
	tests := []struct {
		name      string
		delivery  Message
		want      bool
		delivered int // index of the message marked, or -1
	}{
		{"SameText", Message{Direction: "out", Type: "text", Text: "welcome", At: at.Add(3 * time.Second), Status: "sent"}, true, 1},
		{"Card", Message{Direction: "out", Type: "card", Text: "月光珍珠耳环", At: at.Add(3 * time.Second), Status: "sent"}, true, 2},
		{"FailedIsNotDelivered", Message{Direction: "out", Type: "text", Text: "welcome", At: at.Add(3 * time.Second), Status: "failed"}, true, -1},
		{"OtherText", Message{Direction: "out", Type: "text", Text: "bonjour", At: at.Add(3 * time.Second), Status: "sent"}, false, -1},
		{"TooLate", Message{Direction: "out", Type: "text", Text: "welcome", At: at.Add(time.Hour), Status: "sent"}, false, -1},
		{"NotAnInboundMessage", Message{Direction: "out", Type: "text", Text: "hello", At: at, Status: "sent"}, false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms := stored()
			if got := markDelivered(ms, tt.delivery); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i, m := range ms {
				if m.Delivered != (i == tt.delivered) {
					t.Fatalf("message %d delivered %v", i, m.Delivered)
				}
			}
		})
	}
}
