package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
)

// maxCardFile bounds a model card file: the card's six texts of at most
// 20,000 characters each and 100 metrics fit well within it.
const maxCardFile = 1 << 20

// cardFlags are the flags that write a model card: a JSON file of the
// whole card (the API's card object), then one flag per field, each
// overriding the file's or the stored card's field when given.
type cardFlags struct {
	fs      *flag.FlagSet
	file    *string
	texts   map[string]*string // flag name → value
	metrics metricFlags
}

var cardTextFlags = []struct{ name, usage string }{
	{"intended-use", "the model card's intended use"},
	{"out-of-scope-use", "uses the model is not for"},
	{"training-data", "what the model was trained on"},
	{"limitations", "known limitations"},
	{"ethical-considerations", "ethical considerations"},
}

func newCardFlags(fs *flag.FlagSet) *cardFlags {
	c := &cardFlags{fs: fs, texts: map[string]*string{}, metrics: metricFlags{}}
	c.file = fs.String("card", "", "a JSON file with the whole model card (as the API's card object)")
	for _, f := range cardTextFlags {
		c.texts[f.name] = fs.String(f.name, "", f.usage+" (version, card)")
	}
	fs.Var(&c.metrics, "metric", "an evaluation metric NAME=VALUE, repeatable; NAME= removes it (version, card)")
	return c
}

// set reports whether any card flag was given.
func (c *cardFlags) set() bool {
	any := false
	c.fs.Visit(func(f *flag.Flag) {
		if f.Name == "card" || f.Name == "metric" || c.texts[f.Name] != nil {
			any = true
		}
	})
	return any
}

// apply writes the flags onto card: the file replaces it whole, then
// each text flag given replaces its field (an empty one clears it) and
// each metric is set or removed.
func (c *cardFlags) apply(card lodestar.ModelCard) (lodestar.ModelCard, error) {
	if *c.file != "" {
		f, err := readCardFile(*c.file)
		if err != nil {
			return card, err
		}
		card = f
	}
	fields := map[string]*string{"intended-use": &card.IntendedUse, "out-of-scope-use": &card.OutOfScopeUse,
		"training-data": &card.TrainingData, "limitations": &card.Limitations, "ethical-considerations": &card.EthicalConsiderations}
	c.fs.Visit(func(f *flag.Flag) {
		if p, ok := fields[f.Name]; ok {
			*p = *c.texts[f.Name]
		}
	})
	if len(c.metrics) > 0 {
		m := lodestar.CardMetrics{}
		for k, v := range card.EvaluationMetrics {
			m[k] = v
		}
		for k, v := range c.metrics {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = *v
			}
		}
		card.EvaluationMetrics = m
	}
	return card, nil
}

// readCardFile reads a model card from a JSON file: the API's card object,
// unknown fields refused (a misspelt field would be lost quietly).
func readCardFile(path string) (lodestar.ModelCard, error) {
	var card lodestar.ModelCard
	f, err := os.Open(path)
	if err != nil {
		return card, fmt.Errorf("model card: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return card, fmt.Errorf("model card: %s is a directory", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxCardFile+1))
	if err != nil {
		return card, fmt.Errorf("model card: %w", err)
	}
	if len(b) > maxCardFile {
		return card, fmt.Errorf("model card: %s is larger than %d KiB", path, maxCardFile>>10)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&card); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return card, fmt.Errorf("model card: %s: malformed JSON at byte %d", path, se.Offset)
		case errors.As(err, &te) && strings.HasPrefix(te.Field, "evaluation_metrics."):
			return card, fmt.Errorf("model card: %s: %s must be a number (found %s)", path, te.Field, jsonValue(te.Value))
		case errors.As(err, &te) && te.Field == "evaluation_metrics":
			return card, fmt.Errorf("model card: %s: evaluation_metrics must map each metric's name to a number (found %s)", path, jsonValue(te.Value))
		case errors.As(err, &te) && te.Field != "":
			return card, fmt.Errorf("model card: %s: %s must be %s (found %s)", path, te.Field, jsonKind(te.Type.Kind().String()), jsonValue(te.Value))
		case err == io.EOF:
			return card, fmt.Errorf("model card: %s is empty", path)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			// encoding/json's own words ("json: unknown field …") told
			// the field but not what a card holds.
			return card, fmt.Errorf("model card: %s: unknown field %s; a card's fields are %s", path,
				strings.TrimPrefix(err.Error(), "json: unknown field "), strings.Join(cardFields(), ", "))
		}
		return card, fmt.Errorf("model card: %s: %w", path, err)
	}
	if dec.More() {
		return card, fmt.Errorf("model card: %s: text after the card's JSON object", path)
	}
	return card, nil
}

// cardFields are the names of a model card's fields in JSON, in order.
func cardFields() []string {
	t := reflect.TypeFor[lodestar.ModelCard]()
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// jsonKind names a Go kind as JSON calls it.
func jsonKind(k string) string {
	switch {
	case k == "string":
		return "a string"
	case k == "map":
		return "an object of numbers"
	case strings.HasPrefix(k, "float") || strings.HasPrefix(k, "int"):
		return "a number"
	}
	return "a " + k
}

// jsonValue names what encoding/json found ("string", "number", …).
func jsonValue(v string) string {
	switch v {
	case "array", "object":
		return "an " + v
	case "":
		return "another type"
	}
	return "a " + v
}

// metricFlags is the repeatable --metric NAME=VALUE; a nil value removes
// the metric.
type metricFlags map[string]*float64

func (m metricFlags) String() string {
	var parts []string
	for k, v := range m {
		if v == nil {
			parts = append(parts, k+"=")
		} else {
			parts = append(parts, k+"="+strconv.FormatFloat(*v, 'g', -1, 64))
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

func (m metricFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return fmt.Errorf("want NAME=VALUE (e.g. auc=0.91), got %q", s)
	}
	if _, dup := m[name]; dup {
		return fmt.Errorf("metric %q given twice", name)
	}
	if strings.TrimSpace(value) == "" {
		m[name] = nil
		return nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("metric %q: %q is not a finite number", name, value)
	}
	m[name] = &v
	return nil
}

// writeCard prints a model card as text, a field a paragraph.
func writeCard(w io.Writer, c lodestar.ModelCard, lang string) {
	t := newReportText(lang)
	for _, f := range []struct{ name, text string }{
		{"intended_use", c.IntendedUse}, {"out_of_scope_use", c.OutOfScopeUse}, {"training_data", c.TrainingData},
		{"limitations", c.Limitations}, {"ethical_considerations", c.EthicalConsiderations},
	} {
		fmt.Fprintf(w, "%s\n  %s\n", t.T("cliout.card."+f.name), strings.ReplaceAll(orDash(f.text), "\n", "\n  "))
	}
	fmt.Fprintln(w, t.T("cliout.card.evaluation_metrics"))
	if len(c.EvaluationMetrics) == 0 {
		fmt.Fprintln(w, "  -")
	}
	names := make([]string, 0, len(c.EvaluationMetrics))
	for k := range c.EvaluationMetrics {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %s = %s\n", k, strconv.FormatFloat(c.EvaluationMetrics[k], 'g', -1, 64))
	}
}
