package ingest

import (
	"strings"
	"testing"
)

// A line with several faults is refused for one, the first in a fixed
// order whatever the order of its fields (scanLine, LabelsWith): a true
// or false label its version refuses comes last, so that reason is given
// only for a line with nothing else wrong — on event lines as on label
// lines. Within one rank (fields of the wrong kind) the first in the line
// counts. Each line is read in both its field orders where that order is
// not what decides.
func TestLineFaultOrder(t *testing.T) {
	refuse := func(version string, value bool) string {
		if version == "2" {
			return "version 2 refuses booleans"
		}
		return ""
	}
	const refused = "label: version 2 refuses booleans"
	for _, tc := range []struct {
		name  string
		line  string
		want  string // the reason's beginning
		swap  bool   // the reason is the same with the fields in reverse order
		label bool   // a label line
	}{
		// A refused true or false label gives way to every other fault.
		{"refused boolean alone", `{"id":"a","version":"2","prediction":0.5,"label":true}`, refused, true, false},
		{"boolean, time not RFC 3339", `{"id":"a","version":"2","prediction":0.5,"label":true,"time":"yesterday"}`, "time: must be RFC 3339", true, false},
		{"boolean, time ahead", `{"id":"a","version":"2","prediction":0.5,"label":false,"time":"2999-01-01T00:00:00Z"}`, "time: more than a day ahead", true, false},
		{"boolean, no prediction", `{"id":"a","version":"2","label":true}`, "prediction: required", true, false},
		{"boolean, latency negative", `{"id":"a","version":"2","prediction":0.5,"label":true,"latency_ms":-1}`, "latency_ms: must be a number ≥ 0", true, false},
		{"boolean, id too long", `{"id":"` + strings.Repeat("x", MaxIDLen+1) + `","version":"2","prediction":0.5,"label":true}`, "id: at most 128 characters", true, false},
		{"boolean, features", `{"id":"a","version":"2","prediction":0.5,"label":true,"features":[1]}`, "features: must be an object", true, false},
		{"boolean, unknown field", `{"id":"a","version":"2","prediction":0.5,"label":true,"lable":1}`, `unknown field "lable"`, true, false},
		{"boolean, NUL", `{"id":"a","version":"2","prediction":0.5,"label":true,"groups":{"g":"v\u0000"}}`, `groups: "g" must not contain the NUL character`, true, false},
		{"boolean, not JSON", `{"id":"a","version":"2","prediction":NaN,"label":true}`, "not valid JSON at byte", false, false},
		// The ranks among the other faults.
		{"kind before prediction", `{"id":"a","version":"1","prediction":[1],"latency_ms":"3"}`, "latency_ms: must be a number", true, false},
		{"kind before NUL", `{"id":"a\u0000","version":"1","prediction":0.5,"lable":1}`, `unknown field "lable"`, true, false},
		{"kinds: the first in the line", `{"id":"a","version":"1","prediction":0.5,"latency_ms":"3","lable":1}`, "latency_ms: must be a number", false, false},
		{"prediction before label", `{"id":"a","version":"1","label":{},"prediction":[1]}`, "prediction: must be a number or a string", true, false},
		{"label before features", `{"id":"a","version":"1","prediction":0.5,"features":[1],"label":{}}`, "label: must be a number or a string", true, false},
		{"features before id", `{"version":"1","prediction":0.5,"features":[1]}`, "features: must be an object", true, false},
		{"id before version", `{"prediction":0.5,"id":""}`, "id: required", true, false},
		{"version before time", `{"id":"a","prediction":0.5,"time":"yesterday"}`, "version: required", true, false},
		{"time before prediction", `{"id":"a","version":"1","time":"yesterday"}`, "time: must be RFC 3339", true, false},
		{"prediction before latency", `{"id":"a","version":"1","latency_ms":-1}`, "prediction: required", true, false},
		// Label lines.
		{"label line: refused boolean alone", `{"id":"b","label":true}`, refused, true, true},
		{"label line: boolean, id too long", `{"id":"` + strings.Repeat("x", MaxIDLen+1) + `","label":false}`, "id: at most 128 characters", true, true},
		{"label line: boolean, unknown field", `{"id":"b","label":true,"lable":1}`, `unknown field "lable"`, true, true},
		{"label line: boolean, NUL", `{"id":"b","id":"b\u0000","label":true}`, "id: must not contain the NUL character", false, true},
		{"label line: id before label", `{"label":{},"id":""}`, "id: required", true, true},
		{"label line: kind before unknown field", `{"id":"b","label":1,"Label":2,"id":1}`, "id: must be a string", false, true},
	} {
		lines := []string{tc.line}
		if tc.swap {
			lines = append(lines, reverseFields(t, tc.line))
		}
		for _, line := range lines {
			var msg string
			if tc.label {
				opt := Options{BoolLabel: refuse, EventVersions: func(ids []string) map[string]string { return map[string]string{"b": "2"} }}
				ls, _, rejected, err := LabelsWith(strings.NewReader(line), opt)
				if err != nil || len(ls) != 0 || len(rejected) != 1 {
					t.Errorf("%s: %s: labels %+v, refused %+v, %v; want the line refused", tc.name, line, ls, rejected, err)
					continue
				}
				msg = rejected[0].Message
			} else {
				evs, rejected, err := EventsWith(strings.NewReader(line), now, Options{BoolLabel: refuse})
				if err != nil || len(evs) != 0 || len(rejected) != 1 {
					t.Errorf("%s: %s: events %+v, refused %+v, %v; want the line refused", tc.name, line, evs, rejected, err)
					continue
				}
				msg = rejected[0].Message
			}
			if !strings.HasPrefix(msg, tc.want) {
				t.Errorf("%s: %s\nrefused for %q, want %q", tc.name, line, msg, tc.want)
			}
		}
	}
}

// reverseFields writes a one-line JSON object with its top-level members
// in reverse order (values as written).
func reverseFields(t *testing.T, line string) string {
	t.Helper()
	body := strings.TrimSuffix(strings.TrimPrefix(line, "{"), "}")
	var members []string
	depth, inStr, start := 0, false, 0
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case c == ',' && depth == 0:
			members = append(members, body[start:i])
			start = i + 1
		}
	}
	members = append(members, body[start:])
	if len(members) < 2 {
		t.Fatalf("%s: one member", line)
	}
	for i, j := 0, len(members)-1; i < j; i, j = i+1, j-1 {
		members[i], members[j] = members[j], members[i]
	}
	return "{" + strings.Join(members, ",") + "}"
}
