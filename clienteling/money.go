package clienteling

import (
	"strconv"
	"strings"
)

// minorDigits is ISO 4217's minor-unit exponent of the currencies luxury
// houses price in: how many decimals a major-unit amount has. An amount in
// minor units is the major amount times 10 to this power (4800.00 CNY is
// 480000 fen; 4800 JPY is 4800).
var minorDigits = map[string]int{
	"CNY": 2, "HKD": 2, "MOP": 2, "TWD": 2, "SGD": 2, "USD": 2, "CAD": 2, "AUD": 2,
	"EUR": 2, "GBP": 2, "CHF": 2, "AED": 2, "SAR": 2, "QAR": 2, "THB": 2, "MYR": 2,
	"JPY": 0, "KRW": 0, "VND": 0,
	"KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3,
}

// MinorDigits returns the number of decimals of currency's minor unit (2
// for CNY, 0 for JPY, 3 for KWD), and false for a currency Salon does not
// know, whose amounts can then only be given in minor units.
func MinorDigits(currency string) (digits int, known bool) {
	digits, known = minorDigits[currency]
	return digits, known
}

// String writes m as people read prices: "CNY 4,800.00", "JPY 4,800",
// "KWD 1.500". For a currency whose minor unit is unknown it says so:
// "XTS 480000 (minor units)".
func (m Money) String() string {
	digits, known := MinorDigits(m.Currency)
	amount := strconv.FormatInt(m.Amount, 10)
	sign := ""
	if strings.HasPrefix(amount, "-") {
		sign, amount = "-", amount[1:]
	}
	if !known {
		return m.Currency + " " + sign + amount + " (minor units)"
	}
	if len(amount) <= digits {
		amount = strings.Repeat("0", digits-len(amount)+1) + amount
	}
	whole, frac := amount[:len(amount)-digits], amount[len(amount)-digits:]
	var b strings.Builder
	b.WriteString(m.Currency + " " + sign)
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if digits > 0 {
		b.WriteString("." + frac)
	}
	return b.String()
}
