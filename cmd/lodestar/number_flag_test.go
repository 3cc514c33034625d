package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestNumberFlags: a number flag reads a number as a person writes it —
// Go's own syntax, which flag.Float64 took ("0.0_5" was 0.05, "0x1p-3"
// 0.125), is a parse error, exit 2, in either language; an infinity still
// reaches the command's range check, which names it; white space around
// a number and an exponent are fine.
func TestNumberFlags(t *testing.T) {
	f := writeFile(t, "f.csv", "num\n1\n2\n3\n")
	for _, c := range []struct{ flag, value, want string }{
		{"--p-value", "0.0_5", `invalid value "0.0_5" for flag -p-value: parse error`},
		{"--p-value", "0x1p-3", `invalid value "0x1p-3" for flag -p-value: parse error`},
		{"--share", "1e-999", `invalid value "1e-999" for flag -share: Too small to store`},
		{"--psi-drift", "abc", `invalid value "abc" for flag -psi-drift: parse error`},
		{"--p-value", "inf", `--p-value +Inf: want a finite number above 0`},
	} {
		code, out, errOut := runCLI(t, "drift", "--reference", f, "--current", f, c.flag, c.value)
		if code != 2 || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%s %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.flag, c.value, code, out, errOut, c.want)
		}
	}
	code, _, errOut := runWith(zhEnvOf, "drift", "--reference", f, "--current", f, "--p-value", "0x1p-3")
	if code != 2 || !strings.Contains(errOut, `无效的值 "0x1p-3"（选项 -p-value）：无法解析`) {
		t.Errorf("--p-value 0x1p-3 in Chinese: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runWith(zhEnvOf, "drift", "--reference", f, "--current", f, "--share", "1e-999")
	if code != 2 || !strings.Contains(errOut, `：数值过小，无法存储`) {
		t.Errorf("--share 1e-999 in Chinese: exit %d, stderr %q", code, errOut)
	}
	for _, v := range []string{" 0.01 ", "1e-2", "0.01"} {
		code, out, errOut := runCLI(t, "drift", "--format", "json", "--reference", f, "--current", f, "--p-value", v)
		var d struct {
			Thresholds struct {
				PValue float64 `json:"p_value"`
			} `json:"thresholds"`
		}
		if err := json.Unmarshal([]byte(out), &d); code != 0 || err != nil || d.Thresholds.PValue != 0.01 {
			t.Errorf("--p-value %q: exit %d (%s), read %v, want 0.01", v, code, errOut, d.Thresholds.PValue)
		}
	}
	for _, args := range [][]string{{"abtest", "--alpha", "0x1p-4"}, {"fairness", "--level", "0.9_5"}} {
		if code, _, errOut := runCLI(t, args...); code != 2 || !strings.Contains(errOut, "parse error") {
			t.Errorf("%q: exit %d, stderr %q; want exit 2, parse error", args, code, errOut)
		}
	}
}
