package importer

import (
	"strings"
	"testing"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/clientelingtest"
)

// The Service is the Directory salon import uses: rows are checked against
// what the database holds, as the acting principal sees it.
func TestServiceAsDirectory(t *testing.T) {
	m := clientelingtest.NewMaison(t)
	ctx := clienteling.WithPrincipal(t.Context(), clienteling.System())

	_, err := Customers(ctx, strings.NewReader("channel,external_id,advisor,boutique\noa,oX1,ben,bj-skp\noa,oX2,nobody,bj-skp\noa,oX3,ben,sh-nowhere\n"), CSV, m.Service)
	checkLines(t, errLines(t, err), []string{
		"row 3: advisor: no such associate: import the associates first",
		"row 4: boutique: no such boutique: create it first",
	})
	_, err = Associates(ctx, strings.NewReader("userid,name,boutique,role\nAMY,Amy,sh-plaza66,associate\nzoe,Zoe,bj-skp,associate\n"), CSV, m.Service)
	checkLines(t, errLines(t, err), []string{"row 2: userid: an associate with this userid exists already"})

	// Read by a principal who may not list associates, nothing is imported.
	stranger := clienteling.WithPrincipal(t.Context(), &clienteling.Principal{Subject: "x", Role: "nobody"})
	if _, err := Customers(stranger, strings.NewReader("channel,external_id\noa,o1\n"), CSV, m.Service); clienteling.ErrorCode(err) != clienteling.EFORBIDDEN {
		t.Errorf("got %v, want the directory's EFORBIDDEN", err)
	}
}
