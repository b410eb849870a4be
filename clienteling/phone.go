package clienteling

import (
	"strings"
)

// NormalizePhone writes a phone number in E.164 form, the one form Salon
// stores, so that one number is never two different strings:
//
//   - a mainland mobile as dialled in China: 13800138000 -> +8613800138000
//   - with a country code after + or 00: +86 138-0013-8000, 0086 138 0013 8000
//     and +852 9123 4567 -> +8613800138000, +8613800138000, +85291234567
//
// Spaces, hyphens, dots and brackets are separators; full-width digits and
// plus signs, as Chinese input methods type them, count as their ASCII
// forms. ok is false for anything else: a number without a country code
// that is not a mainland mobile, an extension, letters, or a +86 number that
// is neither a mobile nor a landline with its area code. The empty string is
// no number and stays empty.
func NormalizePhone(s string) (e164 string, ok bool) {
	var digits strings.Builder
	plus := false
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r == '＋':
			r = '+'
		}
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && digits.Len() == 0 && !plus:
			plus = true // before the digits only: "(+86) 138..."
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '\u00a0' || r == '\u3000':
		default:
			return "", false
		}
	}
	d := digits.String()
	switch {
	case d == "" && !plus:
		return "", true
	case plus:
	case strings.HasPrefix(d, "00"):
		d = d[2:] // the international prefix dialled from China and Europe
	case mainlandMobile(d):
		d = "86" + d
	default:
		return "", false
	}
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return "", false
	}
	if national, ok := strings.CutPrefix(d, "86"); ok && !mainlandMobile(national) && !mainlandLandline(national) {
		return "", false
	}
	return "+" + d, true
}

// phoneHelp says what a phone must be, without quoting the one refused.
const phoneHelp = "must be a mainland mobile number such as 13800138000, or a number with its country code such as +852 9123 4567"

// mainlandMobile reports whether d is a mainland mobile number: 11 digits,
// 13x to 19x.
func mainlandMobile(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// mainlandLandline reports whether d is a mainland landline after +86: an
// area code of 2 to 4 digits without its leading 0, then 7 or 8 digits.
func mainlandLandline(d string) bool {
	return len(d) >= 9 && len(d) <= 12 && d[0] >= '2' && d[0] <= '9'
}
