package checkout

import (
	"strings"

	"github.com/salonhq/salon/clienteling"
)

// symbols are the signs clients read prices with; other currencies keep
// their ISO code.
var symbols = map[string]string{"CNY": "¥", "EUR": "€", "USD": "US$", "GBP": "£", "JPY": "JP¥", "HKD": "HK$"}

// formatPrice writes m as a client reads it: ¥28,500.00, €1,200.00,
// JP¥48,000, CHF 900.00.
func formatPrice(m clienteling.Money) string {
	s := m.String() // "CNY 28,500.00"
	if sym, ok := symbols[m.Currency]; ok {
		if rest, found := strings.CutPrefix(s, m.Currency+" "); found {
			return sym + rest
		}
	}
	return s
}
