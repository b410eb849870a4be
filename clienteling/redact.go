package clienteling

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Placeholders that stand where RedactText took personal data out, so that
// a reader still sees that the client gave a number or an address.
const (
	RedactedEmail   = "[email]"
	RedactedPhone   = "[phone]"
	RedactedNumber  = "[number]"
	RedactedID      = "[id]"
	RedactedAddress = "[address]"
	RedactedName    = "[name]"
)

// The patterns of personal data in what clients type. Order matters: the
// more specific patterns run first, so that an e-mail address is not
// half-taken by the identifier pattern, nor an ID number by the phone one.
var redactions = []struct {
	re   *regexp.Regexp
	with string
}{
	// E-mail addresses, ASCII and with a full-width ＠.
	{regexp.MustCompile(`[A-Za-z0-9._%+\-]+\s?[@＠]\s?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`), RedactedEmail},
	// Mainland resident ID numbers: 18 characters, the last a check digit
	// or X (the 15-digit form is caught by the digit-run rule below).
	{regexp.MustCompile(`\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]`), RedactedID},
	// Passports: the mainland's E/G/D/S/P series, Hong Kong's H, Macau's M,
	// Taiwan's mainland travel permit, and a passport word followed by any
	// letters-and-digits code.
	{regexp.MustCompile(`(?i)(?:passport|护照|護照|passeport|パスポート|여권)\s*(?:no\.?|number|号码|號碼|号|號)?\s*[:：]?\s*[A-Z0-9]{6,12}`), RedactedID},
	{regexp.MustCompile(`\b[EGDSPHMegdsphm][A-Za-z]?\d{7,8}\b`), RedactedID},
	// WeChat identifiers: openids and unionids (o + 27), WeCom external
	// userids (wm/wo + 20 or more), and any long mixed token like them.
	{regexp.MustCompile(`\b[A-Za-z0-9_\-]*[A-Za-z][A-Za-z0-9_\-]*\d[A-Za-z0-9_\-]*\b|\b[A-Za-z0-9_\-]*\d[A-Za-z0-9_\-]*[A-Za-z][A-Za-z0-9_\-]*\b`), ""},
	// Phones: mainland mobiles with or without +86 and separators,
	// landlines with an area code, and international numbers.
	{regexp.MustCompile(`(?:\+|00)?(?:86)?[\s\-]?1[3-9]\d[\s\-]?\d{4}[\s\-]?\d{4}`), RedactedPhone},
	{regexp.MustCompile(`(?:\(0\d{2,3}\)|0\d{2,3})[\s\-]?\d{7,8}(?:[\s\-]?(?:转|ext\.?)\s?\d{1,5})?`), RedactedPhone},
	{regexp.MustCompile(`(?:\+|00)\d{1,3}[\s\-]?(?:\(\d{1,4}\)[\s\-]?)?\d{2,4}(?:[\s\-]?\d{2,4}){1,4}`), RedactedPhone},
	// Any other run of seven or more digits, with the separators people
	// type: card, account, member and old ID numbers.
	{regexp.MustCompile(`\d(?:\s?\d){6,}`), RedactedNumber},
	// Street addresses written in Latin script.
	{regexp.MustCompile(`(?i)\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Za-z'.\-]+\s+){0,4}(?:street|st|road|rd|avenue|ave|boulevard|blvd|lane|ln|drive|dr|way|place|pl|court|ct|square|sq|strasse|straße)\b\.?`), RedactedAddress},
	{regexp.MustCompile(`(?i)\b\d{1,5},?\s+(?:rue|via|viale|piazza|avenue|av\.|boulevard|bd|place|chemin|calle|corso)\s+(?:[A-Za-zÀ-ÿ'’.\-]+\s?){1,4}`), RedactedAddress},
	{regexp.MustCompile(`(?i)\b(?:apt|apartment|suite|room|flat|unit|floor)\.?\s*#?\s*\d+[A-Za-z]?\b`), RedactedAddress},
}

// longToken is how long a letters-and-digits token must be to be taken for
// an identifier: openids are 28, WeCom external userids longer; product
// codes and sizes are shorter.
const longToken = 16

// addressRun finds, within a run of CJK text, a place written the Chinese
// way: a road, lane or building, then a number with its unit.
var addressRun = regexp.MustCompile(`(?:路|街|道|巷|弄|胡同|大厦|大廈|广场|廣場|花园|花園|小区|小區|公寓|村|苑|里).{0,12}?\d+\s*(?:号|號|弄|栋|棟|幢|座|楼|樓|层|層|室|单元|單元|番地|丁目)|(?:省|市|区|區|县|縣).{0,16}?(?:路|街|道|巷|弄)`)

// RedactText returns s with personal data replaced by placeholders: phone
// numbers, e-mail addresses, ID and passport numbers, WeChat identifiers,
// long numbers, street addresses, and the known strings given (the
// client's name, phone, e-mail, as recorded), for readers who may see what
// was said but not who said it (the CRM role). It errs on the side of
// taking out too much.
func RedactText(s string, known ...string) string {
	for _, k := range known {
		if k = strings.TrimSpace(k); utf8.RuneCountInString(k) >= 2 {
			s = strings.ReplaceAll(s, k, RedactedName)
		}
	}
	for _, r := range redactions {
		if r.with == "" {
			s = r.re.ReplaceAllStringFunc(s, func(tok string) string {
				if len(tok) >= longToken {
					return RedactedID
				}
				return tok
			})
			continue
		}
		s = r.re.ReplaceAllString(s, r.with)
	}
	return redactCJKAddresses(s)
}

// redactCJKAddresses replaces each run of CJK text and digits that holds an
// address: a Chinese address has no spaces, so the run is the address and
// whatever was written around it without punctuation.
func redactCJKAddresses(s string) string {
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		run := s[start:end]
		if addressRun.MatchString(run) {
			b.WriteString(RedactedAddress)
		} else {
			b.WriteString(run)
		}
		start = -1
	}
	for i, r := range s {
		if inAddress(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		b.WriteRune(r)
	}
	flush(len(s))
	return b.String()
}

// inAddress reports whether r can be part of an address written the
// Chinese way: ideographs, kana, digits (ASCII and full width), the dashes
// and number signs of room numbers, and the spaces some put between them.
func inAddress(r rune) bool {
	switch {
	case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
		return true
	case r >= '0' && r <= '9', r >= '０' && r <= '９':
		return true
	case r == '-' || r == '－' || r == '#' || r == '＃' || r == ' ':
		return true
	}
	return false
}
