package importer

import (
	"math"
	"strconv"
	"strings"

	"github.com/salonhq/salon/clienteling"
)

// DefaultCurrency is the currency of a CSV price whose currency cell is empty:
// Salon sells in mainland China.
const DefaultCurrency = "CNY"

var catalogKind = kind[clienteling.Product]{
	columns: []string{"sku", "title_zh", "title_en", "description_zh", "description_en", "category",
		"price", "currency", "sizes", "images", "min_tier", "stock", "active"},
	required: []string{"sku", "price"},
	fromCSV:  productFromCSV,
	check: func(p *clienteling.Product, _ Format) *clienteling.Error {
		return validationError(clienteling.Validate(p))
	},
	keys: func(p *clienteling.Product, _ Format) []uniqueKey {
		if p.SKU == "" {
			return nil
		}
		return []uniqueKey{{field: "sku", value: string(p.SKU)}}
	},
}

// CSV language columns and the language tags they fill. "zh" is simplified
// Chinese as written in mainland China, the market Salon serves.
var csvLanguages = []struct{ suffix, tag string }{{"zh", "zh-CN"}, {"en", "en"}}

func productFromCSV(c *cells) *clienteling.Product {
	p := &clienteling.Product{
		SKU:      clienteling.SKU(c.get("sku")),
		Category: strings.ToLower(c.get("category")),
		Sizes:    c.list("sizes"),
		Images:   c.list("images"),
		MinTier:  strings.ToLower(c.get("min_tier")),
	}
	for _, l := range csvLanguages {
		if s := c.get("title_" + l.suffix); s != "" {
			if p.Title == nil {
				p.Title = clienteling.Localized{}
			}
			p.Title[l.tag] = s
		}
		if s := c.get("description_" + l.suffix); s != "" {
			if p.Description == nil {
				p.Description = clienteling.Localized{}
			}
			p.Description[l.tag] = s
		}
	}
	p.Price.Currency = strings.ToUpper(c.get("currency"))
	if p.Price.Currency == "" {
		p.Price.Currency = DefaultCurrency
	}
	if s := c.get("price"); s != "" {
		amount, msg := parsePrice(s, p.Price.Currency)
		if msg != "" {
			c.fail("price", msg)
		}
		p.Price.Amount = amount
	}
	p.Stock = parseStock(c)
	if s := c.get("active"); s != "" {
		active, ok := parseBool(s)
		if !ok {
			c.fail("active", "must be true or false")
		}
		p.Active = &active
	}
	return p
}

// minorDigits is the number of decimals of the minor unit of the currencies
// whose prices may be written in major units. Elsewhere only minor units are
// accepted, since guessing the decimals would misprice by a factor of 100.
var minorDigits = map[string]int{
	"CNY": 2, "HKD": 2, "MOP": 2, "TWD": 2, "USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "SGD": 2,
	"JPY": 0, "KRW": 0,
}

// parsePrice reads a price cell: a whole number is the amount in minor units
// (2890000 is 28 900.00 CNY, as everywhere in Salon); a number with exactly
// as many decimals as the currency's minor unit is in major units (28900.00).
// Anything else, "28900.5" or "28,900", is refused rather than guessed at.
// It returns the amount in minor units, or a message saying what is wrong.
func parsePrice(s, currency string) (int64, string) {
	const help = "must be the amount in minor units (fen), such as 2890000, or in major units with exactly 2 decimals, such as 28900.00"
	if strings.HasPrefix(s, "-") {
		return 0, "must be > 0"
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if !digits(whole) {
		return 0, help
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, "is too large"
	}
	if !hasPoint {
		return n, ""
	}
	d, known := minorDigits[currency]
	if !known || d == 0 {
		return 0, "must be a whole number of the currency's minor unit"
	}
	if len(frac) != d || !digits(frac) {
		return 0, help
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	scale := int64(math.Pow10(d))
	if n > (math.MaxInt64-f)/scale {
		return 0, "is too large"
	}
	return n*scale + f, ""
}

// parseStock reads "sh-plaza66:2|bj-skp:1". Boutique ids and counts are
// checked by clienteling.Validate; this only checks the shape.
func parseStock(c *cells) map[clienteling.BoutiqueID]int {
	items := c.list("stock")
	if len(items) == 0 {
		return nil
	}
	stock := make(map[clienteling.BoutiqueID]int, len(items))
	for _, item := range items {
		b, n, ok := strings.Cut(item, ":")
		count, err := strconv.Atoi(strings.TrimSpace(n))
		if !ok || err != nil {
			c.fail("stock", "must be BOUTIQUE:COUNT pairs separated by |, such as sh-plaza66:2|bj-skp:1")
			return nil
		}
		id := clienteling.BoutiqueID(strings.TrimSpace(b))
		if _, dup := stock[id]; dup {
			c.fail("stock", "names a boutique twice")
			return nil
		}
		stock[id] = count
	}
	return stock
}

// parseBool reads a yes/no cell as spreadsheets and CRM exports write it,
// in English or Chinese.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1", "是":
		return true, true
	case "false", "no", "n", "0", "否":
		return false, true
	}
	return false, false
}

// digits reports whether s is a non-empty run of ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
