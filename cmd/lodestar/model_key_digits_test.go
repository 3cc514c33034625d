package main

import (
	"strings"
	"testing"
)

// model add refuses a key of digits only, in either language, and
// registers nothing: /api/v1/models/5/events and token create --models 5
// could not tell it from model 5's ID.
func TestModelAddRefusesDigitsOnlyKey(t *testing.T) {
	dir := t.TempDir()
	do := func(getenv func(string) string, args ...string) (int, string, string) {
		return runWith(getenv, append(args, "--data", dir)...)
	}
	if code, _, stderr := do(noEnv, "migrate", "up"); code != 0 {
		t.Fatalf("migrate: %d %s", code, stderr)
	}
	mustUseCase(t, dir)
	for _, c := range []struct {
		getenv func(string) string
		want   string
	}{
		{noEnv, "lodestar: The model could not be saved; check the fields. key: A key made only of digits could be taken for a model's ID: include a letter, dot, dash or underscore (model-5, not 5).\n"},
		{zhEnvOf, "lodestar: 模型未能保存，请检查各字段。 key：仅由数字组成的键可能被误认为模型 ID：请加入字母、点、连字符或下划线（如 model-5，而不是 5）。\n"},
	} {
		getenv, want := c.getenv, c.want
		code, out, errOut := do(getenv, "model", "add", "--use-case", "1", "--key", "5", "--name", "Five")
		if code != 1 || out != "" || errOut != want {
			t.Errorf("model add --key 5: exit %d, stdout %q, stderr %q; want 1, nothing, %q", code, out, errOut, want)
		}
	}
	code, out, errOut := do(noEnv, "model", "list")
	if code != 0 || strings.Contains(out, "Five") {
		t.Errorf("model list after the refusal: exit %d %q %q; want no model Five", code, out, errOut)
	}
	if code, out, errOut := do(noEnv, "model", "add", "--use-case", "1", "--key", "model-5", "--name", "Five"); code != 0 || !strings.Contains(out, "model-5") {
		t.Errorf("model add --key model-5: exit %d %q %q; want it registered", code, out, errOut)
	}
}
