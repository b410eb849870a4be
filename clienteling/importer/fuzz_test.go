package importer

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
)

// fuzzImport checks what must hold for any input: no panic; either values
// and no error, or an error and no values; every value valid and unique;
// every problem located by row.
func fuzzImport[T any](f *testing.F, parse func(io.Reader, Format) ([]*T, error), k *kind[T], format Format, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := parse(bytes.NewReader(in), format)
		if err != nil {
			if got != nil {
				t.Fatalf("got %d values and an error", len(got))
			}
			var re *RowErrors
			if !errors.As(err, &re) {
				t.Fatalf("error %v (%T) is not *RowErrors", err, err)
			}
			if len(re.Errors) == 0 {
				t.Fatal("empty *RowErrors")
			}
			for _, e := range re.Errors {
				if line := e.Error(); e.Row < 0 || !(strings.HasPrefix(line, "row ") || strings.HasPrefix(line, "file: ")) {
					t.Fatalf("unlocated problem %q", line)
				}
			}
			return
		}
		seen := map[string]bool{}
		for _, v := range got {
			if err := clienteling.Validate(v); err != nil {
				t.Fatalf("accepted an invalid value: %v", err)
			}
			for _, key := range k.keys(v, format) {
				if seen[key.value] {
					t.Fatalf("accepted %s twice", key.field)
				}
				seen[key.value] = true
			}
		}
	})
}

func FuzzCatalogCSV(f *testing.F) {
	fuzzImport(f, Catalog, &catalogKind, CSV,
		catalogHeader+"ML-BAG-01,天穹手提包,Céleste bag,,,bags,32500.00,CNY,,https://images.example.com/a.jpg,vip,sh-plaza66:2|bj-skp:1\n",
		"sku,title_en,price,currency\nA,Bag,28900.00,CNY\nB,\"The \"\"It\"\" bag\",1,JPY\n",
		"sku,title_en,price_minor,currency\nA,Bag,2890000,CNY\nB,Bag,1,KWD\n",
		"sku,title_en,price\nA,\"Bag,1\n",
		"\uFEFFSKU , Price,title_en,active\nA,0.01,Bag,否\n,,,\n")
}

func FuzzCatalogJSON(f *testing.F) {
	fuzzImport(f, Catalog, &catalogKind, JSON,
		`[{"sku":"A","title":{"en":"Bag","zh-CN":"包"},"price":{"amount":1,"currency":"CNY"},"stock":{"sh-plaza66":1}}]`,
		`[{"sku":"A","title":{"en":"Bag"},"price":{"amount":"1","currency":"CNY"}}, null, 1, []`,
		`{"sku":"A"}`)
}

func FuzzAssociatesCSV(f *testing.F) {
	fuzzImport(f, readAssociates, &associatesKind, CSV,
		"userid,name,boutique,role,email,status,hours\namy,Amy Li,sh-plaza66,associate,amy@example.com,,mon-fri 10:00-19:00|sat 12:00-20:00\n",
		"userid,name,boutique,role,hours\nAmy,A,b,manager,daily 10:00-22:00\namy,A,b,associate,fri-mon 22:00-10:00\n")
}

func FuzzAssociatesJSON(f *testing.F) {
	fuzzImport(f, readAssociates, &associatesKind, JSON,
		`[{"userid":"amy","name":"Amy","boutique":"sh-plaza66","role":"associate","hours":[{"day":"mon","open":"10:00","close":"19:00"}]}]`,
		`[{"userid":"li.wei","name":"","boutique":"B","role":"boss","hours":[{"day":"mon","open":"22:00","close":"10:00"}]}]`)
}

func FuzzCustomersCSV(f *testing.F) {
	fuzzImport(f, readCustomers, &customersKind, CSV,
		customersHeader+"王思琪,oa,oDEMO0001,uDEMO0001,vvip,zh-CN,amy,sh-plaza66,+8613900000001,top,是,否,shoes:37|rtw:36,black\n",
		"channel,external_id,advisor,phone\noa,o1,chenjing,139 0000 0001\noa,o2,nobody,0086-139-0000-0002\n",
		"channel,external_id,unionid,dates\noa,o1,u1,birthday:02-29\nwecom,o1,u1,birthday:02-30\n,,,\n")
}

func FuzzCustomersJSON(f *testing.F) {
	fuzzImport(f, readCustomers, &customersKind, JSON,
		`[{"identities":[{"channel":"oa","external_id":"oDEMO1"}],"unionid":"u1","tier":"vip","language":"en","preferences":{"dates":[{"kind":"birthday","date":"05-18"}]}}]`,
		`[{"id":"x"},{"unionid":"u1","created_at":1},{"unionid":"u1"}]`)
}
