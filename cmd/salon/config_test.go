package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestConfigErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"ErrHTTPAddr", map[string]string{"SALON_HTTP_ADDR": "8080"}, nil, "SALON_HTTP_ADDR"},
		{"ErrSandbox", map[string]string{"SALON_SANDBOX": "maybe"}, nil, "SALON_SANDBOX"},
		{"ErrFlagWins", map[string]string{"SALON_SANDBOX": "on"}, []string{"--sandbox", "sometimes"}, "SALON_SANDBOX"},
		{"ErrPublicURL", nil, []string{"--public-url", "ftp://x"}, "SALON_PUBLIC_URL"},
		{"ErrNATSURL", map[string]string{"SALON_NATS_URL": "http://nats"}, nil, "SALON_NATS_URL"},
		{"ErrAESKey", map[string]string{"SALON_OA_APPID": "wx1", "SALON_OA_SECRET": "s", "SALON_OA_TOKEN": "t", "SALON_OA_AESKEY": "short"}, nil, "SALON_OA_AESKEY"},
		{"ErrSecretWithoutAppID", map[string]string{"SALON_OA_SECRET": "s"}, nil, "SALON_OA_SECRET"},
		{"ErrLogFormat", map[string]string{"SALON_LOG_FORMAT": "xml"}, nil, "SALON_LOG_FORMAT"},
		{"ErrAPIBase", map[string]string{"SALON_WECHAT_API_BASE": "not a url"}, nil, "SALON_WECHAT_API_BASE"},
		{"ErrSLANotADuration", map[string]string{"SALON_SLA_TOP": "five"}, nil, "SALON_SLA_TOP"},
		{"ErrSLATooLong", nil, []string{"--sla-after-hours", "48h"}, "SALON_SLA_AFTER_HOURS"},
		{"ErrSLATooShort", map[string]string{"SALON_SLA_OTHER": "10s"}, nil, "SALON_SLA_OTHER"},
		{"ErrDefaultBoutique", map[string]string{"SALON_DEFAULT_BOUTIQUE": "Plaza 66"}, nil, "SALON_DEFAULT_BOUTIQUE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(k string) string { return tt.env[k] }
			var stderr bytes.Buffer
			err := run(context.Background(), append([]string{"serve", "--data-dir", t.TempDir()}, tt.args...), env, nil, &stderr, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want+":") {
				t.Fatalf("got %v, want an error naming %s", err, tt.want)
			}
		})
	}
}

func TestConfigFlagWinsOverEnv(t *testing.T) {
	var cfg Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cfg.bindFlags(fs, func(k string) string {
		return map[string]string{"SALON_HTTP_ADDR": "127.0.0.1:9999", "SALON_DATA_DIR": "/srv/salon"}[k]
	})
	if err := fs.Parse([]string{"--http-addr", "127.0.0.1:7777"}); err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.HTTPAddr, "127.0.0.1:7777"; got != want {
		t.Errorf("http addr: got %q, want %q", got, want)
	}
	if got, want := cfg.DataDir, "/srv/salon"; got != want {
		t.Errorf("data dir: got %q, want %q", got, want)
	}
	if got, want := cfg.Sandbox, "auto"; got != want {
		t.Errorf("sandbox: got %q, want default %q", got, want)
	}
}

func TestSecondServeOnSameDataDir(t *testing.T) {
	m := MustRunMain(t)
	var stderr bytes.Buffer
	env := func(string) string { return "" }
	err := run(context.Background(), []string{"serve", "--data-dir", m.Config.DataDir, "--http-addr", "127.0.0.1:0"}, env, nil, &stderr, &stderr)
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("got %v, want a clear 'in use' error", err)
	}
}

func TestHelpOfEveryCommand(t *testing.T) {
	for _, cmd := range []string{"serve", "import", "backup", "export", "erase", "load"} {
		t.Run(cmd, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), []string{cmd, "--help"}, func(string) string { return "" }, nil, &out, &out)
			if !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "Usage: salon "+cmd) {
				t.Fatalf("got %v and %q", err, out.String())
			}
		})
	}
}
