package clienteling

import (
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Identifiers are distinct types so that a WeChat id can never be passed where
// one of ours is expected, and so that the ones naming a person mask
// themselves in logs.
type (
	// BrandID is a brand's short slug, e.g. "maison-lumiere".
	BrandID string
	// BoutiqueID is a boutique's short slug, e.g. "sh-plaza66".
	BoutiqueID string
	// AssociateID is an associate's WeCom userid.
	AssociateID string
	// CustomerID is Salon's own id for one person across channels.
	CustomerID string
	// MessageID is Salon's id of one message in a conversation.
	MessageID string
	// SKU is a product's stock-keeping unit.
	SKU string
	// CardID is the id of one product card sent to a client.
	CardID string
	// OrderID is Salon's id of one order.
	OrderID string
	// NoteID is the id of one note on a client.
	NoteID string
	// OpenID is a client's id at one Official Account.
	OpenID string
	// ExternalUserID is a client's id in WeCom customer contact and 微信客服.
	ExternalUserID string
	// UnionID is a client's id across the apps of one WeChat Open Platform account.
	UnionID string
)

// LogValue masks the id: it names a person.
func (id OpenID) LogValue() slog.Value { return slog.StringValue(Mask(string(id))) }

// LogValue masks the id: it names a person.
func (id ExternalUserID) LogValue() slog.Value { return slog.StringValue(Mask(string(id))) }

// LogValue masks the id: it names a person.
func (id UnionID) LogValue() slog.Value { return slog.StringValue(Mask(string(id))) }

// Mask keeps enough of a personal identifier to tell two apart in a log, and
// too little to look anyone up: the first three and the last two characters.
func Mask(s string) string {
	r := []rune(s)
	if len(r) <= 6 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:3]) + "***" + string(r[len(r)-2:])
}

// IDLen is the length of every id NewID makes. Fixed width lets the store use
// customer ids directly as key prefixes.
const IDLen = 26

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var (
	idMu   sync.Mutex
	lastMS uint64
	lastLo uint64
	lastHi uint16
)

// NewID returns a new 26-character id, sortable by creation time (48 bits of
// milliseconds, then 80 random bits incremented within one millisecond, as in
// ULID) so that ids made by one process sort in the order they were made.
func NewID() string {
	ms := uint64(time.Now().UnixMilli())
	idMu.Lock()
	if ms <= lastMS {
		ms = lastMS
		lastLo++
		if lastLo == 0 {
			lastHi++
		}
	} else {
		var b [10]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("clienteling: no randomness: " + err.Error())
		}
		lastMS = ms
		lastHi = binary.BigEndian.Uint16(b[:2])
		lastLo = binary.BigEndian.Uint64(b[2:])
	}
	var raw [16]byte
	binary.BigEndian.PutUint64(raw[:8], ms<<16|uint64(lastHi))
	binary.BigEndian.PutUint64(raw[8:], lastLo)
	idMu.Unlock()
	return encodeCrockford(raw)
}

// encodeCrockford writes 128 bits as 26 base-32 digits, most significant first.
func encodeCrockford(raw [16]byte) string {
	hi := binary.BigEndian.Uint64(raw[:8])
	lo := binary.BigEndian.Uint64(raw[8:])
	var out [IDLen]byte
	for i := IDLen - 1; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// ValidID reports whether s has the shape of an id made by NewID.
func ValidID(s string) bool {
	if len(s) != IDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(crockford, s[i]) < 0 {
			return false
		}
	}
	return true
}
