// Package config builds Lodestar's configuration: defaults, then
// LODESTAR_* environment variables, then command-line flags.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// Config is everything serve and the database commands need.
type Config struct {
	// fromEnv: the LODESTAR_* variables FromEnv found set, by the flag
	// they stand for, so that Validate's errors name them too.
	fromEnv map[string]string
	// dataFlag and databaseFlag: --data and --database were given.
	dataFlag, databaseFlag bool

	Addr        string
	DataDir     string
	DatabaseURL string
	LogFormat   string
	LogLevel    string
	Demo        bool
	SessionTTL  time.Duration
	// SessionIdle ends a sign-in left unused this long (0: only
	// SessionTTL ends it).
	SessionIdle time.Duration
	// MonitorInterval is how often monitors are evaluated (0: never).
	MonitorInterval time.Duration
	// MonitorLateness is how long after its end an hour or day window is
	// closed, so that events stamped inside it and sent a little late
	// still count.
	MonitorLateness time.Duration
	// EventRetention is how long prediction events are kept (0: forever).
	EventRetention time.Duration
	// WebhookSecret signs webhook deliveries (HMAC-SHA256); from the
	// environment only, so it never shows in a process list.
	WebhookSecret string
	// WebhookAllowPrivate lets monitors' webhooks go to loopback, private
	// and link-local addresses (off: public addresses only).
	WebhookAllowPrivate bool
	TLSCert             string
	TLSKey              string
	// SecureCookies marks cookies Secure; on by itself under TLS, and set
	// by hand behind an HTTPS proxy.
	SecureCookies bool
	// TrustedProxies lists the reverse proxies (addresses, CIDR prefixes)
	// whose X-Forwarded-For names the client (httpx.ParseProxies).
	TrustedProxies string
	// IngestRate is the ingested lines (events and labels) a second each
	// API token may send (0: no limit).
	IngestRate int
	// AuditKey holds the audit keys, comma-separated, the current first;
	// from the environment only (LODESTAR_AUDIT_KEY), so it never shows
	// in a process list.
	AuditKey string
	// AuditKeyFile names a file of audit keys, one a line, the current
	// first (--audit-key-file, LODESTAR_AUDIT_KEY_FILE).
	AuditKeyFile string
	// MaxStreams caps the switch streams open on the server at once (0:
	// no cap); MaxStreamsPerCredential caps those of one token or session;
	// MaxStreamsPerUser those of one user, all its tokens and sessions
	// together (a user who mints more tokens gets no more streams).
	MaxStreams              int
	MaxStreamsPerCredential int
	MaxStreamsPerUser       int
}

// DefaultMaxStreamsPerCredential is --max-streams-per-credential's
// default: more than the replicas of a large service sharing one token
// keep open on one server, a third of what a server holds with 20,000
// file descriptors.
const DefaultMaxStreamsPerCredential = 5000

// DefaultMaxStreamsPerUser is --max-streams-per-user's default: two
// credentials' worth (a service's token and its rollout's next one, say),
// so that minting tokens does not multiply what one user may hold.
const DefaultMaxStreamsPerUser = 2 * DefaultMaxStreamsPerCredential

// DefaultMaxStreams is --max-streams's default for a process allowed
// limit open files (OpenFileLimit; 0: unknown): each stream holds one, so
// three quarters of them, leaving the rest (at least 1,024, or half of a
// smaller limit) for the requests and the database; at most 50,000, for
// memory's sake (a stream costs some tens of KiB); 10,000 when the limit
// is unknown.
func DefaultMaxStreams(limit int) int {
	if limit <= 0 {
		return 10000
	}
	return min(max(limit-max(limit/4, 1024), limit/2), 50000)
}

// Defaults returns the built-in configuration.
func Defaults() Config {
	return Config{Addr: "127.0.0.1:8080", DataDir: "./lodestar-data", LogFormat: "text", LogLevel: "info", SessionTTL: 12 * time.Hour, SessionIdle: 2 * time.Hour, MonitorInterval: time.Minute, MonitorLateness: 2 * time.Minute,
		MaxStreams: DefaultMaxStreams(OpenFileLimit()), MaxStreamsPerCredential: DefaultMaxStreamsPerCredential,
		MaxStreamsPerUser: DefaultMaxStreamsPerUser}
}

// FromEnv overlays LODESTAR_* variables on c. getenv is os.Getenv outside tests.
func (c *Config) FromEnv(getenv func(string) string) error {
	c.fromEnv = map[string]string{}
	get := getenv
	getenv = func(name string) string {
		v := get(name)
		if v != "" {
			flag := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(name, "LODESTAR_")), "_", "-")
			switch name {
			case "LODESTAR_DATABASE_URL":
				flag = "database"
			case "LODESTAR_AUDIT_KEY":
				flag = "audit-key-file"
			}
			c.fromEnv[flag] = name
		}
		return v
	}
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("LODESTAR_ADDR", &c.Addr)
	str("LODESTAR_DATA", &c.DataDir)
	str("LODESTAR_DATABASE_URL", &c.DatabaseURL)
	str("LODESTAR_LOG_FORMAT", &c.LogFormat)
	str("LODESTAR_LOG_LEVEL", &c.LogLevel)
	str("LODESTAR_TLS_CERT", &c.TLSCert)
	str("LODESTAR_TLS_KEY", &c.TLSKey)
	str("LODESTAR_WEBHOOK_SECRET", &c.WebhookSecret)
	str("LODESTAR_TRUSTED_PROXIES", &c.TrustedProxies)
	str("LODESTAR_AUDIT_KEY", &c.AuditKey)
	str("LODESTAR_AUDIT_KEY_FILE", &c.AuditKeyFile)
	for name, dst := range map[string]*bool{"LODESTAR_DEMO": &c.Demo, "LODESTAR_SECURE_COOKIES": &c.SecureCookies, "LODESTAR_WEBHOOK_ALLOW_PRIVATE": &c.WebhookAllowPrivate} {
		if v := getenv(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s=%q: want true or false", name, v)
			}
			*dst = b
		}
	}
	if v := getenv("LODESTAR_SESSION_TTL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("LODESTAR_SESSION_TTL=%q: want a duration such as 12h", v)
		}
		c.SessionTTL = d
	}
	if v := getenv("LODESTAR_SESSION_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("LODESTAR_SESSION_IDLE=%q: want a duration such as 2h (0 turns the idle timeout off)", v)
		}
		c.SessionIdle = d
	}
	if v := getenv("LODESTAR_EVENT_RETENTION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("LODESTAR_EVENT_RETENTION=%q: want a duration such as 2160h (0 keeps events forever)", v)
		}
		c.EventRetention = d
	}
	if v := getenv("LODESTAR_MONITOR_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("LODESTAR_MONITOR_INTERVAL=%q: want a duration such as 1m (0 turns evaluation off)", v)
		}
		c.MonitorInterval = d
	}
	if v := getenv("LODESTAR_INGEST_RATE"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("LODESTAR_INGEST_RATE=%q: want a whole number of lines a second (0 turns the limit off)", v)
		}
		c.IngestRate = n
	}
	for name, dst := range map[string]*int{"LODESTAR_MAX_STREAMS": &c.MaxStreams, "LODESTAR_MAX_STREAMS_PER_CREDENTIAL": &c.MaxStreamsPerCredential,
		"LODESTAR_MAX_STREAMS_PER_USER": &c.MaxStreamsPerUser} {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return fmt.Errorf("%s=%q: want a whole number of streams (0 turns the cap off)", name, v)
			}
			*dst = n
		}
	}
	if v := getenv("LODESTAR_MONITOR_LATENESS"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("LODESTAR_MONITOR_LATENESS=%q: want a duration such as 2m", v)
		}
		c.MonitorLateness = d
	}
	return nil
}

// DatabaseFlags registers --data and --database, shared by every command
// that opens the database.
func (c *Config) DatabaseFlags(fs *flag.FlagSet) {
	fs.Var(dataDir{c}, "data", "data directory holding the SQLite file (env LODESTAR_DATA); given, it beats LODESTAR_DATABASE_URL")
	// The URL may hold a password: usage text shows it redacted.
	fs.Var(secretURL{c}, "database", "postgres:// URL; switches from SQLite to PostgreSQL (env LODESTAR_DATABASE_URL)")
	fs.StringVar(&c.AuditKeyFile, "audit-key-file", c.AuditKeyFile, "file of audit keys, one a line, the current first: new audit entries are keyed under it (env LODESTAR_AUDIT_KEY_FILE; or the keys themselves in LODESTAR_AUDIT_KEY, comma-separated)")
}

// ServeFlags registers serve's own flags.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.DatabaseFlags(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env LODESTAR_ADDR)")
	fs.BoolVar(&c.Demo, "demo", c.Demo, "load the demo enterprise into an empty database (env LODESTAR_DEMO)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (env LODESTAR_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error (env LODESTAR_LOG_LEVEL)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "how long a sign-in lasts (env LODESTAR_SESSION_TTL)")
	fs.DurationVar(&c.SessionIdle, "session-idle", c.SessionIdle, "how long an unused sign-in lasts; 0 turns the idle timeout off (env LODESTAR_SESSION_IDLE)")
	fs.DurationVar(&c.EventRetention, "event-retention", c.EventRetention, "how long prediction events are kept, e.g. 2160h; 0 keeps them forever (env LODESTAR_EVENT_RETENTION)")
	fs.DurationVar(&c.MonitorInterval, "monitor-interval", c.MonitorInterval, "how often monitors are evaluated and webhooks sent; 0 turns it off (env LODESTAR_MONITOR_INTERVAL)")
	fs.DurationVar(&c.MonitorLateness, "monitor-lateness", c.MonitorLateness, "how long after its end an hour or day window is closed, for events sent late (env LODESTAR_MONITOR_LATENESS)")
	fs.StringVar(&c.TLSCert, "tls-cert", c.TLSCert, "TLS certificate file; serve HTTPS with --tls-key (env LODESTAR_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", c.TLSKey, "TLS key file (env LODESTAR_TLS_KEY)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark cookies Secure and send HSTS behind an HTTPS proxy (env LODESTAR_SECURE_COOKIES)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "reverse proxies whose X-Forwarded-For gives the client's address: comma-separated addresses or CIDR prefixes (env LODESTAR_TRUSTED_PROXIES)")
	fs.Var(ingestRate{&c.IngestRate}, "ingest-rate", "ingested lines (events and labels) a second each API token may send, with a burst of a second's worth or a 10,000-line batch; 0 turns the limit off (env LODESTAR_INGEST_RATE)")
	fs.Var(streamCap{&c.MaxStreams}, "max-streams", "switch streams (GET /api/v1/switches/stream) the server holds open at once, more refused with 503 and Retry-After; 0 turns the cap off (env LODESTAR_MAX_STREAMS). The default is three quarters of the open-file limit (ulimit -n) of the machine it runs on, at most 50,000: the one shown here is this machine's")
	fs.Var(streamCap{&c.MaxStreamsPerCredential}, "max-streams-per-credential", "switch streams one API token or sign-in may hold open on the server, more refused with 429 and Retry-After; every replica of a service sharing a token counts against it; 0 turns the cap off (env LODESTAR_MAX_STREAMS_PER_CREDENTIAL)")
	fs.Var(streamCap{&c.MaxStreamsPerUser}, "max-streams-per-user", "switch streams one user may hold open on the server across all its API tokens and sign-ins, more refused with 429 and Retry-After, so minting more tokens gives no more streams; 0 turns the cap off (env LODESTAR_MAX_STREAMS_PER_USER)")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", c.WebhookAllowPrivate, "let monitors' webhooks go to loopback, private and link-local addresses (env LODESTAR_WEBHOOK_ALLOW_PRIVATE)")
}

// Validate checks the configuration as a whole.
func (c *Config) Validate() error {
	var errs []error
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.dataFlag && c.databaseFlag {
		errs = append(errs, errors.New("--data and --database name two databases: give one"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("--database must be a postgres:// or postgresql:// URL"))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("--data must not be empty"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 30*24*time.Hour {
		errs = append(errs, fmt.Errorf("--session-ttl %s: want between 1m and 720h", c.SessionTTL))
	}
	if c.SessionIdle != 0 && (c.SessionIdle < time.Minute || c.SessionIdle > 30*24*time.Hour) {
		errs = append(errs, fmt.Errorf("--session-idle %s: want 0 (off) or between 1m and 720h", c.SessionIdle))
	}
	if c.EventRetention != 0 && c.EventRetention < time.Hour {
		errs = append(errs, fmt.Errorf("--event-retention %s: want 0 (keep forever) or at least 1h", c.EventRetention))
	}
	if c.MonitorInterval != 0 && (c.MonitorInterval < time.Second || c.MonitorInterval > 24*time.Hour) {
		errs = append(errs, fmt.Errorf("--monitor-interval %s: want 0 (off) or between 1s and 24h", c.MonitorInterval))
	}
	if _, err := httpx.ParseProxies(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("--trusted-proxies: %w", err))
	}
	if c.MonitorLateness < 0 || c.MonitorLateness > 6*time.Hour {
		errs = append(errs, fmt.Errorf("--monitor-lateness %s: want between 0 and 6h", c.MonitorLateness))
	}
	if c.IngestRate < 0 {
		errs = append(errs, fmt.Errorf("--ingest-rate %d: want 0 (off) or a positive whole number of lines a second", c.IngestRate))
	}
	if c.MaxStreams < 0 {
		errs = append(errs, fmt.Errorf("--max-streams %d: want 0 (no cap) or a positive whole number of streams", c.MaxStreams))
	}
	if c.MaxStreamsPerCredential < 0 {
		errs = append(errs, fmt.Errorf("--max-streams-per-credential %d: want 0 (no cap) or a positive whole number of streams", c.MaxStreamsPerCredential))
	}
	if c.MaxStreamsPerUser < 0 {
		errs = append(errs, fmt.Errorf("--max-streams-per-user %d: want 0 (no cap) or a positive whole number of streams", c.MaxStreamsPerUser))
	}
	// An error naming a flag names the variable too when it was set: the
	// value may have come from either.
	for i, err := range errs {
		msg := err.Error()
		if !strings.HasPrefix(msg, "--") {
			continue
		}
		name := strings.TrimPrefix(msg, "--")
		if k := strings.IndexAny(name, " :"); k >= 0 {
			name = name[:k]
		}
		if env := c.fromEnv[name]; env != "" {
			errs[i] = errors.New("--" + name + " (env " + env + ")" + msg[len("--"+name):])
		}
	}
	return errors.Join(errs...)
}

// maxAuditKeyFile bounds the audit key file read: it holds a few lines.
const maxAuditKeyFile = 64 << 10

// AuditKeys returns the audit keys, the current first, from
// LODESTAR_AUDIT_KEY (comma-separated) or the --audit-key-file (one a
// line; blank lines and lines starting with # skipped); none when neither
// is set. Surrounding white space is not part of a key. Its errors never
// quote a key. The keys' lengths are the audit package's to check.
func (c *Config) AuditKeys() ([][]byte, error) {
	var keys [][]byte
	switch {
	case c.AuditKey != "" && c.AuditKeyFile != "":
		return nil, errors.New("LODESTAR_AUDIT_KEY and --audit-key-file (or LODESTAR_AUDIT_KEY_FILE) are both set: give the audit keys in one of them")
	case c.AuditKey != "":
		for _, k := range strings.Split(c.AuditKey, ",") {
			if k = strings.TrimSpace(k); k != "" {
				keys = append(keys, []byte(k))
			}
		}
		if len(keys) == 0 {
			return nil, errors.New("LODESTAR_AUDIT_KEY holds no key")
		}
	case c.AuditKeyFile != "":
		f, err := os.Open(c.AuditKeyFile)
		if err != nil {
			return nil, fmt.Errorf("--audit-key-file: %w", err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxAuditKeyFile+1))
		if err != nil {
			return nil, fmt.Errorf("--audit-key-file: %w", err)
		}
		if len(b) > maxAuditKeyFile {
			return nil, fmt.Errorf("--audit-key-file %s: larger than %d KiB; want one key a line", c.AuditKeyFile, maxAuditKeyFile>>10)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				keys = append(keys, []byte(line))
			}
		}
		if len(keys) == 0 {
			return nil, fmt.Errorf("--audit-key-file %s holds no key (one a line, the current first)", c.AuditKeyFile)
		}
	}
	return keys, nil
}

// Load returns defaults overlaid with the process environment.
func Load() (Config, error) {
	c := Defaults()
	return c, c.FromEnv(os.Getenv)
}

// secretURL is a flag value whose printed form hides a password, so
// usage text (shown on -h or a mistyped flag) never reveals it.
type secretURL struct{ c *Config }

func (s secretURL) String() string {
	if s.c == nil {
		return ""
	}
	return lodestar.RedactDSN(s.c.DatabaseURL)
}

func (s secretURL) Set(v string) error {
	s.c.DatabaseURL, s.c.databaseFlag = v, true
	return nil
}

// dataDir is --data: given on the command line, it beats a database URL
// from the environment (flags beat the environment), so that a command
// pointed at a directory acts on it, not on the server LODESTAR_DATABASE_URL
// names.
type dataDir struct{ c *Config }

func (d dataDir) String() string {
	if d.c == nil {
		return ""
	}
	return d.c.DataDir
}

func (d dataDir) Set(v string) error {
	d.c.DataDir, d.c.dataFlag = v, true
	if !d.c.databaseFlag {
		d.c.DatabaseURL = ""
	}
	return nil
}

// ingestRate is --ingest-rate: a whole number of lines a second, refused
// with its name when it is not one (flag.IntVar's "invalid value" says
// nothing of what is wanted).
type ingestRate struct{ p *int }

func (v ingestRate) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

func (v ingestRate) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return errors.New("want a whole number of lines a second (0 turns the limit off)")
	}
	if n < 0 {
		return errors.New("want 0 (off) or a positive whole number of lines a second")
	}
	*v.p = n
	return nil
}

// streamCap is --max-streams, --max-streams-per-credential and
// --max-streams-per-user: a whole
// number of streams, refused with its name when it is not one.
type streamCap struct{ p *int }

func (v streamCap) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

func (v streamCap) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return errors.New("want a whole number of streams (0 turns the cap off)")
	}
	if n < 0 {
		return errors.New("want 0 (no cap) or a positive whole number of streams")
	}
	*v.p = n
	return nil
}
