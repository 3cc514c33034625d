package config_test

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/config"
)

// parsed is a configuration from env, then the serve flags args.
func parsed(t *testing.T, env map[string]string, args ...string) config.Config {
	t.Helper()
	c := config.Defaults()
	if err := c.FromEnv(envOf(env)); err != nil {
		t.Fatal(err)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.ServeFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return c
}

// A bad value from a variable is refused naming the variable with the
// flag; from a flag alone, the flag only.
func TestValidateNamesTheVariable(t *testing.T) {
	c := parsed(t, map[string]string{"LODESTAR_INGEST_RATE": "-1", "LODESTAR_MONITOR_LATENESS": "7h"})
	err := c.Validate()
	for _, want := range []string{"--ingest-rate (env LODESTAR_INGEST_RATE) -1: want", "--monitor-lateness (env LODESTAR_MONITOR_LATENESS) 7h0m0s: want"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v, want %q", err, want)
		}
	}
	c = parsed(t, nil, "--monitor-lateness", "7h")
	if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), "--monitor-lateness 7h0m0s: want") {
		t.Errorf("Validate (flag only): %v", err)
	}
}

// --data beats a database URL from the environment; --data with
// --database is refused.
func TestDataFlagBeatsDatabaseURLFromEnv(t *testing.T) {
	env := map[string]string{"LODESTAR_DATABASE_URL": "postgres://u@h/db"}
	if c := parsed(t, env); c.DatabaseURL != "postgres://u@h/db" {
		t.Errorf("env alone: DatabaseURL %q", c.DatabaseURL)
	}
	c := parsed(t, env, "--data", "backup")
	if c.DatabaseURL != "" || c.DataDir != "backup" || c.Validate() != nil {
		t.Errorf("--data over the env URL: DatabaseURL %q, DataDir %q, Validate %v", c.DatabaseURL, c.DataDir, c.Validate())
	}
	for _, args := range [][]string{{"--data", "d", "--database", "postgres://u@h/x"}, {"--database", "postgres://u@h/x", "--data", "d"}} {
		c := parsed(t, env, args...)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "--data and --database name two databases") {
			t.Errorf("%v: Validate %v, want both refused", args, err)
		}
	}
	if c := parsed(t, nil, "--database", "postgres://u@h/x"); c.DatabaseURL != "postgres://u@h/x" || c.Validate() != nil {
		t.Errorf("--database alone: %q %v", c.DatabaseURL, c.Validate())
	}
}
