package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// script is one client's conversation as data/history.json writes it.
type script struct {
	Client   string `json:"client"` // external id of the client's first identity
	Messages []line `json:"messages"`
}

// line is one message. When is relative to the moment of seeding, so the
// demo always looks recent: "-26d 20:12" is 20:12 Shanghai time 26 days ago,
// "-3h" three hours ago. From is client, advisor or bot.
type line struct {
	When string `json:"when"`
	From string `json:"from"`
	Text string `json:"text"`
}

// demoZone is where the demo boutiques are. China has kept one offset and no
// summer time since 1991, so the fixed zone is right when tzdata is missing.
func demoZone() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600)
}

// conversations turns the scripts into messages for the stored clients.
// Each message carries a dedupe key naming its place in the script, so
// writing them twice stores them once.
func conversations(clients map[string]*clienteling.Customer, now time.Time) ([]*clienteling.Message, error) {
	raw, err := data.ReadFile("data/history.json")
	if err != nil {
		return nil, clienteling.Internal("read demo history", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var scripts []script
	if err := dec.Decode(&scripts); err != nil {
		return nil, clienteling.Internal("parse demo history", err)
	}
	loc := demoZone()
	var out []*clienteling.Message
	for _, s := range scripts {
		c, ok := clients[s.Client]
		if !ok {
			return nil, clienteling.Internal("demo history", fmt.Errorf("no demo client %s", s.Client))
		}
		var last time.Time
		for i, l := range s.Messages {
			at, err := moment(l.When, now, loc)
			if err != nil || at.Before(last) || !at.Before(now) {
				return nil, clienteling.Internal("demo history", fmt.Errorf("client %s message %d: bad time %q", s.Client, i, l.When))
			}
			last = at
			m := &clienteling.Message{
				Customer:  c.ID,
				Channel:   c.Identities[0].Channel,
				Type:      clienteling.TypeText,
				Text:      l.Text,
				At:        at,
				DedupeKey: fmt.Sprintf("demo:%s:%d", s.Client, i),
			}
			switch l.From {
			case "client":
				m.Direction, m.Author, m.Status = clienteling.DirectionIn, clienteling.AuthorClient, clienteling.StatusReceived
			case "advisor":
				m.Direction, m.Author, m.Status = clienteling.DirectionOut, clienteling.AuthorAssociate, clienteling.StatusSent
				m.Associate = c.Advisor
			case "bot":
				m.Direction, m.Author, m.Status = clienteling.DirectionOut, clienteling.AuthorBot, clienteling.StatusSent
			default:
				return nil, clienteling.Internal("demo history", fmt.Errorf("client %s message %d: unknown sender %q", s.Client, i, l.From))
			}
			out = append(out, m)
		}
	}
	return out, nil
}

var daysAgo = regexp.MustCompile(`^-(\d{1,3})d ([0-2]\d:[0-5]\d)$`)

// moment reads a relative time: "-Nd HH:MM" (N ≥ 1 days before now's date,
// at that time of day in loc) or "-DURATION" ("-3h", "-90m") before now.
func moment(when string, now time.Time, loc *time.Location) (time.Time, error) {
	if m := daysAgo.FindStringSubmatch(when); m != nil {
		days, _ := strconv.Atoi(m[1])
		clock, err := time.Parse("15:04", m[2])
		if err != nil || days < 1 {
			return time.Time{}, fmt.Errorf("bad time %q", when)
		}
		local := now.In(loc)
		return time.Date(local.Year(), local.Month(), local.Day()-days, clock.Hour(), clock.Minute(), 0, 0, loc), nil
	}
	if d, ok := strings.CutPrefix(when, "-"); ok {
		ago, err := time.ParseDuration(d)
		if err == nil && ago > 0 {
			return now.Add(-ago).Truncate(time.Minute), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad time %q", when)
}
