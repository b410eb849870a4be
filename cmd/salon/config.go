package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
)

// Config is every setting of `salon serve`. Each has a flag and an
// environment variable SALON_<NAME>; the flag wins.
type Config struct {
	DataDir      string
	HTTPAddr     string
	PublicURL    string
	NATSURL      string
	NATSAddr     string
	AdminToken   string
	Sandbox      string
	LogFormat    string
	LogLevel     string
	OAAppID      string
	OASecret     string
	OAToken      string
	OAAESKey     string
	WeComCorpID  string
	WeComToken   string
	WeComAESKey  string
	WeComAgentID string
	WeComAppSec  string
	WeComContact string
	WeComKFSec   string
	WeComKFToken string
	WeComKFAES   string
	PayAppID     string
	PayMchID     string
	PayKey       string
	WeChatAPI    string
	WeComAPI     string
	PayAPI       string
	SLATop       string
	SLAOther     string
	SLAAfter     string
	DefaultShop  string
	BrandName    string
}

// setting binds one field to its flag and variable.
type setting struct {
	name, env, def, usage string
	dst                   *string
	secret                bool
}

func (c *Config) settings() []setting {
	return []setting{
		{"data-dir", "SALON_DATA_DIR", "./data", "directory of salon.db and the embedded NATS storage", &c.DataDir, false},
		{"http-addr", "SALON_HTTP_ADDR", "127.0.0.1:8080", "HTTP listen address", &c.HTTPAddr, false},
		{"public-url", "SALON_PUBLIC_URL", "", "base of links sent to customers (default http:// + http-addr)", &c.PublicURL, false},
		{"nats-url", "SALON_NATS_URL", "", "external NATS server URL(s), comma-separated (default: embedded server)", &c.NATSURL, false},
		{"nats-addr", "SALON_NATS_ADDR", "", "also let the embedded NATS server listen here, e.g. 127.0.0.1:4222", &c.NATSAddr, false},
		{"admin-token", "SALON_ADMIN_TOKEN", "", "bootstrap admin bearer token (default: generated at first start)", &c.AdminToken, true},
		{"sandbox", "SALON_SANDBOX", "auto", "on, off, or auto (on when no WeChat credentials are set)", &c.Sandbox, false},
		{"log-format", "SALON_LOG_FORMAT", "", "text or json (default: text on a terminal, json otherwise)", &c.LogFormat, false},
		{"log-level", "SALON_LOG_LEVEL", "info", "debug, info, warn or error", &c.LogLevel, false},
		{"oa-appid", "SALON_OA_APPID", "", "Official Account appid", &c.OAAppID, false},
		{"oa-secret", "SALON_OA_SECRET", "", "Official Account secret", &c.OASecret, true},
		{"oa-token", "SALON_OA_TOKEN", "", "Official Account callback token", &c.OAToken, true},
		{"oa-aeskey", "SALON_OA_AESKEY", "", "Official Account EncodingAESKey", &c.OAAESKey, true},
		{"wecom-corpid", "SALON_WECOM_CORPID", "", "WeCom corpid", &c.WeComCorpID, false},
		{"wecom-token", "SALON_WECOM_TOKEN", "", "WeCom app callback token", &c.WeComToken, true},
		{"wecom-aeskey", "SALON_WECOM_AESKEY", "", "WeCom app callback EncodingAESKey", &c.WeComAESKey, true},
		{"wecom-agentid", "SALON_WECOM_AGENTID", "", "WeCom self-built app agent id", &c.WeComAgentID, false},
		{"wecom-app-secret", "SALON_WECOM_APP_SECRET", "", "WeCom self-built app secret", &c.WeComAppSec, true},
		{"wecom-contact-secret", "SALON_WECOM_CONTACT_SECRET", "", "WeCom customer contact secret", &c.WeComContact, true},
		{"wecom-kf-secret", "SALON_WECOM_KF_SECRET", "", "WeCom customer service (微信客服) secret", &c.WeComKFSec, true},
		{"wecom-kf-token", "SALON_WECOM_KF_TOKEN", "", "WeCom customer service callback token", &c.WeComKFToken, true},
		{"wecom-kf-aeskey", "SALON_WECOM_KF_AESKEY", "", "WeCom customer service callback EncodingAESKey", &c.WeComKFAES, true},
		{"pay-appid", "SALON_PAY_APPID", "", "WeChat Pay appid", &c.PayAppID, false},
		{"pay-mchid", "SALON_PAY_MCHID", "", "WeChat Pay merchant id", &c.PayMchID, false},
		{"pay-key", "SALON_PAY_KEY", "", "WeChat Pay API v2 key", &c.PayKey, true},
		{"wechat-api-base", "SALON_WECHAT_API_BASE", "https://api.weixin.qq.com", "where Official Account API calls go", &c.WeChatAPI, false},
		{"wecom-api-base", "SALON_WECOM_API_BASE", "https://qyapi.weixin.qq.com", "where WeCom API calls go", &c.WeComAPI, false},
		{"pay-api-base", "SALON_PAY_API_BASE", "https://api.mch.weixin.qq.com", "where WeChat Pay API calls go", &c.PayAPI, false},
		{"sla-top", "SALON_SLA_TOP", "5m", "time to answer a top-tier client inside opening hours", &c.SLATop, false},
		{"sla-other", "SALON_SLA_OTHER", "15m", "time to answer other clients inside opening hours", &c.SLAOther, false},
		{"sla-after-hours", "SALON_SLA_AFTER_HOURS", "30m", "time to answer, from the next opening, a client who wrote while closed", &c.SLAAfter, false},
		{"brand-name", "SALON_BRAND_NAME", "", "the house's name, as the bot's welcome says it (default: a welcome without a name)", &c.BrandName, false},
		{"default-boutique", "SALON_DEFAULT_BOUTIQUE", "", "boutique whose queue receives clients of no boutique (default: the first by id)", &c.DefaultShop, false},
	}
}

// bindFlags registers the settings on fs with defaults from the environment,
// so that a flag given on the command line wins over the variable.
func (c *Config) bindFlags(fs *flag.FlagSet, getenv func(string) string) {
	for _, s := range c.settings() {
		def := s.def
		if v, ok := lookup(getenv, s.env); ok {
			def = v
		}
		shown := s.def
		if s.secret {
			shown = ""
		}
		usage := fmt.Sprintf("%s (env %s)", s.usage, s.env)
		fs.Func(s.name, usage, func(v string) error { *s.dst = v; return nil })
		*s.dst = def
		if f := fs.Lookup(s.name); f != nil {
			f.DefValue = shown
		}
	}
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// Validate checks every setting and returns one line per bad one, each
// naming the setting by its variable.
func (c *Config) Validate() error {
	var errs []error
	bad := func(env, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", env, fmt.Sprintf(format, args...)))
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("SALON_DATA_DIR", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		bad("SALON_HTTP_ADDR", "must be host:port, got %q", c.HTTPAddr)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("SALON_PUBLIC_URL", "must be an http(s) URL, got %q", c.PublicURL)
		}
	}
	for _, u := range splitList(c.NATSURL) {
		if pu, err := url.Parse(u); err != nil || pu.Host == "" || (pu.Scheme != "nats" && pu.Scheme != "tls" && pu.Scheme != "ws" && pu.Scheme != "wss") {
			bad("SALON_NATS_URL", "must be nats:// URLs, comma-separated")
			break
		}
	}
	if c.NATSAddr != "" {
		if _, _, err := net.SplitHostPort(c.NATSAddr); err != nil {
			bad("SALON_NATS_ADDR", "must be host:port, got %q", c.NATSAddr)
		} else if c.NATSURL != "" {
			bad("SALON_NATS_ADDR", "only applies to the embedded server, but SALON_NATS_URL is set")
		}
	}
	if c.AdminToken != "" && len(c.AdminToken) < 16 {
		bad("SALON_ADMIN_TOKEN", "must be at least 16 characters")
	}
	switch c.Sandbox {
	case "on", "off", "auto":
	default:
		bad("SALON_SANDBOX", "must be on, off or auto, got %q", c.Sandbox)
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		bad("SALON_LOG_FORMAT", "must be text or json, got %q", c.LogFormat)
	}
	if _, err := c.level(); err != nil {
		bad("SALON_LOG_LEVEL", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	for _, k := range []struct{ env, v string }{{"SALON_OA_AESKEY", c.OAAESKey}, {"SALON_WECOM_AESKEY", c.WeComAESKey}, {"SALON_WECOM_KF_AESKEY", c.WeComKFAES}} {
		if k.v != "" && len(k.v) != 43 {
			bad(k.env, "must be the 43-character EncodingAESKey")
		}
	}
	if (c.OAAppID == "") != (c.OASecret == "") {
		bad("SALON_OA_SECRET", "SALON_OA_APPID and SALON_OA_SECRET go together")
	}
	if c.OAAppID != "" && c.OAToken == "" {
		bad("SALON_OA_TOKEN", "is required with SALON_OA_APPID")
	}
	if c.WeComCorpID == "" && (c.WeComAppSec != "" || c.WeComContact != "" || c.WeComKFSec != "") {
		bad("SALON_WECOM_CORPID", "is required with any WeCom secret")
	}
	for _, b := range []struct{ env, v string }{{"SALON_WECHAT_API_BASE", c.WeChatAPI}, {"SALON_WECOM_API_BASE", c.WeComAPI}, {"SALON_PAY_API_BASE", c.PayAPI}} {
		if u, err := url.Parse(b.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(b.env, "must be an http(s) URL, got %q", b.v)
		}
	}
	if _, err := c.SLA(); err != nil {
		bad("SALON_"+strings.ToUpper(clienteling.ErrorField(err)), "%s", clienteling.ErrorMessage(err))
	}
	if len(c.BrandName) > 100 {
		bad("SALON_BRAND_NAME", "must be at most 100 bytes")
	}
	if c.DefaultShop != "" && clienteling.Validate(&struct {
		ID clienteling.BoutiqueID `validate:"slug"`
	}{clienteling.BoutiqueID(c.DefaultShop)}) != nil {
		bad("SALON_DEFAULT_BOUTIQUE", "must be a boutique id (lower-case letters, digits and dashes), got %q", c.DefaultShop)
	}
	if c.Sandbox == "on" && c.hasCredentials() {
		bad("SALON_SANDBOX", "is on, but WeChat credentials are set: sandbox mode never talks to WeChat")
	}
	return errors.Join(errs...)
}

// SLA parses the reply-due settings. The error names the setting by its
// field (sla_top, sla_other, sla_after_hours).
func (c *Config) SLA() (clienteling.SLA, error) {
	var sla clienteling.SLA
	for _, f := range []struct {
		field, v string
		dst      *time.Duration
	}{{"sla_top", c.SLATop, &sla.Top}, {"sla_other", c.SLAOther, &sla.Other}, {"sla_after_hours", c.SLAAfter, &sla.AfterHours}} {
		d, err := time.ParseDuration(f.v)
		if err != nil {
			return sla, clienteling.FieldError(f.field, "must be a duration such as 15m, got %q", f.v)
		}
		*f.dst = d
	}
	return sla, sla.Validate()
}

// Desk is the routing and reply-due rules the settings describe.
func (c *Config) Desk() *clienteling.Desk {
	sla, err := c.SLA()
	if err != nil {
		sla = clienteling.DefaultSLA()
	}
	return &clienteling.Desk{SLA: sla, DefaultBoutique: clienteling.BoutiqueID(c.DefaultShop)}
}

// hasCredentials reports whether any WeChat family is configured.
func (c *Config) hasCredentials() bool {
	return c.OAAppID != "" || c.WeComCorpID != "" || c.PayMchID != ""
}

// SandboxMode reports whether the built-in WeChat simulator stands in.
func (c *Config) SandboxMode() bool {
	return c.Sandbox == "on" || (c.Sandbox == "auto" && !c.hasCredentials())
}

// DBPath is the bbolt file.
func (c *Config) DBPath() string { return filepath.Join(c.DataDir, "salon.db") }

// NATSDir is the embedded server's storage.
func (c *Config) NATSDir() string { return filepath.Join(c.DataDir, "nats") }

func (c *Config) level() (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(c.LogLevel))
	return l, err
}

// logger builds the one logger, text on a terminal and JSON otherwise.
func (c *Config) logger(w io.Writer) *slog.Logger {
	level, _ := c.level()
	format := c.LogFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
