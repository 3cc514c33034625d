package app_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkExposition fails t for every way body breaks Prometheus' text
// exposition format (version 0.0.4) as a strict reader would see it:
// HELP and TYPE at most once per metric family and before its samples, a
// family's samples together, names that are valid, label values escaped
// (only \\, \" and \n), valid UTF-8, no label twice in a series, no series
// twice, and values that parse. The client library's own parser is
// lenient on some of these (it accepts a series twice), so this reads the
// lines itself.
func checkExposition(t *testing.T, body string) {
	t.Helper()
	for _, err := range expositionErrors(body) {
		t.Error(err)
	}
}

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// expositionErrors is what checkExposition reports.
func expositionErrors(body string) []error {
	var errs []error
	fail := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...)))
	}
	if !utf8.ValidString(body) {
		errs = append(errs, fmt.Errorf("the body is not valid UTF-8"))
	}
	if body != "" && !strings.HasSuffix(body, "\n") {
		errs = append(errs, fmt.Errorf("the body does not end with a line feed"))
	}
	help, typ := map[string]bool{}, map[string]bool{}
	done := map[string]bool{} // families whose samples have ended
	series := map[string]int{}
	current := ""
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	for i, line := range lines {
		n := i + 1
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			f := strings.SplitN(line, " ", 4)
			if len(f) < 3 || f[0] != "#" || (f[1] != "HELP" && f[1] != "TYPE") {
				continue // a comment
			}
			name := f[2]
			if !metricName.MatchString(name) {
				fail(n, "%s of invalid metric name %q", f[1], name)
			}
			if done[name] || current == name {
				fail(n, "%s of %s after its samples", f[1], name)
			}
			switch f[1] {
			case "HELP":
				if help[name] {
					fail(n, "a second HELP for %s", name)
				}
				help[name] = true
				if len(f) == 4 {
					if err := checkEscapes(f[3]); err != nil {
						fail(n, "HELP of %s: %v", name, err)
					}
				}
			case "TYPE":
				if typ[name] {
					fail(n, "a second TYPE for %s", name)
				}
				typ[name] = true
				if len(f) != 4 || !slices.Contains([]string{"counter", "gauge", "histogram", "summary", "untyped"}, f[3]) {
					fail(n, "TYPE of %s: %q", name, strings.Join(f[3:], " "))
				}
			}
			continue
		}
		name, labels, rest, err := parseSample(line)
		if err != nil {
			fail(n, "%v: %q", err, line)
			continue
		}
		if name != current {
			if done[name] {
				fail(n, "samples of %s are not together", name)
			}
			if current != "" {
				done[current] = true
			}
			current = name
		}
		if !typ[name] || !help[name] {
			fail(n, "%s has a sample before its HELP and TYPE (help %v, type %v)", name, help[name], typ[name])
		}
		fields := strings.Fields(rest)
		if len(fields) < 1 || len(fields) > 2 {
			fail(n, "a value and an optional timestamp expected after the labels: %q", rest)
		} else if _, err := strconv.ParseFloat(fields[0], 64); err != nil && fields[0] != "+Inf" && fields[0] != "-Inf" && fields[0] != "NaN" {
			fail(n, "value %q", fields[0])
		}
		names := make([]string, 0, len(labels))
		for k := range labels {
			names = append(names, k)
		}
		slices.Sort(names)
		key := name
		for _, k := range names {
			key += "\x00" + k + "\x00" + labels[k]
		}
		if prev, ok := series[key]; ok {
			fail(n, "the series of line %d again", prev)
		} else {
			series[key] = n
		}
	}
	return errs
}

// parseSample reads a sample line's name and labels (unescaped), and
// returns what follows them.
func parseSample(line string) (name string, labels map[string]string, rest string, err error) {
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return "", nil, "", fmt.Errorf("no value")
	}
	name, rest = line[:i], line[i:]
	if !metricName.MatchString(name) {
		return "", nil, "", fmt.Errorf("invalid metric name %q", name)
	}
	labels = map[string]string{}
	if rest[0] != '{' {
		return name, labels, rest, nil
	}
	rest = rest[1:]
	for {
		if strings.HasPrefix(rest, "}") {
			return name, labels, rest[1:], nil
		}
		eq := strings.Index(rest, "=")
		if eq < 0 {
			return "", nil, "", fmt.Errorf("a label without =")
		}
		ln := rest[:eq]
		if !labelName.MatchString(ln) || strings.HasPrefix(ln, "__") {
			return "", nil, "", fmt.Errorf("invalid label name %q", ln)
		}
		if _, dup := labels[ln]; dup {
			return "", nil, "", fmt.Errorf("label %s twice", ln)
		}
		rest = rest[eq+1:]
		if !strings.HasPrefix(rest, `"`) {
			return "", nil, "", fmt.Errorf("label %s's value is not quoted", ln)
		}
		rest = rest[1:]
		var v strings.Builder
		closed := false
		for j := 0; j < len(rest); j++ {
			c := rest[j]
			if c == '"' {
				rest, closed = rest[j+1:], true
				break
			}
			if c != '\\' {
				v.WriteByte(c)
				continue
			}
			if j+1 == len(rest) {
				break
			}
			j++
			switch rest[j] {
			case '\\':
				v.WriteByte('\\')
			case '"':
				v.WriteByte('"')
			case 'n':
				v.WriteByte('\n')
			default:
				return "", nil, "", fmt.Errorf("label %s: escape \\%c", ln, rest[j])
			}
		}
		if !closed {
			return "", nil, "", fmt.Errorf("label %s's value is not closed", ln)
		}
		labels[ln] = v.String()
		if strings.HasPrefix(rest, ",") {
			rest = rest[1:]
		} else if !strings.HasPrefix(rest, "}") {
			return "", nil, "", fmt.Errorf("after label %s: %q", ln, rest)
		}
	}
}

// checkEscapes refuses, in a HELP text, a backslash escape other than \\
// and \n.
func checkEscapes(s string) error {
	for j := 0; j < len(s); j++ {
		if s[j] != '\\' {
			continue
		}
		if j+1 == len(s) {
			return fmt.Errorf("a lone backslash at the end")
		}
		j++
		if s[j] != '\\' && s[j] != 'n' {
			return fmt.Errorf("escape \\%c", s[j])
		}
	}
	return nil
}

// The checker itself must catch what it is for: each broken exposition
// below is refused, and a good one is not.
func TestExpositionCheckerCatchesViolations(t *testing.T) {
	good := "# HELP a_b A help\\nwith \\\\ escapes.\n# TYPE a_b gauge\na_b{x=\"q\\\"uote\",y=\"back\\\\slash\\nline\"} 1\na_b{x=\"2\"} NaN\n" +
		"# HELP c C.\n# TYPE c gauge\nc 0.5\n"
	if errs := expositionErrors(good); len(errs) > 0 {
		t.Fatalf("a good exposition refused: %v", errs)
	}
	for name, bad := range map[string]string{
		"HELP twice":            "# HELP c C.\n# HELP c C.\n# TYPE c gauge\nc 1\n",
		"TYPE twice":            "# HELP c C.\n# TYPE c gauge\n# TYPE c gauge\nc 1\n",
		"no TYPE":               "# HELP c C.\nc 1\n",
		"no HELP":               "# TYPE c gauge\nc 1\n",
		"TYPE after samples":    "# HELP c C.\nc 1\n# TYPE c gauge\n",
		"family split":          "# HELP c C.\n# TYPE c gauge\nc{x=\"1\"} 1\n# HELP d D.\n# TYPE d gauge\nd 1\nc{x=\"2\"} 1\n",
		"series twice":          "# HELP c C.\n# TYPE c gauge\nc{x=\"1\",y=\"2\"} 1\nc{y=\"2\",x=\"1\"} 2\n",
		"label twice":           "# HELP c C.\n# TYPE c gauge\nc{x=\"1\",x=\"2\"} 1\n",
		"quote not escaped":     "# HELP c C.\n# TYPE c gauge\nc{x=\"a\"b\"} 1\n",
		"bad escape":            "# HELP c C.\n# TYPE c gauge\nc{x=\"a\\tb\"} 1\n",
		"raw newline in value":  "# HELP c C.\n# TYPE c gauge\nc{x=\"a\nb\"} 1\n",
		"bad HELP escape":       "# HELP c C\\t.\n# TYPE c gauge\nc 1\n",
		"invalid UTF-8":         "# HELP c C.\n# TYPE c gauge\nc{x=\"\xff\"} 1\n",
		"bad value":             "# HELP c C.\n# TYPE c gauge\nc one\n",
		"bad metric name":       "# HELP c-d C.\n# TYPE c-d gauge\nc-d 1\n",
		"no final line feed":    "# HELP c C.\n# TYPE c gauge\nc 1",
		"reserved label name":   "# HELP c C.\n# TYPE c gauge\nc{__name__=\"x\"} 1\n",
		"label value unquoted":  "# HELP c C.\n# TYPE c gauge\nc{x=1} 1\n",
		"value missing":         "# HELP c C.\n# TYPE c gauge\nc{x=\"1\"}\n",
		"label value unclosed":  "# HELP c C.\n# TYPE c gauge\nc{x=\"1} 1\n",
		"unknown TYPE":          "# HELP c C.\n# TYPE c gaug\nc 1\n",
		"trailing after labels": "# HELP c C.\n# TYPE c gauge\nc{x=\"1\"} 1 2 3\n",
	} {
		if errs := expositionErrors(bad); len(errs) == 0 {
			t.Errorf("%s: not refused:\n%s", name, bad)
		}
	}
}
