package clienteling_test

import (
	"testing"

	"github.com/salonhq/salon/clienteling"
)

func TestMoneyString(t *testing.T) {
	tests := []struct {
		in   clienteling.Money
		want string
	}{
		{clienteling.Money{Amount: 480000, Currency: "CNY"}, "CNY 4,800.00"},
		{clienteling.Money{Amount: 2890000000, Currency: "CNY"}, "CNY 28,900,000.00"},
		{clienteling.Money{Amount: 5, Currency: "CNY"}, "CNY 0.05"},
		{clienteling.Money{Amount: 99, Currency: "EUR"}, "EUR 0.99"},
		{clienteling.Money{Amount: 4800, Currency: "JPY"}, "JPY 4,800"},
		{clienteling.Money{Amount: 480, Currency: "JPY"}, "JPY 480"},
		{clienteling.Money{Amount: 1500, Currency: "KWD"}, "KWD 1.500"},
		{clienteling.Money{Amount: -123456, Currency: "USD"}, "USD -1,234.56"},
		{clienteling.Money{Amount: 480000, Currency: "XTS"}, "XTS 480000 (minor units)"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMinorDigits(t *testing.T) {
	for cur, want := range map[string]int{"CNY": 2, "EUR": 2, "USD": 2, "JPY": 0, "KWD": 3} {
		if got, ok := clienteling.MinorDigits(cur); !ok || got != want {
			t.Errorf("%s: got %d, %v; want %d", cur, got, ok, want)
		}
	}
	if _, ok := clienteling.MinorDigits("XTS"); ok {
		t.Error("XTS (the ISO test code) is known")
	}
}
