package clienteling_test

import (
	"testing"

	"github.com/salonhq/salon/clienteling"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"OKMainlandMobile", "13800138000", "+8613800138000", true},
		{"OKWithCountryCode", "+86 138-0013-8000", "+8613800138000", true},
		{"OKInternationalPrefix", "0086 138 0013 8000", "+8613800138000", true},
		{"OKAlreadyE164", "+8613800138000", "+8613800138000", true},
		{"OKFullWidth", "＋８６ １３８００１３８０００", "+8613800138000", true},
		{"OKBrackets", "(+86) 138.0013.8000", "+8613800138000", true},
		{"OKMainlandLandline", "+86 21 6279 8888", "+862162798888", true},
		{"OKHongKong", "+852 9123 4567", "+85291234567", true},
		{"OKFrance", "0033 6 12 34 56 78", "+33612345678", true},
		{"OKEmpty", " ", "", true},
		{"ErrNationalLandline", "021-6279 8888", "", false},
		{"ErrShortMobile", "1380013800", "", false},
		{"ErrNotAMobile", "12800138000", "", false},
		{"ErrShortAfter86", "+86 1380013800", "", false},
		{"ErrTooLong", "+1234567890123456", "", false},
		{"ErrCountryCodeZero", "+0123456789", "", false},
		{"ErrPlusInside", "86+13800138000", "", false},
		{"ErrExtension", "+8613800138000 ext 2", "", false},
		{"ErrLetters", "call me", "", false},
		{"ErrPlusOnly", "+", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := clienteling.NormalizePhone(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// A customer's phone is normalized wherever it comes from, and one that
// cannot be read is refused naming the field, never stored as typed.
func TestCustomerPhone(t *testing.T) {
	c := &clienteling.Customer{UnionID: "u1", Phone: "138 0013 8000"}
	c.Normalize()
	if err := clienteling.Validate(c); err != nil || c.Phone != "+8613800138000" {
		t.Errorf("got %q, %v; want +8613800138000 and no error", c.Phone, err)
	}
	c = &clienteling.Customer{UnionID: "u1", Phone: "021-6279 8888"}
	c.Normalize()
	if err := clienteling.Validate(c); clienteling.ErrorCode(err) != clienteling.EINVALID || fieldOf(err) != "phone" {
		t.Errorf("got %v, want EINVALID naming phone", err)
	}
	// Validate alone, without Normalize, accepts only the stored form.
	if err := clienteling.Validate(&clienteling.Customer{UnionID: "u1", Tier: "vip", Language: "en", Phone: "13800138000"}); fieldOf(err) != "phone" {
		t.Errorf("got %v, want the national form refused by Validate", err)
	}
}

func fieldOf(err error) string {
	if e, ok := err.(*clienteling.Error); ok {
		return e.Field
	}
	return ""
}
