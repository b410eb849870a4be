package importer

import (
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

const catalogHeader = "sku,title_zh,title_en,description_zh,description_en,category,price,currency,sizes,images,min_tier,stock\n"

func cny(amount int64) clienteling.Money { return clienteling.Money{Amount: amount, Currency: "CNY"} }

func TestCatalogCSV(t *testing.T) {
	t.Parallel()
	bag := &clienteling.Product{
		SKU:         "ML-BAG-01",
		Title:       clienteling.Localized{"zh-CN": "天穹手提包", "en": "Céleste top-handle bag"},
		Description: clienteling.Localized{"en": "Calfskin, gold-tone clasp.\nMade in France."},
		Category:    "bags",
		Price:       cny(3250000),
		Images:      []string{"https://images.example.com/ml-bag-01/1.jpg", "https://images.example.com/ml-bag-01/2.jpg"},
		MinTier:     "vip",
		Stock:       map[clienteling.BoutiqueID]int{"sh-plaza66": 2, "bj-skp": 0},
	}
	pump := &clienteling.Product{
		SKU:      "ML-SHO-01",
		Title:    clienteling.Localized{"en": "Étoile pump 85"},
		Category: "shoes",
		Price:    clienteling.Money{Amount: 790000, Currency: "HKD"},
		Sizes:    []string{"36", "36.5", "37"},
	}
	tests := []struct {
		name string
		in   string
		want []*clienteling.Product
		errs []string
	}{
		{name: "OK", in: catalogHeader +
			"ML-BAG-01,天穹手提包,Céleste top-handle bag,,\"Calfskin, gold-tone clasp.\nMade in France.\",Bags,32500.00,CNY,," +
			"https://images.example.com/ml-bag-01/1.jpg|https://images.example.com/ml-bag-01/2.jpg,VIP,sh-plaza66:2|bj-skp:0\n" +
			",,,,,,,,,,,\n" +
			"ML-SHO-01,,Étoile pump 85,,,shoes, 7900.00 ,hkd,36|36.5|37|,,,\n",
			want: []*clienteling.Product{bag, pump}},
		{name: "OKColumnsInAnyOrder", in: "\uFEFFPrice , SKU,title_en\n0.01,A,Bag\n",
			want: []*clienteling.Product{{SKU: "A", Title: clienteling.Localized{"en": "Bag"}, Price: cny(1)}}},
		{name: "OKInactive", in: "sku,title_en,price_minor,active\nA,Bag,1,no\n",
			want: []*clienteling.Product{{SKU: "A", Title: clienteling.Localized{"en": "Bag"}, Price: cny(1), Active: new(bool)}}},
		{name: "OKHeaderOnly", in: catalogHeader, want: []*clienteling.Product{}},
		{name: "OKMajorUnits", in: "sku,title_en,price,currency\nA,Bag,4800.00,CNY\nB,Bag,4800,JPY\nC,Bag,1.500,KWD\nD,Bag,0.01,\n",
			want: []*clienteling.Product{
				{SKU: "A", Title: clienteling.Localized{"en": "Bag"}, Price: cny(480000)},
				{SKU: "B", Title: clienteling.Localized{"en": "Bag"}, Price: clienteling.Money{Amount: 4800, Currency: "JPY"}},
				{SKU: "C", Title: clienteling.Localized{"en": "Bag"}, Price: clienteling.Money{Amount: 1500, Currency: "KWD"}},
				{SKU: "D", Title: clienteling.Localized{"en": "Bag"}, Price: cny(1)},
			}},
		{name: "OKMinorUnits", in: "sku,title_en,price_minor,currency\nA,Bag,480000,CNY\nB,Bag,4800,JPY\nC,Bag,7,XTS\n",
			want: []*clienteling.Product{
				{SKU: "A", Title: clienteling.Localized{"en": "Bag"}, Price: cny(480000)},
				{SKU: "B", Title: clienteling.Localized{"en": "Bag"}, Price: clienteling.Money{Amount: 4800, Currency: "JPY"}},
				{SKU: "C", Title: clienteling.Localized{"en": "Bag"}, Price: clienteling.Money{Amount: 7, Currency: "XTS"}},
			}},
		{name: "ErrBadPrice", in: catalogHeader + "A,包,,,,bags,0.00,,,,,\n",
			errs: []string{"row 2: price.amount: must be > 0"}},
		{name: "ErrNegativePrice", in: "sku,title_en,price\nA,Bag,-100.00\nB,Bag,\nC,Bag,-1\n",
			errs: []string{"row 2: price: must be > 0", "row 3: price.amount: must be > 0", "row 4: price: must be > 0"}},
		{name: "ErrMinorUnitsInPrice", in: "sku,title_en,price\nA,Bag,480000\nB,Bag,28900.5\nC,Bag,\"28,900.00\"\nD,Bag,2.89e6\nE,Bag,.50\n",
			errs: []string{
				"row 2: price: must be in CNY with 2 decimals, such as 4800.00, or the column must be price_minor for minor units",
				"row 3: price: must be in CNY with 2 decimals...",
				"row 4: price: must be in CNY with 2 decimals...",
				"row 5: price: must be in CNY with 2 decimals...",
				"row 6: price: must be in CNY with 2 decimals...",
			}},
		{name: "ErrExponents", in: "sku,title_en,price,currency\nA,Bag,1000.00,JPY\nB,Bag,1.50,KWD\nC,Bag,1.500,XTS\n",
			errs: []string{
				"row 2: price: must be in JPY with 0 decimals, such as 4800, or the column must be price_minor for minor units",
				"row 3: price: must be in KWD with 3 decimals, such as 4800.000, or the column must be price_minor for minor units",
				"row 4: price: the decimals of this currency are unknown: give the amount in minor units in a price_minor column",
			}},
		{name: "ErrBadMinor", in: "sku,title_en,price_minor\nA,Bag,4800.00\nB,Bag,-1\nC,Bag,99999999999999999999\n",
			errs: []string{
				"row 2: price_minor: must be a whole number of the currency's minor unit, such as 480000 for 4800.00 CNY",
				"row 3: price_minor: must be > 0",
				"row 4: price_minor: is too large",
			}},
		{name: "ErrPriceOverflow", in: "sku,title_en,price\nA,Bag,92233720368547758.08\nB,Bag,99999999999999999999.00\n",
			errs: []string{"row 2: price: is too large", "row 3: price: is too large"}},
		{name: "ErrMissingPrice", in: "sku,title_en,price\nA,Bag,\n",
			errs: []string{"row 2: price.amount: must be > 0"}},
		{name: "ErrBadCurrency", in: "sku,title_en,price,currency,active\nA,Bag,1.00,RMB元,maybe\n",
			errs: []string{"row 2: currency: must be an ISO 4217 code such as CNY", "row 2: active: must be true or false"}},
		{name: "ErrBothPriceColumns", in: "sku,title_en,price,price_minor\n",
			errs: []string{"row 1: price_minor: give one of the columns price, price_minor, not several"}},
		{name: "ErrEveryProblemOfARow", in: "sku,title_en,price,category,active\nA B,,1,handbags,maybe\n",
			errs: []string{
				"row 2: price: must be in CNY with 2 decimals...",
				"row 2: active: must be true or false",
				"row 2: sku: must be letters, digits, _ . -",
				"row 2: title: is required",
				"row 2: category: must be one of...",
			}},
		{name: "ErrBadStock", in: "sku,title_en,price_minor,stock\nA,Bag,1,sh-plaza66=2\nB,Bag,1,sh-plaza66:2|sh-plaza66:1\nC,Bag,1,SH:1\nD,Bag,1,sh:-1\n",
			errs: []string{
				"row 2: stock: must be BOUTIQUE:COUNT pairs separated by |, such as sh-plaza66:2|bj-skp:1",
				"row 3: stock: names a boutique twice",
				"row 4: stock[SH]: must be a lowercase slug (a-z, 0-9, -)",
				"row 5: stock[sh]: must be >= 0",
			}},
		{name: "ErrBadCategory", in: "sku,title_en,price_minor,category\nA,Bag,1,handbags\n",
			errs: []string{"row 2: category: must be one of: bags, shoes, ready-to-wear, jewellery, watches, accessories, leather-goods, fragrance"}},
		{name: "ErrBadImage", in: "sku,title_en,price_minor,images\nA,Bag,1,images/a.jpg\n",
			errs: []string{"row 2: images[0]: must be a URL"}},
		{name: "ErrNoTitle", in: "sku,title_en,price_minor\nA,,1\n",
			errs: []string{"row 2: title: is required"}},
		{name: "ErrBadSKU", in: "sku,title_en,price_minor\nA B,Bag,1\n",
			errs: []string{"row 2: sku: must be letters, digits, _ . -"}},
		{name: "ErrBadActive", in: "sku,title_en,price_minor,active\nA,Bag,1,maybe\n",
			errs: []string{"row 2: active: must be true or false"}},
		{name: "ErrDuplicateSKU", in: "sku,title_en,price_minor\nA,Bag,1\nB,Bag,1\nA,Bag,2\n",
			errs: []string{"row 4: sku: duplicates row 2"}},
		{name: "ErrUnknownColumn", in: "sku,title_en,price,colour\n",
			errs: []string{"row 1: colour: unknown column; the columns are: sku, title_zh, title_en, description_zh, description_en, category, price, price_minor, currency, sizes, images, min_tier, stock, active"}},
		{name: "ErrMissingColumns", in: "title_en\nBag\n",
			errs: []string{"row 1: sku: required column is missing", "row 1: price: required column is missing; or name it price_minor"}},
		{name: "ErrRepeatedColumn", in: "sku,price,title_en,SKU\n",
			errs: []string{"row 1: sku: column appears twice"}},
		{name: "ErrUnnamedColumn", in: "sku,price,,title_en\n",
			errs: []string{"row 1: column 3: has no name"}},
		{name: "ErrRaggedRow", in: "sku,title_en,price\nA,Bag\nB,Bag,1,extra\n",
			errs: []string{"row 2: has 2 cells, the header row has 3", "row 3: has 4 cells, the header row has 3"}},
		{name: "ErrBareQuote", in: "sku,title_en,price_minor\nA,Bag,1\nB,The \"It\" bag,1\n",
			errs: []string{"row 3: malformed CSV at line 3, byte 7: a \" inside a cell that does not start with one: quote the cell and double the \""}},
		{name: "ErrUnclosedQuote", in: "sku,title_en,price\nA,\"Bag,1\nB,Bag,1\n",
			errs: []string{"row 2: malformed CSV at line 3, byte 9: a quoted cell is never closed, or a \" inside it is not doubled"}},
		{name: "ErrNotUTF8", in: "sku,title_en,price\nA,\xb0\xfc,1\n",
			errs: []string{"row 2: title_en: is not UTF-8: save the file as \"CSV UTF-8\""}},
		{name: "ErrEmpty", in: "",
			errs: []string{"row 1: the file is empty: the first row must name the columns"}},
		{name: "ErrEveryRow", in: "sku,title_en,price\nA,Bag,0.00\nB,,0.01\nC,Bag,0.01\nD,Bag,x\n",
			errs: []string{"row 2: price.amount: must be > 0", "row 3: title: is required", "row 5: price: must be in CNY with 2 decimals..."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Catalog(strings.NewReader(tt.in), CSV)
			checkLines(t, errLines(t, err), tt.errs)
			if err != nil && got != nil {
				t.Errorf("got %d products with an error, want none", len(got))
			}
			checkValues(t, got, tt.want)
		})
	}
}

func TestCatalogJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []*clienteling.Product
		errs []string
	}{
		{name: "OK", in: `[
			{"sku": "ML-WCH-01", "title": {"zh-CN": "经典腕表", "en": "Classique watch"}, "category": "watches",
			 "price": {"amount": 4200000, "currency": "CNY"}, "stock": {"bj-skp": 1}, "min_tier": "vvip"}
		]`, want: []*clienteling.Product{{SKU: "ML-WCH-01", Title: clienteling.Localized{"zh-CN": "经典腕表", "en": "Classique watch"},
			Category: "watches", Price: cny(4200000), Stock: map[clienteling.BoutiqueID]int{"bj-skp": 1}, MinTier: "vvip"}}},
		{name: "OKEmpty", in: " [ ] \n", want: []*clienteling.Product{}},
		{name: "ErrBadPrice", in: `[{"sku":"A","title":{"en":"Bag"},"price":{"amount":1,"currency":"CNY"}},
			{"sku":"B","title":{"en":"Bag"},"price":{"amount":0,"currency":"CNY"}}]`,
			errs: []string{"row 2: price.amount: must be > 0"}},
		{name: "ErrUnknownField", in: `[{"sku":"A","title":{"en":"Bag"},"price":{"amount":1,"currency":"CNY"},"colour":"red"}]`,
			errs: []string{"row 1: colour: unknown field"}},
		{name: "ErrWrongType", in: `[{"sku":"A","title":{"en":"Bag"},"price":{"amount":"1","currency":"CNY"}},
			{"sku":"B","title":{"en":"Bag"},"price":{"amount":1.5,"currency":"CNY"}},
			{"sku":"C","title":"Bag","price":{"amount":1,"currency":"CNY"}}]`,
			errs: []string{"row 1: price.amount: must be a whole number", "row 2: price.amount: must be a whole number", "row 3: title: must be an object"}},
		{name: "ErrNotAnObject", in: `[null, 1, "A"]`,
			errs: []string{"row 1: must be a JSON object", "row 2: must be a JSON object", "row 3: must be a JSON object"}},
		{name: "ErrNotAnArray", in: `{"sku":"A"}`,
			errs: []string{"file: must be a JSON array of objects, one per row"}},
		{name: "ErrSyntax", in: "[\n{\"sku\":\"A\",\"title\":{\"en\":\"Bag\"},\"price\":{\"amount\":1,\"currency\":\"CNY\"}}\n{\"sku\":\"B\"}]",
			errs: []string{"row 2: malformed JSON at line 3: expected comma after array element"}},
		{name: "ErrTruncated", in: `[{"sku":"A","title":{"en":"Bag"},"price":{"amount":1,"currency":"CNY"}},`,
			errs: []string{"row 2: malformed JSON: the file ends before the array is closed"}},
		{name: "ErrTrailing", in: `[] []`,
			errs: []string{"file: has more after the array's closing ]"}},
		{name: "ErrDuplicateSKU", in: `[{"sku":"A","title":{"en":"Bag"},"price":{"amount":1,"currency":"CNY"}},
			{"sku":"A","title":{"en":"Bag"},"price":{"amount":1,"currency":"CNY"}}]`,
			errs: []string{"row 2: sku: duplicates row 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Catalog(strings.NewReader(tt.in), JSON)
			checkLines(t, errLines(t, err), tt.errs)
			checkValues(t, got, tt.want)
		})
	}
}
