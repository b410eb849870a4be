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
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/salonhq/salon/clienteling"
	"github.com/salonhq/salon/clienteling/loopback"
)

// Config is every setting of `salon serve`. Each has a flag and an
// environment variable SALON_<NAME>, after which its field is named; the
// flag wins. bindFlags parses each value once into its field's type; a value
// that does not parse is kept as an error that Validate reports, naming the
// variable, so start-up stops rather than falling back to a default.
type Config struct {
	DataDir            string
	HTTPAddr           string // host:port
	MetricsAddr        string // host:port, or empty: /metrics on HTTPAddr
	MaxConns           int    // open connections the HTTP listener holds at once
	PublicURL          string // http(s) URL, or empty
	NATSURL            string // comma-separated nats:// URLs, or empty
	NATSAddr           string // host:port, or empty
	AdminToken         string
	Sandbox            SandboxSetting
	SandboxAllowRemote bool // sandbox mode may listen on a non-loopback address
	LogFormat          LogFormat
	LogLevel           slog.Level
	OAAppID            string
	OASecret           string
	OAToken            string
	OAAESKey           string
	WeComCorpID        string
	WeComToken         string
	WeComAESKey        string
	WeComAgentID       string
	WeComAppSecret     string
	WeComContactSecret string
	WeComKFSecret      string
	WeComKFToken       string
	WeComKFAESKey      string
	PayAppID           string
	PayMchID           string
	PayAPIv3Key        string
	PayCertSerial      string
	PayPrivateKeyFile  string
	PayPublicKeyID     string
	PayPublicKeyFile   string
	WeChatOAuthBase    string // http(s) URL
	WeChatAPIBase      string // http(s) URL
	WeComAPIBase       string // http(s) URL
	PayAPIBase         string // http(s) URL
	SLATop             time.Duration
	SLAOther           time.Duration
	SLAAfterHours      time.Duration
	DefaultBoutique    string
	BrandName          string
	CardTTL            time.Duration // how long a product card's link opens its page
	OAMiniProgramAppID string        // the mini program that shows cards, or empty: news
	OAMiniProgramPage  string        // its page for a card, without a query

	// unparsed holds, by variable, the error of the last value given to a
	// setting that did not parse.
	unparsed map[string]error
}

// SandboxSetting is SALON_SANDBOX: whether the built-in WeChat simulator
// stands in.
type SandboxSetting string

// The values of SALON_SANDBOX.
const (
	SandboxOn   SandboxSetting = "on"
	SandboxOff  SandboxSetting = "off"
	SandboxAuto SandboxSetting = "auto" // on when no WeChat credentials are set
)

func parseSandbox(v string) (SandboxSetting, error) {
	switch s := SandboxSetting(v); s {
	case SandboxOn, SandboxOff, SandboxAuto:
		return s, nil
	}
	return "", fmt.Errorf("must be on, off or auto, got %q", v)
}

// LogFormat is SALON_LOG_FORMAT.
type LogFormat string

// The values of SALON_LOG_FORMAT.
const (
	LogFormatAuto LogFormat = "" // text on a terminal, JSON otherwise
	LogFormatText LogFormat = "text"
	LogFormatJSON LogFormat = "json"
)

func parseBool(v string) (bool, error) {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("must be true or false, got %q", v)
	}
	return b, nil
}

func parseLogFormat(v string) (LogFormat, error) {
	switch f := LogFormat(v); f {
	case LogFormatAuto, LogFormatText, LogFormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("must be text or json, got %q", v)
}

func parseLogLevel(v string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		return 0, fmt.Errorf("must be debug, info, warn or error, got %q", v)
	}
	return l, nil
}

func parseMaxConns(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("must be a whole number of at least 1, got %q", v)
	}
	return n, nil
}

func parseDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("must be a duration such as 15m, got %q", v)
	}
	return d, nil
}

// setting binds one field to its flag and variable.
type setting struct {
	name, env, def, usage string
	set                   func(string) error // parses a value into the field
	secret                bool
}

// into returns a setter that parses a value with parse and stores it in dst.
func into[T any](dst *T, parse func(string) (T, error)) func(string) error {
	return func(v string) error {
		x, err := parse(v)
		if err != nil {
			return err
		}
		*dst = x
		return nil
	}
}

// asIs returns a setter that stores a value in dst unchanged; Validate
// checks it.
func asIs(dst *string) func(string) error {
	return func(v string) error { *dst = v; return nil }
}

func (c *Config) settings() []setting {
	return []setting{
		{"data-dir", "SALON_DATA_DIR", "./data", "directory of salon.db and the embedded NATS storage", asIs(&c.DataDir), false},
		{"http-addr", "SALON_HTTP_ADDR", "127.0.0.1:8080", "HTTP listen address", asIs(&c.HTTPAddr), false},
		{"metrics-addr", "SALON_METRICS_ADDR", "", "serve /metrics on this address only, not on http-addr (default: on http-addr)", asIs(&c.MetricsAddr), false},
		{"max-conns", "SALON_MAX_CONNS", "10000", "most connections the HTTP listener holds open at once; more wait to be accepted", into(&c.MaxConns, parseMaxConns), false},
		{"public-url", "SALON_PUBLIC_URL", "", "base of links sent to customers (default http:// + http-addr)", asIs(&c.PublicURL), false},
		{"nats-url", "SALON_NATS_URL", "", "external NATS server URL(s), comma-separated (default: embedded server)", asIs(&c.NATSURL), false},
		{"nats-addr", "SALON_NATS_ADDR", "", "also let the embedded NATS server listen here, e.g. 127.0.0.1:4222", asIs(&c.NATSAddr), false},
		{"admin-token", "SALON_ADMIN_TOKEN", "", "bootstrap admin bearer token (default: generated at first start)", asIs(&c.AdminToken), true},
		{"sandbox", "SALON_SANDBOX", "auto", "on, off, or auto (on when no WeChat credentials are set)", into(&c.Sandbox, parseSandbox), false},
		{"sandbox-allow-remote", "SALON_SANDBOX_ALLOW_REMOTE", "false", "let sandbox mode listen on a non-loopback http-addr (the /sandbox chat still answers only over loopback)", into(&c.SandboxAllowRemote, parseBool), false},
		{"log-format", "SALON_LOG_FORMAT", "", "text or json (default: text on a terminal, json otherwise)", into(&c.LogFormat, parseLogFormat), false},
		{"log-level", "SALON_LOG_LEVEL", "info", "debug, info, warn or error", into(&c.LogLevel, parseLogLevel), false},
		{"oa-appid", "SALON_OA_APPID", "", "Official Account appid", asIs(&c.OAAppID), false},
		{"oa-secret", "SALON_OA_SECRET", "", "Official Account secret", asIs(&c.OASecret), true},
		{"oa-token", "SALON_OA_TOKEN", "", "Official Account callback token", asIs(&c.OAToken), true},
		{"oa-aeskey", "SALON_OA_AESKEY", "", "Official Account EncodingAESKey", asIs(&c.OAAESKey), true},
		{"wecom-corpid", "SALON_WECOM_CORPID", "", "WeCom corpid", asIs(&c.WeComCorpID), false},
		{"wecom-token", "SALON_WECOM_TOKEN", "", "WeCom app callback token", asIs(&c.WeComToken), true},
		{"wecom-aeskey", "SALON_WECOM_AESKEY", "", "WeCom app callback EncodingAESKey", asIs(&c.WeComAESKey), true},
		{"wecom-agentid", "SALON_WECOM_AGENTID", "", "WeCom self-built app agent id", asIs(&c.WeComAgentID), false},
		{"wecom-app-secret", "SALON_WECOM_APP_SECRET", "", "WeCom self-built app secret", asIs(&c.WeComAppSecret), true},
		{"wecom-contact-secret", "SALON_WECOM_CONTACT_SECRET", "", "WeCom customer contact secret", asIs(&c.WeComContactSecret), true},
		{"wecom-kf-secret", "SALON_WECOM_KF_SECRET", "", "WeCom customer service (微信客服) secret", asIs(&c.WeComKFSecret), true},
		{"wecom-kf-token", "SALON_WECOM_KF_TOKEN", "", "WeCom customer service callback token", asIs(&c.WeComKFToken), true},
		{"wecom-kf-aeskey", "SALON_WECOM_KF_AESKEY", "", "WeCom customer service callback EncodingAESKey", asIs(&c.WeComKFAESKey), true},
		{"pay-appid", "SALON_PAY_APPID", "", "WeChat Pay appid", asIs(&c.PayAppID), false},
		{"pay-mchid", "SALON_PAY_MCHID", "", "WeChat Pay merchant id", asIs(&c.PayMchID), false},
		{"pay-apiv3-key", "SALON_PAY_APIV3_KEY", "", "WeChat Pay APIv3 key (32 characters), which decrypts notifications", asIs(&c.PayAPIv3Key), true},
		{"pay-cert-serial", "SALON_PAY_CERT_SERIAL", "", "serial of the merchant API certificate", asIs(&c.PayCertSerial), false},
		{"pay-private-key-file", "SALON_PAY_PRIVATE_KEY_FILE", "", "merchant API private key (PEM file), which signs WeChat Pay calls", asIs(&c.PayPrivateKeyFile), false},
		{"pay-public-key-id", "SALON_PAY_PUBLIC_KEY_ID", "", "id of the WeChat Pay public key (PUB_KEY_ID_...)", asIs(&c.PayPublicKeyID), false},
		{"pay-public-key-file", "SALON_PAY_PUBLIC_KEY_FILE", "", "WeChat Pay public key (PEM file), which verifies WeChat Pay's answers and notifications", asIs(&c.PayPublicKeyFile), false},
		{"wechat-oauth-base", "SALON_WECHAT_OAUTH_BASE", "https://open.weixin.qq.com", "where Official Account web authorisation sends clients", asIs(&c.WeChatOAuthBase), false},
		{"wechat-api-base", "SALON_WECHAT_API_BASE", "https://api.weixin.qq.com", "where Official Account API calls go", asIs(&c.WeChatAPIBase), false},
		{"wecom-api-base", "SALON_WECOM_API_BASE", "https://qyapi.weixin.qq.com", "where WeCom API calls go", asIs(&c.WeComAPIBase), false},
		{"pay-api-base", "SALON_PAY_API_BASE", "https://api.mch.weixin.qq.com", "where WeChat Pay API calls go", asIs(&c.PayAPIBase), false},
		{"sla-top", "SALON_SLA_TOP", "5m", "time to answer a top-tier client inside opening hours", into(&c.SLATop, parseDuration), false},
		{"sla-other", "SALON_SLA_OTHER", "15m", "time to answer other clients inside opening hours", into(&c.SLAOther, parseDuration), false},
		{"sla-after-hours", "SALON_SLA_AFTER_HOURS", "30m", "time to answer, from the next opening, a client who wrote while closed", into(&c.SLAAfterHours, parseDuration), false},
		{"brand-name", "SALON_BRAND_NAME", "", "the house's name, as the bot's welcome says it (default: a welcome without a name)", asIs(&c.BrandName), false},
		{"oa-miniprogram-appid", "SALON_OA_MINIPROGRAM_APPID", "", "mini program linked to the Official Account that shows product cards (default: cards are articles linking to SALON_PUBLIC_URL/c/)", asIs(&c.OAMiniProgramAppID), false},
		{"oa-miniprogram-pagepath", "SALON_OA_MINIPROGRAM_PAGEPATH", "", "its page that shows a card, given ?card=<token>, e.g. pages/card/card", asIs(&c.OAMiniProgramPage), false},
		{"card-ttl", "SALON_CARD_TTL", "168h", "how long the link of a product card sent to a client opens its page", into(&c.CardTTL, parseDuration), false},
		{"default-boutique", "SALON_DEFAULT_BOUTIQUE", "", "boutique whose queue receives clients of no boutique (default: the first by id)", asIs(&c.DefaultBoutique), false},
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
		// A bad flag is kept, like a bad variable, for Validate to report
		// by its variable: flag.Parse would name only the flag.
		fs.Func(s.name, usage, func(v string) error { c.parse(s, v); return nil })
		c.parse(s, def)
		if f := fs.Lookup(s.name); f != nil {
			f.DefValue = shown
		}
	}
}

// parse sets s from v, or records why v is no value for s.
func (c *Config) parse(s setting, v string) {
	if c.unparsed == nil {
		c.unparsed = map[string]error{}
	}
	if err := s.set(v); err != nil {
		c.unparsed[s.env] = err
	} else {
		delete(c.unparsed, s.env)
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
	for _, s := range c.settings() {
		if err := c.unparsed[s.env]; err != nil {
			bad(s.env, "%v", err)
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("SALON_DATA_DIR", "must not be empty")
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		bad("SALON_HTTP_ADDR", "must be host:port, got %q", c.HTTPAddr)
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			bad("SALON_METRICS_ADDR", "must be host:port, got %q", c.MetricsAddr)
		} else if c.MetricsAddr == c.HTTPAddr && port != "0" {
			bad("SALON_METRICS_ADDR", "must differ from SALON_HTTP_ADDR, got %q for both", c.MetricsAddr)
		}
	}
	if host, _, err := net.SplitHostPort(c.HTTPAddr); err == nil && c.SandboxMode() && !c.SandboxAllowRemote && !loopback.Host(host) {
		bad("SALON_HTTP_ADDR", "sandbox mode listens only on loopback (e.g. 127.0.0.1:8080), got %q: set SALON_SANDBOX_ALLOW_REMOTE=true to listen there anyway", c.HTTPAddr)
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
	for _, k := range []struct{ env, v string }{{"SALON_OA_AESKEY", c.OAAESKey}, {"SALON_WECOM_AESKEY", c.WeComAESKey}, {"SALON_WECOM_KF_AESKEY", c.WeComKFAESKey}} {
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
	if c.WeComCorpID == "" && (c.WeComAppSecret != "" || c.WeComContactSecret != "" || c.WeComKFSecret != "") {
		bad("SALON_WECOM_CORPID", "is required with any WeCom secret")
	}
	for _, b := range []struct{ env, v string }{{"SALON_WECHAT_API_BASE", c.WeChatAPIBase}, {"SALON_WECOM_API_BASE", c.WeComAPIBase}, {"SALON_PAY_API_BASE", c.PayAPIBase}, {"SALON_WECHAT_OAUTH_BASE", c.WeChatOAuthBase}} {
		if u, err := url.Parse(b.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(b.env, "must be an http(s) URL, got %q", b.v)
		}
	}
	if missing := c.payMissing(); len(missing) > 0 {
		bad(missing[0], "WeChat Pay needs every SALON_PAY_ setting; missing: %s", strings.Join(missing, ", "))
	}
	if c.PayAPIv3Key != "" && len(c.PayAPIv3Key) != 32 {
		bad("SALON_PAY_APIV3_KEY", "must be the 32-character APIv3 key")
	}
	if c.PayPublicKeyID != "" && !strings.HasPrefix(c.PayPublicKeyID, "PUB_KEY_ID_") {
		bad("SALON_PAY_PUBLIC_KEY_ID", "must start with PUB_KEY_ID_")
	}
	if err := c.SLA().Validate(); err != nil && c.unparsed[slaVariable(err)] == nil {
		bad(slaVariable(err), "%s", clienteling.ErrorMessage(err))
	}
	if c.unparsed["SALON_CARD_TTL"] == nil && (c.CardTTL < time.Hour || c.CardTTL > maxCardTTL) {
		bad("SALON_CARD_TTL", "must be between 1h and %s, got %s", maxCardTTL, c.CardTTL)
	}
	switch {
	case c.OAMiniProgramAppID == "" && c.OAMiniProgramPage != "":
		bad("SALON_OA_MINIPROGRAM_APPID", "is required with SALON_OA_MINIPROGRAM_PAGEPATH")
	case c.OAMiniProgramAppID == "":
	case !miniProgramAppID.MatchString(c.OAMiniProgramAppID):
		bad("SALON_OA_MINIPROGRAM_APPID", "must be a mini program appid (wx and 16 hexadecimal digits), got %q", c.OAMiniProgramAppID)
	case c.OAAppID == "":
		bad("SALON_OA_MINIPROGRAM_APPID", "needs an Official Account (SALON_OA_APPID) to send its cards")
	case !miniProgramPage.MatchString(c.OAMiniProgramPage):
		bad("SALON_OA_MINIPROGRAM_PAGEPATH", "must be a page path such as pages/card/card, without a query, got %q", c.OAMiniProgramPage)
	}
	if len(c.BrandName) > 100 {
		bad("SALON_BRAND_NAME", "must be at most 100 bytes")
	}
	if c.DefaultBoutique != "" && clienteling.Validate(&struct {
		ID clienteling.BoutiqueID `validate:"slug"`
	}{clienteling.BoutiqueID(c.DefaultBoutique)}) != nil {
		bad("SALON_DEFAULT_BOUTIQUE", "must be a boutique id (lower-case letters, digits and dashes), got %q", c.DefaultBoutique)
	}
	if c.Sandbox == SandboxOn && c.hasCredentials() {
		bad("SALON_SANDBOX", "is on, but WeChat credentials are set: sandbox mode never talks to WeChat")
	}
	return errors.Join(errs...)
}

// Shapes of a mini program's appid and of a page path without a query.
var (
	miniProgramAppID = regexp.MustCompile(`^wx[0-9a-f]{16}$`)
	miniProgramPage  = regexp.MustCompile(`^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*(\.html)?$`)
)

// CardMiniProgram is the mini program page that shows cards, nil without
// one.
func (c *Config) CardMiniProgram() *clienteling.MiniProgramPage {
	if c.OAMiniProgramAppID == "" {
		return nil
	}
	return &clienteling.MiniProgramPage{AppID: c.OAMiniProgramAppID, PagePath: c.OAMiniProgramPage}
}

// maxCardTTL bounds SALON_CARD_TTL: a card carries the price of the day
// it was sent, which a brand will not honour for ever.
const maxCardTTL = 90 * 24 * time.Hour

// payMissing names the WeChat Pay settings missing from a partial pay
// configuration; none when all or none are set.
func (c *Config) payMissing() []string {
	set := []struct{ env, v string }{
		{"SALON_PAY_APPID", c.PayAppID}, {"SALON_PAY_MCHID", c.PayMchID}, {"SALON_PAY_APIV3_KEY", c.PayAPIv3Key},
		{"SALON_PAY_CERT_SERIAL", c.PayCertSerial}, {"SALON_PAY_PRIVATE_KEY_FILE", c.PayPrivateKeyFile},
		{"SALON_PAY_PUBLIC_KEY_ID", c.PayPublicKeyID}, {"SALON_PAY_PUBLIC_KEY_FILE", c.PayPublicKeyFile},
	}
	var missing []string
	for _, s := range set {
		if s.v == "" {
			missing = append(missing, s.env)
		}
	}
	if len(missing) == len(set) {
		return nil
	}
	return missing
}

// hasPay reports whether WeChat Pay is configured.
func (c *Config) hasPay() bool { return c.PayMchID != "" && len(c.payMissing()) == 0 }

// SLA is the reply-due rules the settings describe; Validate checks them.
func (c *Config) SLA() clienteling.SLA {
	return clienteling.SLA{Top: c.SLATop, Other: c.SLAOther, AfterHours: c.SLAAfterHours}
}

// slaVariable names the variable of the SLA field err is about (sla_top:
// SALON_SLA_TOP).
func slaVariable(err error) string {
	return "SALON_" + strings.ToUpper(clienteling.ErrorField(err))
}

// Desk is the routing and reply-due rules the settings describe.
func (c *Config) Desk() *clienteling.Desk {
	return &clienteling.Desk{SLA: c.SLA(), DefaultBoutique: clienteling.BoutiqueID(c.DefaultBoutique)}
}

// hasCredentials reports whether any WeChat family is configured.
func (c *Config) hasCredentials() bool {
	return c.OAAppID != "" || c.WeComCorpID != "" || c.PayMchID != ""
}

// SandboxMode reports whether the built-in WeChat simulator stands in.
func (c *Config) SandboxMode() bool {
	return c.Sandbox == SandboxOn || (c.Sandbox == SandboxAuto && !c.hasCredentials())
}

// hasChannel reports whether any channel a client can write through is
// configured: an Official Account or WeCom.
func (c *Config) hasChannel() bool {
	return c.OAAppID != "" || c.WeComCorpID != ""
}

// DBPath is the bbolt file.
func (c *Config) DBPath() string { return filepath.Join(c.DataDir, "salon.db") }

// NATSDir is the embedded server's storage.
func (c *Config) NATSDir() string { return filepath.Join(c.DataDir, "nats") }

// logger builds the one logger, text on a terminal and JSON otherwise.
func (c *Config) logger(w io.Writer) *slog.Logger {
	format := c.LogFormat
	if format == LogFormatAuto {
		format = LogFormatJSON
		if f, ok := w.(*os.File); ok {
			if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
				format = LogFormatText
			}
		}
	}
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if format == LogFormatText {
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
