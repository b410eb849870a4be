package wecom

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/salonhq/salon/clienteling"
)

// textCard is the card of a WeCom app textcard message. WeCom caps the
// title at 128 bytes, the description at 512, the link at 2048 and the
// button at 4 characters.
type textCard struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt"`
}

// notice is one notification for an associate, as the outbox published it.
type notice struct {
	ID   string         `json:"id"`
	Type string         `json:"type"`
	At   string         `json:"at"`
	Data map[string]any `json:"data"`
}

// str returns data[key] as text, "" if absent.
func (n *notice) str(key string) string {
	switch v := n.Data[key].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return fmt.Sprint(int64(v))
	default:
		return fmt.Sprint(v)
	}
}

// previewRunes bounds the client's words on a lock screen: the
// notification already carries a short preview, and the card cuts it
// again rather than trust it.
const previewRunes = 60

// card renders n for the console at console. Only what the notification
// carries is shown: ids, types, a short preview, never a name or a phone.
func (n *notice) card(console string) textCard {
	title, desc := "Salon", n.Type
	switch n.Type {
	case clienteling.EventMessageReceived:
		title = "A client wrote"
		desc = cut(n.str("preview"), previewRunes)
		if desc == "" {
			desc = "Sent " + article(n.str("type"))
		}
	case clienteling.EventConversationAssigned:
		title, desc = "A conversation is yours to answer", "Reply due "+n.str("due")
	case clienteling.EventReplyDue:
		title, desc = "Reply due", "A client is waiting since "+n.str("waiting_since")
	case clienteling.EventConversationEscalated:
		title, desc = "Conversation escalated", "A client is waiting since "+n.str("waiting_since")
	case clienteling.EventCustomerLinked:
		title, desc = "A new client is yours", "Linked through "+n.str("source")
	case clienteling.EventLinkScanned:
		title, desc = "A client scanned an advisor's code", "Advisor "+n.str("advisor")+", code of "+n.str("scanned")
	case clienteling.EventCustomerTransferred:
		title = "Clients transferred"
		desc = fmt.Sprintf("%s client(s) from %s to %s", n.str("count"), n.str("from"), n.str("to"))
		if r := n.str("reason"); r != "" {
			desc += ": " + cut(r, previewRunes)
		}
	case clienteling.EventMessageFailed:
		title, desc = "A message was not delivered", "WeChat answered "+n.str("error_code")
		if r := n.str("error_reason"); r != "" {
			desc += ": " + cut(r, previewRunes)
		}
	case clienteling.EventDateUpcoming:
		title, desc = "An important date is coming", n.str("kind")+" on "+n.str("date")
	case clienteling.EventTransferFailed:
		title = "WeCom did not transfer a client"
		switch r := n.str("reason"); r {
		case clienteling.TransferRefused:
			desc = "The client declined the new advisor on WeCom"
		case clienteling.TransferLimitExceeded:
			desc = "The new advisor's WeCom contact list is full"
		default:
			desc = "WeCom refused the transfer"
			if code := n.str("errcode"); code != "" {
				desc += " (errcode " + code + ")"
			}
			if count := n.str("count"); count != "" && count != "1" {
				desc = count + " clients: " + desc
			}
		}
	}
	q := url.Values{"notice": {n.ID}}
	if c := n.str("customer"); c != "" {
		q.Set("customer", c)
	}
	return textCard{Title: cutBytes(title, 128), Description: cutBytes(desc, 512), URL: consoleLink(console, q), BtnTxt: "Open"}
}

// digestLabels name what a digest counts, singular and plural.
var digestLabels = map[string][2]string{
	clienteling.EventMessageReceived:       {"client wrote", "clients wrote"},
	clienteling.EventConversationAssigned:  {"conversation assigned", "conversations assigned"},
	clienteling.EventReplyDue:              {"reply due", "replies due"},
	clienteling.EventConversationEscalated: {"escalation", "escalations"},
	clienteling.EventCustomerLinked:        {"new client", "new clients"},
	clienteling.EventLinkScanned:           {"code scanned", "codes scanned"},
	clienteling.EventCustomerTransferred:   {"transfer", "transfers"},
	clienteling.EventMessageFailed:         {"message not delivered", "messages not delivered"},
	clienteling.EventDateUpcoming:          {"important date", "important dates"},
	clienteling.EventTransferFailed:        {"WeCom transfer failed", "WeCom transfers failed"},
}

// digestCard folds ns, which the per-member limit held back, into one
// card: "5 more: 3 clients wrote, 1 reply due, 1 transfer".
func digestCard(ns []*notice, console string) textCard {
	counts := map[string]int{}
	for _, n := range ns {
		counts[n.Type]++
	}
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Slice(types, func(i, j int) bool {
		if counts[types[i]] != counts[types[j]] {
			return counts[types[i]] > counts[types[j]]
		}
		return types[i] < types[j]
	})
	parts := make([]string, 0, len(types))
	other := 0
	for _, t := range types {
		label, ok := digestLabels[t]
		if !ok {
			other += counts[t]
			continue
		}
		form := label[0]
		if counts[t] != 1 {
			form = label[1]
		}
		parts = append(parts, fmt.Sprintf("%d %s", counts[t], form))
	}
	if other > 0 {
		parts = append(parts, fmt.Sprintf("%d other", other))
	}
	desc := fmt.Sprintf("%d more: %s", len(ns), strings.Join(parts, ", "))
	title := fmt.Sprintf("%d more notifications", len(ns))
	q := url.Values{"digest": {ns[0].ID}}
	return textCard{Title: title, Description: cutBytes(desc, 512), URL: consoleLink(console, q), BtnTxt: "Open"}
}

// consoleLink is the console's address with q. The notice id in it also
// makes every card's content unique, which WeCom's duplicate check needs
// to catch a resend of the same card and no other.
func consoleLink(console string, q url.Values) string {
	return strings.TrimRight(console, "/") + "/?" + q.Encode()
}

func article(msgType string) string {
	switch msgType {
	case "":
		return "a message"
	case clienteling.TypeImage:
		return "an image"
	}
	return "a " + msgType
}

// cut keeps the first n runes of s, marking the cut.
func cut(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// cutBytes keeps s within n bytes on a rune boundary.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
