package outbound

import (
	"context"
	"errors"
	"strconv"

	"github.com/salonhq/salon/bot/wxclient"
	"github.com/salonhq/salon/clienteling"
)

// reasons are what an associate reads in the conversation for WeChat's
// final errcodes; the errcode is kept alongside, and the associate's
// notice adds a suggestion (clienteling.Suggestion).
var reasons = map[int]string{
	clienteling.ErrcodeOutsideWindow: "outside the 48-hour service window",
	clienteling.ErrcodeWindowQuota:   "more than 5 messages since the client last wrote",
	clienteling.ErrcodeUnsubscribed:  "the client no longer follows the Official Account",
	clienteling.ErrcodeRefused:       "the client has not agreed to receive messages",
	clienteling.ErrcodeTooLong:       "the message is too long",
	40003:                            "WeChat does not know this client",
	40007:                            "WeChat does not know this media id",
	40037:                            "WeChat does not know this template",
	40001:                            "WeChat refused the access token",
	42001:                            "WeChat refused the access token",
	40014:                            "WeChat refused the access token",
	45009:                            "WeChat's daily quota for this API is used up",
	95000:                            "WeCom does not know this 微信客服 account",
}

// classify returns WeChat's errcode (0 when the failure carried none) and a
// reason for the client's conversation; attempts is how many calls were
// made.
func classify(err error, attempts int) (int, string) {
	var thumb *thumbError
	if errors.As(err, &thumb) && !wxclient.Retryable(err) {
		code, _ := classify(thumb.err, attempts)
		return code, "the picture could not be made the link's thumbnail: " + thumb.err.Error()
	}
	var api *wxclient.APIError
	if errors.As(err, &api) {
		if r, ok := reasons[api.Code]; ok {
			return api.Code, r
		}
		return api.Code, "WeChat refused the message (errcode " + strconv.Itoa(api.Code) + ")"
	}
	after := ""
	if attempts > 1 {
		after = " after " + strconv.Itoa(attempts) + " attempts"
	}
	var httpErr *wxclient.HTTPError
	switch {
	case errors.As(err, &httpErr):
		return 0, "WeChat was unavailable (HTTP " + strconv.Itoa(httpErr.Status) + ")" + after
	case errors.Is(err, errUnsupported), errors.Is(err, errNoOA), errors.Is(err, errNoKf), errors.Is(err, errNoKfAccount), errors.Is(err, errNoThumbs):
		return 0, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return 0, "WeChat did not answer in time" + after
	case wxclient.Retryable(err):
		return 0, "WeChat could not be reached" + after
	}
	return 0, "the message could not be sent"
}
