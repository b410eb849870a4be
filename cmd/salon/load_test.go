package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// salon load runs a short load against its own sandbox and reports every
// message acknowledged and notified.
func TestLoadCommand(t *testing.T) {
	var out, errs bytes.Buffer
	err := run(context.Background(), []string{"load", "--rate", "200", "--duration", "1s", "--clients", "50"},
		func(string) string { return "" }, nil, &out, &errs)
	if err != nil {
		t.Fatalf("load: %v\n%s", err, errs.String())
	}
	got := out.String()
	for _, want := range []string{"msgs/s", "acknowledgement   p50", "post to NATS", "(0 failed)", "not within 10 s"} {
		if !strings.Contains(got, want) {
			t.Fatalf("report lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(got, ", 0 not within 10 s)") {
		t.Fatalf("messages went unnotified:\n%s", got)
	}
	if err := run(context.Background(), []string{"load", "--rate", "-1"}, func(string) string { return "" }, nil, &out, &errs); err == nil ||
		!strings.Contains(err.Error(), "--rate") {
		t.Fatalf("bad rate: %v", err)
	}
}
