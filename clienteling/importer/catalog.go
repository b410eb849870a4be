package importer

import (
	"fmt"
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
		"price", "price_minor", "currency", "sizes", "images", "min_tier", "stock", "active"},
	required: [][]string{{"sku"}, {"price", "price_minor"}},
	fromCSV:  productFromCSV,
	check: func(p *clienteling.Product, _ Format, _ *known) []*clienteling.Error {
		return clienteling.ValidateAll(p)
	},
	keys: func(p *clienteling.Product, _ Format) []uniqueKey {
		if p.SKU == "" {
			return nil
		}
		return []uniqueKey{{field: "sku", value: string(p.SKU)}}
	},
	cellFields: map[string]string{"price": "price.amount", "price_minor": "price.amount", "currency": "price"},
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
	if clienteling.Validate(&clienteling.Money{Amount: 1, Currency: p.Price.Currency}) != nil {
		// Without a currency the price cannot be read: say so once.
		c.fail("currency", "must be an ISO 4217 code such as CNY")
	} else if s := c.get("price"); s != "" {
		amount, msg := parseMajor(s, p.Price.Currency)
		if msg != "" {
			c.fail("price", msg)
		}
		p.Price.Amount = amount
	} else if s := c.get("price_minor"); s != "" {
		amount, msg := parseMinor(s)
		if msg != "" {
			c.fail("price_minor", msg)
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

// parseMajor reads a price cell in the currency's major unit, with exactly
// as many decimals as its minor unit has ("4800.00" CNY, "4800" JPY, "1.500"
// KWD), and returns the amount in minor units (480000 fen), or a message
// saying what is wrong. "4800", "4800.5" and "4,800" are refused for CNY
// rather than guessed at: a guess could misprice by a factor of 100.
func parseMajor(s, currency string) (int64, string) {
	if strings.HasPrefix(s, "-") {
		return 0, "must be > 0"
	}
	d, known := clienteling.MinorDigits(currency)
	if !known {
		return 0, "the decimals of this currency are unknown: give the amount in minor units in a price_minor column"
	}
	example := "4800"
	if d > 0 {
		example += "." + strings.Repeat("0", d)
	}
	help := fmt.Sprintf("must be in %s with %d decimals, such as %s, or the column must be price_minor for minor units", currency, d, example)
	whole, frac, hasPoint := strings.Cut(s, ".")
	if !digits(whole) || hasPoint != (d > 0) || (hasPoint && (len(frac) != d || !digits(frac))) {
		return 0, help
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, "is too large"
	}
	var f int64
	if d > 0 {
		f, _ = strconv.ParseInt(frac, 10, 64)
	}
	scale := int64(math.Pow10(d))
	if n > (math.MaxInt64-f)/scale {
		return 0, "is too large"
	}
	return n*scale + f, ""
}

// parseMinor reads a price_minor cell: a whole number of the currency's
// minor unit (480000 is 4 800.00 CNY, as everywhere in Salon).
func parseMinor(s string) (int64, string) {
	if strings.HasPrefix(s, "-") {
		return 0, "must be > 0"
	}
	if !digits(s) {
		return 0, "must be a whole number of the currency's minor unit, such as 480000 for 4800.00 CNY"
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, "is too large"
	}
	return n, ""
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
