package config_test

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/config"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsValid(t *testing.T) {
	c := config.Defaults()
	if err := c.Validate(); err != nil {
		t.Errorf("Defaults().Validate(): got %v, want nil", err)
	}
	if c.SessionIdle != 2*time.Hour {
		t.Errorf("Defaults().SessionIdle: got %s, want 2h", c.SessionIdle)
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    func(c config.Config) config.Config // the expected config from Defaults
		wantErr string                              // a substring of the error; "" for none
	}{
		{name: "nothing set keeps the defaults", env: nil, want: func(c config.Config) config.Config { return c }},
		{name: "empty values keep the defaults", env: map[string]string{"LODESTAR_ADDR": "", "LODESTAR_DEMO": "", "LODESTAR_SESSION_TTL": ""},
			want: func(c config.Config) config.Config { return c }},
		{name: "every variable", env: map[string]string{
			"LODESTAR_ADDR": ":9090", "LODESTAR_DATA": "/var/lib/lodestar", "LODESTAR_DATABASE_URL": "postgres://u@h/db",
			"LODESTAR_LOG_FORMAT": "json", "LODESTAR_LOG_LEVEL": "debug", "LODESTAR_TLS_CERT": "c.pem", "LODESTAR_TLS_KEY": "k.pem",
			"LODESTAR_DEMO": "true", "LODESTAR_SECURE_COOKIES": "1", "LODESTAR_SESSION_TTL": "90m",
			"LODESTAR_WEBHOOK_ALLOW_PRIVATE": "true",
		}, want: func(c config.Config) config.Config {
			c.Addr, c.DataDir, c.DatabaseURL = ":9090", "/var/lib/lodestar", "postgres://u@h/db"
			c.LogFormat, c.LogLevel, c.TLSCert, c.TLSKey = "json", "debug", "c.pem", "k.pem"
			c.Demo, c.SecureCookies, c.SessionTTL = true, true, 90*time.Minute
			c.WebhookAllowPrivate = true
			return c
		}},
		{name: "false turns a bool off", env: map[string]string{"LODESTAR_DEMO": "false", "LODESTAR_SECURE_COOKIES": "0"},
			want: func(c config.Config) config.Config { return c }},
		{name: "bad LODESTAR_DEMO", env: map[string]string{"LODESTAR_DEMO": "yes please"}, wantErr: "LODESTAR_DEMO"},
		{name: "bad LODESTAR_SECURE_COOKIES", env: map[string]string{"LODESTAR_SECURE_COOKIES": "on"}, wantErr: "LODESTAR_SECURE_COOKIES"},
		{name: "duration without unit", env: map[string]string{"LODESTAR_SESSION_TTL": "12"}, wantErr: "LODESTAR_SESSION_TTL"},
		{name: "duration garbage", env: map[string]string{"LODESTAR_SESSION_TTL": "a day"}, wantErr: "LODESTAR_SESSION_TTL"},
		{name: "monitor lateness", env: map[string]string{"LODESTAR_MONITOR_LATENESS": "5m"},
			want: func(c config.Config) config.Config { c.MonitorLateness = 5 * time.Minute; return c }},
		{name: "ingest rate", env: map[string]string{"LODESTAR_INGEST_RATE": "5000"},
			want: func(c config.Config) config.Config { c.IngestRate = 5000; return c }},
		{name: "fractional ingest rate", env: map[string]string{"LODESTAR_INGEST_RATE": "2.5"}, wantErr: "LODESTAR_INGEST_RATE"},
		{name: "bad ingest rate", env: map[string]string{"LODESTAR_INGEST_RATE": "fast"}, wantErr: "LODESTAR_INGEST_RATE"},
		{name: "stream caps", env: map[string]string{"LODESTAR_MAX_STREAMS": "12000", "LODESTAR_MAX_STREAMS_PER_CREDENTIAL": " 0 "},
			want: func(c config.Config) config.Config { c.MaxStreams, c.MaxStreamsPerCredential = 12000, 0; return c }},
		{name: "stream cap per user", env: map[string]string{"LODESTAR_MAX_STREAMS_PER_USER": "7000"},
			want: func(c config.Config) config.Config { c.MaxStreamsPerUser = 7000; return c }},
		{name: "stream cap per user off", env: map[string]string{"LODESTAR_MAX_STREAMS_PER_USER": "0"},
			want: func(c config.Config) config.Config { c.MaxStreamsPerUser = 0; return c }},
		{name: "bad max streams per user", env: map[string]string{"LODESTAR_MAX_STREAMS_PER_USER": "lots"}, wantErr: "LODESTAR_MAX_STREAMS_PER_USER"},
		{name: "bad max streams", env: map[string]string{"LODESTAR_MAX_STREAMS": "lots"}, wantErr: "LODESTAR_MAX_STREAMS="},
		{name: "bad max streams per credential", env: map[string]string{"LODESTAR_MAX_STREAMS_PER_CREDENTIAL": "1.5"}, wantErr: "LODESTAR_MAX_STREAMS_PER_CREDENTIAL"},
		{name: "bad monitor lateness", env: map[string]string{"LODESTAR_MONITOR_LATENESS": "soon"}, wantErr: "LODESTAR_MONITOR_LATENESS"},
		{name: "trusted proxies", env: map[string]string{"LODESTAR_TRUSTED_PROXIES": "10.0.0.0/8"},
			want: func(c config.Config) config.Config { c.TrustedProxies = "10.0.0.0/8"; return c }},
		{name: "session idle", env: map[string]string{"LODESTAR_SESSION_IDLE": "30m"},
			want: func(c config.Config) config.Config { c.SessionIdle = 30 * time.Minute; return c }},
		{name: "session idle off", env: map[string]string{"LODESTAR_SESSION_IDLE": "0"},
			want: func(c config.Config) config.Config { c.SessionIdle = 0; return c }},
		{name: "bad session idle", env: map[string]string{"LODESTAR_SESSION_IDLE": "a while"}, wantErr: "LODESTAR_SESSION_IDLE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Defaults()
			err := c.FromEnv(envOf(tc.env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("FromEnv: got error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromEnv: got error %v, want nil", err)
			}
			if want := tc.want(config.Defaults()); !sameSettings(c, want) {
				t.Errorf("FromEnv:\n got %+v\nwant %+v", c, want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		change  func(c *config.Config)
		wantErr []string // substrings the error must hold; none for valid
	}{
		{name: "defaults", change: func(c *config.Config) {}},
		{name: "json logs", change: func(c *config.Config) { c.LogFormat = "json" }},
		{name: "postgres URL", change: func(c *config.Config) { c.DatabaseURL = "postgres://u:p@db/lodestar" }},
		{name: "postgresql URL without data dir", change: func(c *config.Config) { c.DatabaseURL = "postgresql://db/lodestar"; c.DataDir = "" }},
		{name: "TLS pair", change: func(c *config.Config) { c.TLSCert, c.TLSKey = "c.pem", "k.pem" }},
		{name: "bounds of the session TTL", change: func(c *config.Config) { c.SessionTTL = time.Minute }},
		{name: "upper bound of the session TTL", change: func(c *config.Config) { c.SessionTTL = 720 * time.Hour }},
		{name: "session idle off", change: func(c *config.Config) { c.SessionIdle = 0 }},
		{name: "session idle a minute", change: func(c *config.Config) { c.SessionIdle = time.Minute }},

		{name: "bad log format", change: func(c *config.Config) { c.LogFormat = "xml" }, wantErr: []string{"--log-format", "xml"}},
		{name: "bad log level", change: func(c *config.Config) { c.LogLevel = "verbose" }, wantErr: []string{"--log-level"}},
		{name: "mysql URL", change: func(c *config.Config) { c.DatabaseURL = "mysql://u@h/db" }, wantErr: []string{"--database"}},
		{name: "SQLite path as URL", change: func(c *config.Config) { c.DatabaseURL = "/tmp/lodestar.db" }, wantErr: []string{"--database"}},
		{name: "no data dir and no URL", change: func(c *config.Config) { c.DataDir = "" }, wantErr: []string{"--data"}},
		{name: "TLS cert without key", change: func(c *config.Config) { c.TLSCert = "c.pem" }, wantErr: []string{"--tls-cert"}},
		{name: "TLS key without cert", change: func(c *config.Config) { c.TLSKey = "k.pem" }, wantErr: []string{"--tls-key"}},
		{name: "session TTL too short", change: func(c *config.Config) { c.SessionTTL = 30 * time.Second }, wantErr: []string{"--session-ttl"}},
		{name: "session TTL too long", change: func(c *config.Config) { c.SessionTTL = 721 * time.Hour }, wantErr: []string{"--session-ttl"}},
		{name: "session idle too short", change: func(c *config.Config) { c.SessionIdle = 30 * time.Second }, wantErr: []string{"--session-idle"}},
		{name: "session idle negative", change: func(c *config.Config) { c.SessionIdle = -time.Hour }, wantErr: []string{"--session-idle"}},
		{name: "retention too short", change: func(c *config.Config) { c.EventRetention = time.Minute }, wantErr: []string{"--event-retention"}},
		{name: "monitor interval too short", change: func(c *config.Config) { c.MonitorInterval = time.Millisecond }, wantErr: []string{"--monitor-interval"}},
		{name: "monitor interval off", change: func(c *config.Config) { c.MonitorInterval = 0; c.EventRetention = 2160 * time.Hour }},
		{name: "monitor lateness negative", change: func(c *config.Config) { c.MonitorLateness = -time.Minute }, wantErr: []string{"--monitor-lateness"}},
		{name: "monitor lateness too long", change: func(c *config.Config) { c.MonitorLateness = 7 * time.Hour }, wantErr: []string{"--monitor-lateness"}},
		{name: "trusted proxies", change: func(c *config.Config) { c.TrustedProxies = "10.0.0.0/8, ::1" }},
		{name: "trusted proxy misspelt", change: func(c *config.Config) { c.TrustedProxies = "10.0.0.0/8, proxy.local" }, wantErr: []string{"--trusted-proxies", "proxy.local"}},
		{name: "ingest rate", change: func(c *config.Config) { c.IngestRate = 1000 }},
		{name: "negative ingest rate", change: func(c *config.Config) { c.IngestRate = -1 }, wantErr: []string{"--ingest-rate -1"}},
		{name: "stream caps off", change: func(c *config.Config) { c.MaxStreams, c.MaxStreamsPerCredential, c.MaxStreamsPerUser = 0, 0, 0 }},
		{name: "negative max streams per user", change: func(c *config.Config) { c.MaxStreamsPerUser = -2 }, wantErr: []string{"--max-streams-per-user -2"}},
		{name: "negative max streams", change: func(c *config.Config) { c.MaxStreams = -1 }, wantErr: []string{"--max-streams -1"}},
		{name: "negative max streams per credential", change: func(c *config.Config) { c.MaxStreamsPerCredential = -3 }, wantErr: []string{"--max-streams-per-credential -3"}},
		{name: "monitor lateness off", change: func(c *config.Config) { c.MonitorLateness = 0 }},
		{name: "every problem reported at once", change: func(c *config.Config) {
			c.LogFormat, c.DatabaseURL, c.TLSCert = "xml", "mysql://x", "c.pem"
		}, wantErr: []string{"--log-format", "--database", "--tls-cert"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Defaults()
			tc.change(&c)
			err := c.Validate()
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Errorf("Validate: got %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate: got nil, want an error naming %v", tc.wantErr)
			}
			for _, s := range tc.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Validate: got %q, want it to name %s", err, s)
				}
			}
		})
	}
}

// TestFlagsOverrideEnv checks the documented order: defaults, then the
// environment, then flags.
func TestFlagsOverrideEnv(t *testing.T) {
	c := config.Defaults()
	if err := c.FromEnv(envOf(map[string]string{"LODESTAR_ADDR": ":1111", "LODESTAR_LOG_LEVEL": "warn", "LODESTAR_DEMO": "true"})); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.ServeFlags(fs)
	if err := fs.Parse([]string{"--addr", ":2222", "--session-ttl", "2h"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"flag beats env", c.Addr, ":2222"},
		{"env kept without flag", c.LogLevel, "warn"},
		{"env bool kept", c.Demo, true},
		{"flag duration", c.SessionTTL, 2 * time.Hour},
		{"default kept", c.LogFormat, "text"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if err := fs.Parse([]string{"--session-ttl", "soon"}); err == nil {
		t.Errorf("--session-ttl soon: got nil error, want a parse error")
	}
	if c.IngestRate != 0 {
		t.Errorf("default --ingest-rate: got %d, want 0 (off)", c.IngestRate)
	}
	if err := fs.Parse([]string{"--ingest-rate", "250"}); err != nil || c.IngestRate != 250 {
		t.Errorf("--ingest-rate 250: got %d, %v; want 250, nil", c.IngestRate, err)
	}
	for _, bad := range []string{"-1", "1.5", "1e3", "many", ""} {
		if err := fs.Parse([]string{"--ingest-rate", bad}); err == nil {
			t.Errorf("--ingest-rate %q: got nil error, want a parse error", bad)
		}
		if c.IngestRate != 250 {
			t.Errorf("--ingest-rate %q changed the rate to %d", bad, c.IngestRate)
		}
	}
}

func TestAuditKeys(t *testing.T) {
	t.Parallel()
	file := func(content string) string {
		p := filepath.Join(t.TempDir(), "audit.keys")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name    string
		env     map[string]string
		file    string
		want    string // the keys joined by |
		wantErr string
	}{
		{"none", nil, "", "", ""},
		{"environment", map[string]string{"LODESTAR_AUDIT_KEY": " new-key , old-key,"}, "", "new-key|old-key", ""},
		{"environment, blank", map[string]string{"LODESTAR_AUDIT_KEY": " , "}, "", "", "LODESTAR_AUDIT_KEY holds no key"},
		{"file", nil, file("# rotated 2026-05\r\nnew-key\r\n\r\n  old-key  \n"), "new-key|old-key", ""},
		{"file from the environment", map[string]string{"LODESTAR_AUDIT_KEY_FILE": file("only-key\n")}, "", "only-key", ""},
		{"empty file", nil, file("# none\n"), "", "holds no key"},
		{"large file", nil, file(strings.Repeat("k", 70<<10)), "", "larger than 64 KiB"},
		{"both", map[string]string{"LODESTAR_AUDIT_KEY": "a-key"}, file("b-key\n"), "", "are both set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Defaults()
			if err := c.FromEnv(func(k string) string { return tc.env[k] }); err != nil {
				t.Fatal(err)
			}
			fs := flag.NewFlagSet("x", flag.ContinueOnError)
			c.DatabaseFlags(fs)
			if tc.file != "" {
				if err := fs.Parse([]string{"--audit-key-file", tc.file}); err != nil {
					t.Fatal(err)
				}
			}
			keys, err := c.AuditKeys()
			var got []string
			for _, k := range keys {
				got = append(got, string(k))
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("got %q, %v; want an error with %q", got, err, tc.wantErr)
				}
				if err != nil && (strings.Contains(err.Error(), "a-key") || strings.Contains(err.Error(), "b-key")) {
					t.Errorf("the error quotes a key: %v", err)
				}
				return
			}
			if err != nil || strings.Join(got, "|") != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestDefaultMaxStreams: the server's default cap on switch streams
// leaves file descriptors for everything else — a quarter of them, at
// least 1,024 where the limit allows, half of a small one — and stays
// within 50,000; one credential's default is below it where descriptors
// are as many as a server's usually are, so that one token in a loop
// cannot fill the server alone.
func TestDefaultMaxStreams(t *testing.T) {
	for _, tc := range []struct{ limit, want int }{
		{20000, 15000}, // the sandbox: bench/switch's 10,000 streams fit
		{4096, 3072},
		{2048, 1024},
		{1024, 512},
		{256, 128},
		{1 << 20, 50000},
		{1 << 30, 50000},
		{0, 10000}, // unknown
	} {
		if got := config.DefaultMaxStreams(tc.limit); got != tc.want {
			t.Errorf("DefaultMaxStreams(%d): got %d, want %d", tc.limit, got, tc.want)
		}
	}
	c := config.Defaults()
	if limit := config.OpenFileLimit(); limit > 0 && c.MaxStreams > limit-limit/4 {
		t.Errorf("default --max-streams %d leaves less than a quarter of the %d file descriptors", c.MaxStreams, limit)
	}
	if c.MaxStreamsPerCredential <= 0 || c.MaxStreamsPerCredential >= config.DefaultMaxStreams(20000) {
		t.Errorf("default --max-streams-per-credential %d: want a cap below the server's %d", c.MaxStreamsPerCredential, config.DefaultMaxStreams(20000))
	}
	// A user's default is two credentials' worth, and below the server's.
	if c.MaxStreamsPerUser != 2*c.MaxStreamsPerCredential || c.MaxStreamsPerUser != 10000 || c.MaxStreamsPerUser >= config.DefaultMaxStreams(20000) {
		t.Errorf("default --max-streams-per-user %d: want 10,000, twice the credential's %d and below the server's %d", c.MaxStreamsPerUser, c.MaxStreamsPerCredential, config.DefaultMaxStreams(20000))
	}
}

// TestStreamCapFlags: the stream caps take whole numbers of streams and
// 0, and refuse anything else with what they want, keeping the value.
func TestStreamCapFlags(t *testing.T) {
	c := config.Defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.ServeFlags(fs)
	if err := fs.Parse([]string{"--max-streams", "800", "--max-streams-per-credential", "0", "--max-streams-per-user", "300"}); err != nil ||
		c.MaxStreams != 800 || c.MaxStreamsPerCredential != 0 || c.MaxStreamsPerUser != 300 {
		t.Fatalf("--max-streams 800 --max-streams-per-credential 0 --max-streams-per-user 300: got %d, %d, %d, %v", c.MaxStreams, c.MaxStreamsPerCredential, c.MaxStreamsPerUser, err)
	}
	for _, name := range []string{"--max-streams", "--max-streams-per-credential", "--max-streams-per-user"} {
		for _, bad := range []string{"-1", "1.5", "many", ""} {
			err := fs.Parse([]string{name, bad})
			if err == nil || !strings.Contains(err.Error(), "streams") {
				t.Errorf("%s %q: got %v, want an error saying it wants a number of streams", name, bad, err)
			}
		}
	}
	if c.MaxStreams != 800 || c.MaxStreamsPerCredential != 0 || c.MaxStreamsPerUser != 300 {
		t.Errorf("bad values changed the caps to %d, %d, %d", c.MaxStreams, c.MaxStreamsPerCredential, c.MaxStreamsPerUser)
	}
}

// sameSettings compares two configurations' exported settings (what
// FromEnv records of where they came from aside).
func sameSettings(a, b config.Config) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	for i := range va.NumField() {
		if va.Type().Field(i).IsExported() && !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			return false
		}
	}
	return true
}
