package httpx

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	lodestar "github.com/lodestar-hq/lodestar"
)

// encoding/json matches an object's keys to a struct's fields ignoring
// case: {"title":"x","TITLE":"y"} is read as title "y", and {"Titel":…}
// is refused while {"TITLE":…} is taken. The API promises that a field
// it does not know is refused, so a key that names a field only with
// other letter cases is refused too (foldedKey), naming the field meant.

// foldedKey refuses raw, a JSON body decoded into t, when one of its
// objects has a key that matches a field of the struct it is read into
// only ignoring case. A first, cheap pass looks at every key of the
// body against every field name the type can hold: only a key that is
// none of them but folds to one is looked into further, by the body's
// structure. It answers nil for a body that is not valid JSON (the
// decoder says what is wrong with it).
func foldedKey(raw []byte, t reflect.Type) error {
	names := namesOf(t)
	if len(names) == 0 {
		return nil
	}
	suspect := false
	eachKey(raw, func(key []byte) bool {
		if names[string(key)] {
			return true
		}
		k := string(key)
		for n := range names {
			if strings.EqualFold(n, k) {
				suspect = true
				return false
			}
		}
		return true
	})
	if !suspect {
		return nil
	}
	return foldedIn(raw, t, "")
}

// eachKey calls fn with every object key in raw (as written, escapes and
// all: a key with an escape is left to the decoder's own matching, which
// is rare enough), until fn answers false. In JSON a string is a key
// exactly when a colon follows it.
func eachKey(raw []byte, fn func([]byte) bool) {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '"' {
			continue
		}
		start := i + 1
		i++
		for i < len(raw) && raw[i] != '"' {
			if raw[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(raw) {
			return
		}
		end := i
		j := i + 1
		for j < len(raw) && (raw[j] == ' ' || raw[j] == '\t' || raw[j] == '\n' || raw[j] == '\r') {
			j++
		}
		if j < len(raw) && raw[j] == ':' && !fn(raw[start:end]) {
			return
		}
	}
}

// foldedIn is foldedKey's walk of raw, read as t, its place in the body
// path ("" at the top).
func foldedIn(raw []byte, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if ownDecoder(t) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		fields := fieldsOf(t)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if ft, ok := fields[k]; ok {
				if err := foldedIn(obj[k], ft, join(path, k)); err != nil {
					return err
				}
				continue
			}
			for name := range fields {
				if strings.EqualFold(name, k) {
					field := join(path, k)
					return lodestar.FieldError(field, fmt.Sprintf("Unknown field %q; did you mean %q?", field, join(path, name)))
				}
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
		for i, item := range items {
			if err := foldedIn(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := foldedIn(obj[k], t.Elem(), join(path, k)); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// ownDecoder reports whether t reads its JSON itself (time.Time, a type
// with UnmarshalJSON): its keys, if any, are its own business.
func ownDecoder(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler) || t.Implements(jsonUnmarshaler)
}

// fieldsOf is the JSON names of struct t's fields, with their types, as
// encoding/json reads them: a field's tag name or else its Go name, the
// fields of an untagged embedded struct as its own.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range fieldsOf(ft) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = ft
	}
	return out
}

// fieldNames caches namesOf by type.
var fieldNames sync.Map // reflect.Type → map[string]bool

// namesOf is every field name of every struct a value of t may hold, at
// any depth: the keys a body read as t may use as they are.
func namesOf(t reflect.Type) map[string]bool {
	if v, ok := fieldNames.Load(t); ok {
		return v.(map[string]bool)
	}
	names := map[string]bool{}
	collectNames(t, names, map[reflect.Type]bool{})
	fieldNames.Store(t, names)
	return names
}

func collectNames(t reflect.Type, names map[string]bool, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if seen[t] || ownDecoder(t) {
		return
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Struct:
		for name, ft := range fieldsOf(t) {
			names[name] = true
			collectNames(ft, names, seen)
		}
	case reflect.Slice, reflect.Array, reflect.Map:
		collectNames(t.Elem(), names, seen)
	}
}

// badValuePath is where in raw, a body read as t, the first value (in the
// body's order) is that t cannot hold: a wrong type, a number out of
// range, malformed base64 — as "evaluation_metrics.auc" or "data[1].n",
// where encoding/json names only the map ("evaluation_metrics") or the
// array's field without its index ("data.n"). "" when it cannot tell.
// Only a refused body pays for the walk.
func badValuePath(raw []byte, t reflect.Type) string {
	p, _ := badValue(raw, t, "")
	return p
}

func badValue(raw []byte, t reflect.Type, path string) (string, bool) {
	if string(bytes.TrimSpace(raw)) == "null" {
		return "", false
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if json.Unmarshal(raw, reflect.New(t).Interface()) == nil {
		return "", false
	}
	if ownDecoder(t) && t.Kind() != reflect.Map {
		// Its JSON is its own (a time): no way in. A map that decodes
		// itself (checking its values, as a card's metrics do) is still
		// a map of its values.
		return path, true
	}
	switch t.Kind() {
	case reflect.Struct:
		members, ok := membersOf(raw)
		if !ok {
			return path, true
		}
		fields := fieldsOf(t)
		for _, m := range members {
			if ft, ok := fields[m.key]; ok {
				if p, bad := badValue(m.value, ft, join(path, m.key)); bad {
					return p, true
				}
			}
		}
	case reflect.Map:
		members, ok := membersOf(raw)
		if !ok {
			return path, true
		}
		own := ownDecoder(t)
		for _, m := range members {
			if own && t.Elem().Kind() != reflect.Pointer && string(bytes.TrimSpace(m.value)) == "null" {
				return join(path, m.key), true // what such a map refuses: a value left null
			}
			if p, bad := badValue(m.value, t.Elem(), join(path, m.key)); bad {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return path, true
		}
		for i, item := range items {
			if p, bad := badValue(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); bad {
				return p, true
			}
		}
	}
	return path, true
}

type member struct {
	key   string
	value json.RawMessage
}

// membersOf is a JSON object's members in their order; false when raw is
// not an object.
func membersOf(raw []byte) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		key, ok := tok.(string)
		if err != nil || !ok {
			return nil, false
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return nil, false
		}
		out = append(out, member{key, v})
	}
	return out, true
}
