package ingest

// The reference reading of an event line with encoding/json, which the
// fast scanner must agree with.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

func refParseEvent(line []byte, now time.Time) (lodestar.StoredEvent, string, string) {
	var in eventLine
	if msg := decodeStrict(line, &in); msg != "" {
		return lodestar.StoredEvent{}, "", msg
	}
	id := ""
	if in.ID != nil {
		id = *in.ID
	}
	if hasNUL(line) { // valid JSON: a backslash stands only in a string
		return lodestar.StoredEvent{}, id, "text " + NUL
	}
	if msg := loneSurrogate(line); msg != "" { // what encoding/json reads as U+FFFD, as it does a bad byte
		return lodestar.StoredEvent{}, id, msg
	}
	if msg := checkText("id", in.ID, MaxIDLen); msg != "" {
		return lodestar.StoredEvent{}, id, msg
	}
	if msg := checkText("version", in.Version, MaxVersionLen); msg != "" {
		return lodestar.StoredEvent{}, id, msg
	}
	ev := lodestar.StoredEvent{ID: *in.ID, Version: *in.Version, Time: now, Body: append([]byte(nil), line...)}
	if in.Time != nil {
		t, msg := eventTime(*in.Time) // the reading of JSON is what is checked here, not that of a time
		if msg != "" {
			return ev, id, msg
		}
		ev.Time = t
	}
	if len(in.Prediction) == 0 || isNull(in.Prediction) {
		return ev, id, "prediction: required (a score, a value or a class name)"
	}
	if msg := scalar("prediction", in.Prediction); msg != "" {
		return ev, id, msg
	}
	if len(in.Label) > 0 && !isNull(in.Label) {
		if msg := scalar("label", in.Label); msg != "" {
			return ev, id, msg
		}
		ev.Label = in.Label
	}
	if in.LatencyMS != nil && !(*in.LatencyMS >= 0) {
		return ev, id, "latency_ms: must be a number ≥ 0"
	}
	if len(in.Features) > 0 && !isNull(in.Features) {
		if msg := checkFeatures(in.Features); msg != "" {
			return ev, id, msg
		}
	}
	if len(in.Groups) > MaxGroups {
		return ev, id, fmt.Sprintf("groups: at most %d", MaxGroups)
	}
	return ev, id, ""
}

// checkFeatures checks, without decoding into maps, that raw (valid JSON,
// as the decoder has already scanned it) is an object whose values are
// numbers, strings or null.
func checkFeatures(raw []byte) string {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return "features: must be an object of numbers, strings or null"
	}
	i++
	count := 0
	for {
		i = skipSpace(raw, i)
		if i < len(raw) && raw[i] == '}' {
			return ""
		}
		if i < len(raw) && raw[i] == ',' {
			i = skipSpace(raw, i+1)
		}
		start := i
		i = skipString(raw, i)
		key := raw[start:i]
		i = skipSpace(raw, i)
		i = skipSpace(raw, i+1) // ':'
		if i >= len(raw) {
			return "features: must be an object of numbers, strings or null"
		}
		count++
		if count > MaxFeatures {
			return fmt.Sprintf("features: at most %d", MaxFeatures)
		}
		switch c := raw[i]; {
		case c == '"':
			i = skipString(raw, i)
		case c == 'n':
			i += 4
		case c == '-' || (c >= '0' && c <= '9'):
			for i < len(raw) && bytes.IndexByte([]byte("+-.eE0123456789"), raw[i]) >= 0 {
				i++
			}
		default:
			var name string
			_ = json.Unmarshal(key, &name)
			return fmt.Sprintf("features: %q must be a number, a string or null", name)
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the JSON string starting at i.
func skipString(b []byte, i int) int {
	i++ // opening quote
	for i < len(b) {
		switch b[i] {
		case '\\':
			i += 2
			continue
		case '"':
			return i + 1
		}
		i++
	}
	return i
}
