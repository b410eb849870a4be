package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/salonhq/salon/clienteling"
)

func TestConfigErrorsNameTheSetting(t *testing.T) {
	t.Parallel()
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
		{"ErrCardTTL", map[string]string{"SALON_CARD_TTL": "7 days"}, nil, "SALON_CARD_TTL"},
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

// parseConfig binds a Config to env and args as `salon serve` does, and
// returns it with the result of Validate.
func parseConfig(t *testing.T, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	var cfg Config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	cfg.bindFlags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %q: %v", args, err)
	}
	return cfg, cfg.Validate()
}

// Every bad value stops start-up with one line, naming its variable.
func TestConfigEachBadValueNamesItsVariable(t *testing.T) {
	t.Parallel()
	oa := map[string]string{"SALON_OA_APPID": "wx1", "SALON_OA_SECRET": "s", "SALON_OA_TOKEN": "t"}
	pay := map[string]string{"SALON_PAY_APPID": "wx5a10000000000001", "SALON_PAY_MCHID": "1900000109",
		"SALON_PAY_APIV3_KEY": strings.Repeat("k", 32), "SALON_PAY_CERT_SERIAL": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1",
		"SALON_PAY_PRIVATE_KEY_FILE": "apiclient_key.pem", "SALON_PAY_PUBLIC_KEY_ID": "PUB_KEY_ID_0114232134912410000000000000",
		"SALON_PAY_PUBLIC_KEY_FILE": "pub_key.pem"}
	with := func(base map[string]string, k, v string) map[string]string {
		m := map[string]string{k: v}
		for bk, bv := range base {
			if bk != k {
				m[bk] = bv
			}
		}
		return m
	}
	aesKey := strings.Repeat("a", 43)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"ErrDataDir", nil, []string{"--data-dir", " "}, "SALON_DATA_DIR"},
		{"ErrHTTPAddr", map[string]string{"SALON_HTTP_ADDR": "localhost"}, nil, "SALON_HTTP_ADDR"},
		{"ErrPublicURL", map[string]string{"SALON_PUBLIC_URL": "salon.example.com"}, nil, "SALON_PUBLIC_URL"},
		{"ErrNATSURL", map[string]string{"SALON_NATS_URL": "nats://a:4222, b:4222"}, nil, "SALON_NATS_URL"},
		{"ErrNATSAddr", map[string]string{"SALON_NATS_ADDR": "4222"}, nil, "SALON_NATS_ADDR"},
		{"ErrNATSAddrWithURL", map[string]string{"SALON_NATS_ADDR": "127.0.0.1:4222", "SALON_NATS_URL": "nats://a:4222"}, nil, "SALON_NATS_ADDR"},
		{"ErrAdminToken", map[string]string{"SALON_ADMIN_TOKEN": "short"}, nil, "SALON_ADMIN_TOKEN"},
		{"ErrSandbox", map[string]string{"SALON_SANDBOX": "yes"}, nil, "SALON_SANDBOX"},
		{"ErrSandboxFlag", nil, []string{"--sandbox", "ON"}, "SALON_SANDBOX"},
		{"ErrSandboxWithCredentials", with(oa, "SALON_SANDBOX", "on"), nil, "SALON_SANDBOX"},
		{"ErrLogFormat", map[string]string{"SALON_LOG_FORMAT": "logfmt"}, nil, "SALON_LOG_FORMAT"},
		{"ErrLogLevel", map[string]string{"SALON_LOG_LEVEL": "loud"}, nil, "SALON_LOG_LEVEL"},
		{"ErrLogLevelFlag", nil, []string{"--log-level", "verbose"}, "SALON_LOG_LEVEL"},
		{"ErrOAAESKey", with(oa, "SALON_OA_AESKEY", "short"), nil, "SALON_OA_AESKEY"},
		{"ErrOASecret", map[string]string{"SALON_OA_APPID": "wx1", "SALON_OA_TOKEN": "t"}, nil, "SALON_OA_SECRET"},
		{"ErrOAToken", map[string]string{"SALON_OA_APPID": "wx1", "SALON_OA_SECRET": "s"}, nil, "SALON_OA_TOKEN"},
		{"ErrWeComAESKey", map[string]string{"SALON_WECOM_CORPID": "ww1", "SALON_WECOM_AESKEY": aesKey + "b"}, nil, "SALON_WECOM_AESKEY"},
		{"ErrWeComKFAESKey", map[string]string{"SALON_WECOM_CORPID": "ww1", "SALON_WECOM_KF_AESKEY": "x"}, nil, "SALON_WECOM_KF_AESKEY"},
		{"ErrWeComCorpID", map[string]string{"SALON_WECOM_KF_SECRET": "s"}, nil, "SALON_WECOM_CORPID"},
		{"ErrWeChatAPIBase", map[string]string{"SALON_WECHAT_API_BASE": "api.weixin.qq.com"}, nil, "SALON_WECHAT_API_BASE"},
		{"ErrWeComAPIBase", map[string]string{"SALON_WECOM_API_BASE": "ftp://qyapi.weixin.qq.com"}, nil, "SALON_WECOM_API_BASE"},
		{"ErrPayAPIBase", nil, []string{"--pay-api-base", "https://"}, "SALON_PAY_API_BASE"},
		{"ErrPayPartial", map[string]string{"SALON_PAY_APPID": "wx5a10000000000001", "SALON_PAY_MCHID": "1900000109"}, nil, "SALON_PAY_APIV3_KEY"},
		{"ErrPayAPIv3Key", with(pay, "SALON_PAY_APIV3_KEY", "short"), nil, "SALON_PAY_APIV3_KEY"},
		{"ErrPayPublicKeyID", with(pay, "SALON_PAY_PUBLIC_KEY_ID", "0123"), nil, "SALON_PAY_PUBLIC_KEY_ID"},
		{"ErrWeChatOAuthBase", map[string]string{"SALON_WECHAT_OAUTH_BASE": "open.weixin.qq.com"}, nil, "SALON_WECHAT_OAUTH_BASE"},
		{"ErrSLATopNotADuration", map[string]string{"SALON_SLA_TOP": "5"}, nil, "SALON_SLA_TOP"},
		{"ErrSLAOtherNotADuration", nil, []string{"--sla-other", "quarter"}, "SALON_SLA_OTHER"},
		{"ErrSLAAfterHoursNotADuration", map[string]string{"SALON_SLA_AFTER_HOURS": "30 minutes"}, nil, "SALON_SLA_AFTER_HOURS"},
		{"ErrSLATopTooShort", map[string]string{"SALON_SLA_TOP": "30s"}, nil, "SALON_SLA_TOP"},
		{"ErrSLAAfterHoursTooLong", map[string]string{"SALON_SLA_AFTER_HOURS": "25h"}, nil, "SALON_SLA_AFTER_HOURS"},
		{"ErrBrandName", map[string]string{"SALON_BRAND_NAME": strings.Repeat("x", 101)}, nil, "SALON_BRAND_NAME"},
		{"ErrDefaultBoutique", map[string]string{"SALON_DEFAULT_BOUTIQUE": "SH_Plaza"}, nil, "SALON_DEFAULT_BOUTIQUE"},
		{"ErrCardTTLNotADuration", map[string]string{"SALON_CARD_TTL": "7d"}, nil, "SALON_CARD_TTL"},
		{"ErrCardTTLFlag", nil, []string{"--card-ttl", "soon"}, "SALON_CARD_TTL"},
		{"ErrCardTTLZero", map[string]string{"SALON_CARD_TTL": "0s"}, nil, "SALON_CARD_TTL"},
		{"ErrCardTTLNegative", map[string]string{"SALON_CARD_TTL": "-1h"}, nil, "SALON_CARD_TTL"},
		{"ErrCardTTLTooLong", map[string]string{"SALON_CARD_TTL": "2161h"}, nil, "SALON_CARD_TTL"},
		{"ErrMiniProgramAppID", with(with(oa, "SALON_OA_MINIPROGRAM_APPID", "wxNOTHEX"), "SALON_OA_MINIPROGRAM_PAGEPATH", "pages/card/card"), nil, "SALON_OA_MINIPROGRAM_APPID"},
		{"ErrMiniProgramWithoutPage", with(oa, "SALON_OA_MINIPROGRAM_APPID", "wx0123456789abcdef"), nil, "SALON_OA_MINIPROGRAM_PAGEPATH"},
		{"ErrMiniProgramPageQuery", with(with(oa, "SALON_OA_MINIPROGRAM_APPID", "wx0123456789abcdef"), "SALON_OA_MINIPROGRAM_PAGEPATH", "pages/card?x=1"), nil, "SALON_OA_MINIPROGRAM_PAGEPATH"},
		{"ErrMiniProgramPageWithoutAppID", with(oa, "SALON_OA_MINIPROGRAM_PAGEPATH", "pages/card/card"), nil, "SALON_OA_MINIPROGRAM_APPID"},
		{"ErrMiniProgramWithoutOA", map[string]string{"SALON_OA_MINIPROGRAM_APPID": "wx0123456789abcdef", "SALON_OA_MINIPROGRAM_PAGEPATH": "pages/card/card"}, nil, "SALON_OA_MINIPROGRAM_APPID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(t, tt.env, tt.args...)
			if err == nil {
				t.Fatalf("no error, want one naming %s", tt.want)
			}
			if got := err.Error(); !strings.HasPrefix(got, tt.want+": ") || strings.Contains(got, "\n") {
				t.Fatalf("got %q, want one line naming %s", got, tt.want)
			}
		})
	}
}

// Values are parsed once into typed fields, and a good flag replaces a bad
// variable.
func TestConfigParsesTypedValues(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SALON_SANDBOX": "maybe", "SALON_LOG_LEVEL": "warn", "SALON_LOG_FORMAT": "json",
		"SALON_SLA_TOP": "2m", "SALON_SLA_AFTER_HOURS": "1h30m", "SALON_SLA_OTHER": "forever"}
	cfg, err := parseConfig(t, env, "--sandbox", "off", "--sla-other", "20m")
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	if cfg.Sandbox != SandboxOff || cfg.LogLevel != slog.LevelWarn || cfg.LogFormat != LogFormatJSON {
		t.Errorf("got sandbox %q, level %v, format %q; want off, WARN, json", cfg.Sandbox, cfg.LogLevel, cfg.LogFormat)
	}
	got := cfg.Desk().SLA
	want := clienteling.SLA{Top: 2 * time.Minute, Other: 20 * time.Minute, AfterHours: 90 * time.Minute}
	if got != want {
		t.Errorf("SLA: got %+v, want %+v", got, want)
	}
}

// Unset, every setting takes its documented default and passes Validate.
func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := parseConfig(t, nil)
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	if cfg.Sandbox != SandboxAuto || cfg.LogLevel != slog.LevelInfo || cfg.LogFormat != LogFormatAuto {
		t.Errorf("got sandbox %q, level %v, format %q; want auto, INFO and chosen by terminal", cfg.Sandbox, cfg.LogLevel, cfg.LogFormat)
	}
	if got, want := cfg.SLA(), clienteling.DefaultSLA(); got != want {
		t.Errorf("SLA: got %+v, want %+v", got, want)
	}
	if cfg.WeChatAPIBase != "https://api.weixin.qq.com" || cfg.WeComAPIBase != "https://qyapi.weixin.qq.com" || cfg.PayAPIBase != "https://api.mch.weixin.qq.com" {
		t.Errorf("API bases: got %q, %q, %q", cfg.WeChatAPIBase, cfg.WeComAPIBase, cfg.PayAPIBase)
	}
	if cfg.CardTTL != clienteling.DefaultCardTTL {
		t.Errorf("card TTL: got %v, want %v", cfg.CardTTL, clienteling.DefaultCardTTL)
	}
}

func TestConfigFlagWinsOverEnv(t *testing.T) {
	t.Parallel()
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
	if got, want := cfg.Sandbox, SandboxAuto; got != want {
		t.Errorf("sandbox: got %q, want default %q", got, want)
	}
}

func TestSecondServeOnSameDataDir(t *testing.T) {
	t.Parallel()
	m := MustRunMain(t)
	var stderr bytes.Buffer
	env := func(string) string { return "" }
	err := run(context.Background(), []string{"serve", "--data-dir", m.Config.DataDir, "--http-addr", "127.0.0.1:0"}, env, nil, &stderr, &stderr)
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("got %v, want a clear 'in use' error", err)
	}
}

func TestHelpOfEveryCommand(t *testing.T) {
	t.Parallel()
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
