package main

import (
	"strings"
	"testing"
)

// TestSwitchShowFallbackDown: 'switch show' of a model at fallback to a
// model of the registry says when that model does not serve in its place
// (switched off since, at fallback itself, no version live), as the web
// pages do; an on-call engineer reading the fallback otherwise took it
// for what serves.
func TestSwitchShowFallbackDown(t *testing.T) {
	_, do := withUseCase(t)
	mustRun(t, do, [][]string{
		{"user", "add", "--email", "ai@example.com", "--role", "ai_team", "--password", "correct horse battery"},
		{"user", "add", "--email", "risk@example.com", "--role", "risk_officer", "--password", "correct horse battery"},
		{"model", "add", "--use-case", "1", "--key", "credit-risk", "--name", "Credit"},
		{"model", "add", "--use-case", "1", "--key", "rules", "--name", "Rules"},
		{"model", "version", "--key", "rules", "--version", "3"},
		{"model", "status", "--key", "rules", "--version", "3", "--status", "staging", "--reason", "checked", "--as", "ai@example.com"},
		{"model", "status", "--key", "rules", "--version", "3", "--status", "production", "--reason", "live", "--as", "ai@example.com"},
		{"switch", "flip", "credit-risk", "--state", "fallback", "--fallback", "rules", "--reason", "drift", "--as", "risk@example.com"},
	}...)
	show := func() string {
		t.Helper()
		code, out, errs := do("switch", "show", "credit-risk")
		if code != 0 {
			t.Fatalf("switch show: exit %d, %s", code, errs)
		}
		return out
	}
	if out := show(); !strings.Contains(out, "fallback:       rules\n") {
		t.Errorf("a fallback that serves is annotated:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"switch", "flip", "rules", "--state", "off", "--reason", "incident", "--as", "risk@example.com"}, "rules (switched off itself: it does not serve in this model's place)"},
		{[]string{"switch", "flip", "rules", "--state", "fallback", "--fallback", "static-list", "--reason", "incident", "--as", "risk@example.com"}, "rules (at fallback itself: it does not serve in this model's place)"},
		{[]string{"model", "status", "--key", "rules", "--version", "3", "--status", "retired", "--reason", "gone", "--as", "ai@example.com"}, "rules (no version in production: it does not serve in this model's place)"},
	} {
		mustRun(t, do, c.args)
		if c.args[0] == "model" {
			mustRun(t, do, []string{"switch", "flip", "rules", "--state", "on", "--reason", "back", "--as", "risk@example.com"})
		}
		if out := show(); !strings.Contains(out, c.want) {
			t.Errorf("after %v: want %q in\n%s", c.args, c.want, out)
		}
	}
}
