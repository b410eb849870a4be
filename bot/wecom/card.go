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

// notice is one notification for an associate, as the outbox published it
// and the domain's event contract reads it.
type notice struct {
	clienteling.Event
}

// previewRunes bounds the client's words on a lock screen: the
// notification already carries a short preview, and the card cuts it
// again rather than trust it.
const previewRunes = 60

// card renders n for the console at console. Only what the notification
// carries is shown: ids, types, a short preview, never a name or a phone.
func (n *notice) card(console string) textCard {
	title, desc := "Salon", n.Type
	var customer clienteling.CustomerID
	// The payload's type follows from the event's type on an associate's
	// subject; an event this version does not know has none.
	switch d := n.Data.(type) {
	case clienteling.MessageNotice:
		title, customer = "A client wrote", d.Customer
		desc = cut(d.Preview, previewRunes)
		if desc == "" {
			desc = "Sent " + article(d.Type)
		}
	case clienteling.ConversationRouted:
		title, desc, customer = "A conversation is yours to answer", "Reply due "+d.Due, d.Customer
	case clienteling.ConversationOverdue:
		title, desc, customer = "Reply due", "A client is waiting since "+d.WaitingSince, d.Customer
		if n.Type == clienteling.EventConversationEscalated {
			title = "Conversation escalated"
		}
	case clienteling.LinkChanged:
		title, desc, customer = "A new client is yours", "Linked through "+d.Source, d.Customer
	case clienteling.LinkScanned:
		title, desc, customer = "A client scanned an advisor's code", "Advisor "+string(d.Advisor)+", code of "+string(d.Scanned), d.Customer
	case clienteling.TransferNotice:
		title = "Clients transferred"
		desc = fmt.Sprintf("%d client(s) from %s to %s", d.Count, d.From, d.To)
		if d.Reason != "" {
			desc += ": " + cut(d.Reason, previewRunes)
		}
	case clienteling.MessageFailed:
		title, desc, customer = "A message was not delivered", fmt.Sprint("WeChat answered ", d.ErrorCode), d.Customer
		if d.ErrorReason != "" {
			desc += ": " + cut(d.ErrorReason, previewRunes)
		}
	case clienteling.CardOpened:
		title, desc, customer = "A client opened your card", "Product "+string(d.SKU), d.Customer
	case clienteling.DateUpcoming:
		title, desc, customer = "An important date is coming", d.Kind+" on "+d.Date, d.Customer
	case clienteling.TransferFailed:
		title, customer = "WeCom did not transfer a client", d.Customer
		switch d.Reason {
		case clienteling.TransferRefused:
			desc = "The client declined the new advisor on WeCom"
		case clienteling.TransferLimitExceeded:
			desc = "The new advisor's WeCom contact list is full"
		default:
			desc = "WeCom refused the transfer"
			if d.Errcode != 0 {
				desc += fmt.Sprint(" (errcode ", d.Errcode, ")")
			}
			if d.Count > 1 {
				desc = fmt.Sprint(d.Count, " clients: ", desc)
			}
		}
	}
	q := url.Values{"notice": {n.ID}}
	if customer != "" {
		q.Set("customer", string(customer))
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
	clienteling.EventCardOpened:            {"card opened", "cards opened"},
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
