package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
)

// MaxJSONBody is the largest JSON body accepted by default (1 MiB).
const MaxJSONBody = 1 << 20

// DecodeJSON reads one JSON object from r into dst. It answers with a
// lodestar.Error naming the problem: 415 for another content type, 413 for
// a body over max bytes, 400 for malformed JSON, unknown fields, wrong
// types or trailing data, naming the field where there is one.
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any, max int64) error {
	_, err := decodeJSON(w, r, dst, max)
	return err
}

// PutMissing is what a PUT says of each field its body leaves out.
const PutMissing = "Required in a PUT, which replaces the whole record: send every field GET returns, but the read-only ones (id, archived, created_at …)."

// DecodeWholeJSON is DecodeJSON for a PUT, which replaces the whole
// record: the body must hold every top-level field of dst (null where
// the field takes null), so that a field left out is refused rather than
// read as its zero value and the record's value silently erased. Only
// updated_at (the stamp an update is based on) and the fields named in
// optional (those a PUT cannot change, which leaving out erases nothing)
// may be left out. A body missing any is a 400 naming each in its
// fields.
func DecodeWholeJSON(w http.ResponseWriter, r *http.Request, dst any, max int64, optional ...string) error {
	raw, err := decodeJSON(w, r, dst, max)
	if err != nil {
		return err
	}
	return missingFields(raw, reflect.TypeOf(dst), slices.Concat(optional, []string{"updated_at"}))
}

// missingFields refuses raw, a JSON object read as t, when a top-level
// field of t other than optional is not among its keys.
func missingFields(raw []byte, t reflect.Type, optional []string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	members, ok := membersOf(raw)
	if !ok {
		return nil
	}
	sent := make(map[string]bool, len(members))
	for _, m := range members {
		sent[m.key] = true
	}
	var missing []string
	for name := range fieldsOf(t) {
		if !sent[name] && !slices.Contains(optional, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	e := &lodestar.Error{Code: lodestar.EInvalid, Fields: make(map[string]string, len(missing)),
		Message: fmt.Sprintf("A PUT replaces the whole record: send every field GET returns, but the read-only ones; missing: %s.", strings.Join(missing, ", "))}
	for _, name := range missing {
		e.Fields[name] = PutMissing
	}
	return e
}

// decodeJSON is DecodeJSON, answering the body it read as well.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any, max int64) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		if r.Header.Get("Content-Type") == "" && r.ContentLength == 0 {
			// A bare POST (curl -X POST …): say what to send, not only the
			// header — the body's absence was the next refusal.
			return nil, lodestar.Errorf(lodestar.EUnsupported, "This request needs a JSON body: Content-Type: application/json and a JSON object ({} when every field may be left out).")
		}
		return nil, lodestar.Errorf(lodestar.EUnsupported, "Content-Type must be application/json.")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(max)
		}
		return nil, lodestar.Errorf(lodestar.EInvalid, "The request body could not be read.")
	}
	if err := checkJSONText(raw); err != nil {
		return nil, err
	}
	if string(bytes.Trim(raw, " \t\r\n")) == "null" {
		// encoding/json reads null into a struct as nothing at all, so a
		// PUT of null would empty the record as {} does — a slip (a
		// client's unset variable) taken for an intent.
		return nil, lodestar.Errorf(lodestar.EInvalid, "The body must be a JSON object, not null.")
	}
	if err := foldedKey(raw, reflect.TypeOf(dst)); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if wholeRefused(err) {
		// 1000.0 or 5e6 for an integer: read again with such whole
		// numbers written as integers (integral.go).
		if fixed, ok := wholeNumbers(raw, reflect.TypeOf(dst)); ok {
			raw = fixed
			dec = json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			err = dec.Decode(dst)
		}
	}
	if err != nil {
		if errors.As(err, new(*time.ParseError)) {
			// encoding/json does not say which field a time came in.
			if field := badTimeField(raw, reflect.TypeOf(dst)); field != "" {
				return nil, lodestar.FieldError(field, fmt.Sprintf("%s must be an RFC 3339 time, e.g. 2026-11-28T10:00:00Z.", field))
			}
		}
		return nil, jsonError(err, max, raw, reflect.TypeOf(dst))
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(max)
		}
		return nil, lodestar.Errorf(lodestar.EInvalid, "The body must hold exactly one JSON object.")
	}
	return raw, nil
}

// checkJSONText refuses a body that is not UTF-8 (encoding/json would
// read each bad byte as U+FFFD, changing the text without a word) or
// that holds a NUL character (\u0000), which PostgreSQL's text refuses:
// the same body must mean the same thing on either database.
func checkJSONText(raw []byte) error {
	if !utf8.Valid(raw) {
		return lodestar.Errorf(lodestar.EInvalid, "The body is not valid UTF-8 text.")
	}
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case 0:
			return lodestar.Errorf(lodestar.EInvalid, "Text may not hold the NUL character (\\u0000).")
		case '\\':
			if i+5 < len(raw) && raw[i+1] == 'u' && string(raw[i+2:i+6]) == "0000" {
				return lodestar.Errorf(lodestar.EInvalid, "Text may not hold the NUL character (\\u0000).")
			}
			i++ // the escaped character: an escaped backslash is not the start of \u0000
		}
	}
	return nil
}

func tooLarge(max int64) error {
	return lodestar.Errorf(lodestar.ETooLarge, "The request body is larger than %d bytes.", max)
}

func jsonError(err error, max int64, raw []byte, dst reflect.Type) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return tooLarge(max)
	case errors.As(err, &syn):
		return lodestar.Errorf(lodestar.EInvalid, "Malformed JSON at byte %d.", syn.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return lodestar.Errorf(lodestar.EInvalid, "The body must be a JSON object, not %s.", typ.Value)
		}
		if p := badValuePath(raw, dst); p != "" {
			field = p // with the map's key and the array's index
		}
		want := jsonType(typ.Type.Kind().String())
		if integerKind(typ.Type.Kind()) && strings.HasPrefix(typ.Value, "number ") && !isWholeNumber(strings.TrimPrefix(typ.Value, "number ")) {
			return lodestar.FieldError(field, fmt.Sprintf("%s must be a whole number (%s).", field, strings.TrimPrefix(typ.Value, "number ")))
		}
		if want == "a number" && strings.HasPrefix(typ.Value, "number") {
			// A number the field cannot hold: too large, negative for
			// an unsigned field, or a fraction for a whole one.
			return lodestar.FieldError(field, fmt.Sprintf("%s is out of range for this field (%s).", field, strings.TrimPrefix(typ.Value, "number ")))
		}
		return lodestar.FieldError(field, fmt.Sprintf("%s must be %s, not %s.", field, want, typ.Value))
	case errors.Is(err, io.EOF):
		return lodestar.Errorf(lodestar.EInvalid, "The request body is empty: send a JSON object ({} when every field may be left out).")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return lodestar.Errorf(lodestar.EInvalid, "Malformed JSON: the body ends too early.")
	case errors.As(err, new(*time.ParseError)):
		return lodestar.Errorf(lodestar.EInvalid, "A time must be written as RFC 3339, e.g. 2026-11-28T10:00:00Z.")
	case errors.As(err, new(base64.CorruptInputError)):
		if p := badValuePath(raw, dst); p != "" {
			return lodestar.FieldError(p, fmt.Sprintf("%s is not valid base64; send the file's bytes in standard base64.", p))
		}
		return lodestar.Errorf(lodestar.EInvalid, "Base64 data is malformed; send the file's bytes in standard base64.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return lodestar.FieldError(field, fmt.Sprintf("Unknown field %q.", field))
	}
	return lodestar.Errorf(lodestar.EInvalid, "Malformed JSON.")
}

var timeType = reflect.TypeFor[time.Time]()

// badTimeField finds, in a JSON object decoded into type t, the first
// time field (a time.Time, under its JSON name; nested objects' fields
// joined with dots) whose value does not parse as one: "" when there is
// none to name.
func badTimeField(raw []byte, t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timeType {
		return ""
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		var v json.RawMessage
		for k, val := range obj { // encoding/json matches names ignoring case
			if strings.EqualFold(k, name) {
				v = val
			}
		}
		if v == nil {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft == timeType {
			if json.Unmarshal(v, new(time.Time)) != nil {
				return name
			}
			continue
		}
		if sub := badTimeField(v, ft); sub != "" {
			return name + "." + sub
		}
	}
	return ""
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a number"
}
