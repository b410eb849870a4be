package importer_test

import (
	"fmt"
	"strings"

	"github.com/salonhq/salon/clienteling/importer"
)

func ExampleCatalog() {
	in := "sku,title_zh,title_en,price,stock\n" +
		"ML-BAG-01,天穹中号手提包,Céleste Top-Handle Bag,32500.00,sh-plaza66:3|bj-skp:2\n"
	ps, err := importer.Catalog(strings.NewReader(in), importer.CSV)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := ps[0]
	fmt.Println(p.SKU, p.Title["en"], p.Price.Amount, p.Price.Currency, p.Stock["bj-skp"])
	// Output: ML-BAG-01 Céleste Top-Handle Bag 3250000 CNY 2
}

func ExampleRowErrors() {
	in := "sku,title_en,price\n" +
		"ML-BAG-01,Céleste Top-Handle Bag,0.00\n" +
		"ML-BAG-02,,24800.00\n" +
		"ML-BAG-01,Céleste Mini Bag,24800.00\n"
	_, err := importer.Catalog(strings.NewReader(in), importer.CSV)
	fmt.Println(err)
	// Output:
	// row 2: price.amount: must be > 0
	// row 3: title: is required
	// row 4: sku: duplicates row 2
}
