package clienteling

// WeChat's final errcodes for a message to a client: sending the same
// message again cannot succeed, so it fails at once and the associate
// decides what to do.
const (
	ErrcodeOutsideWindow = 45015 // the client last wrote more than 48 hours ago
	ErrcodeWindowQuota   = 45047 // five messages were sent since the client last wrote
	ErrcodeUnsubscribed  = 43004 // the client unfollowed the Official Account
	ErrcodeRefused       = 43101 // the client refused messages
	ErrcodeTooLong       = 45008 // the content exceeds WeChat's limit
)

// Suggestion is what the associate who wrote failed message m may do next,
// told with the failure; empty when nothing better than retrying by hand
// comes to mind.
func Suggestion(m *Message) string {
	switch m.ErrorCode {
	case ErrcodeOutsideWindow, ErrcodeWindowQuota:
		if m.Channel == ChannelOA {
			return "send a template message, or wait for the client to write again"
		}
		return "wait for the client to write again"
	case ErrcodeUnsubscribed, ErrcodeRefused:
		return "wait for the client to write again, or reach them in the boutique"
	case ErrcodeTooLong:
		return "shorten the message and send it again"
	}
	if m.ErrorReason == ReasonInterrupted {
		return "ask the client whether it arrived before sending it again"
	}
	return ""
}
