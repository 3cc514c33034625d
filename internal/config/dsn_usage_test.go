package config_test

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/config"
)

// TestUsageHidesEverySecretInTheDatabaseURL: a mistyped flag or -h prints
// the flag defaults, which hold LODESTAR_DATABASE_URL. libpq/pgx accept
// the client key's passphrase as sslpassword; it must not be printed.
func TestUsageHidesEverySecretInTheDatabaseURL(t *testing.T) {
	const secret = "hunter2"
	for _, dsn := range []string{
		"postgres://lodestar@db/lodestar?sslmode=verify-full&sslpassword=" + secret,
	} {
		c := config.Defaults()
		if err := c.FromEnv(envOf(map[string]string{"LODESTAR_DATABASE_URL": dsn})); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(&out)
		c.ServeFlags(fs)
		_ = fs.Parse([]string{"--no-such-flag"}) // prints usage, as a typo does
		if strings.Contains(out.String(), secret) {
			t.Errorf("usage for %q shows the secret:\n%s", dsn, grepLine(out.String(), secret))
		}
	}
}

func grepLine(s, w string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, w) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
