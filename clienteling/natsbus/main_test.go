//go:build unix

package natsbus_test

import (
	"os"
	"testing"

	"github.com/salonhq/salon/clienteling/clientelingtest"
)

func TestMain(m *testing.M) {
	clientelingtest.ServeNATSProcess() // when run again as a NATS server
	os.Exit(m.Run())
}
