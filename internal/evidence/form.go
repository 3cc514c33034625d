package evidence

import (
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/dataset"
)

// form reads typed values from text fields (an HTML form or a multipart
// API request), noting each one that does not parse.
type form struct {
	get    func(string) string
	fields map[string]string
}

func (f *form) str(name string) string { return f.get(name) }

func (f *form) int(name string) int {
	s := strings.TrimSpace(f.get(name))
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f.fields[name] = "Must be a whole number."
	}
	return n
}

func (f *form) uint(name string, dflt uint64) uint64 {
	s := strings.TrimSpace(f.get(name))
	if s == "" {
		return dflt
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		f.fields[name] = "Must be a whole number, 0 or more."
	}
	return n
}

// float reads a decimal number as a JSON body's number is read: not
// hexadecimal (0x1p-1), digits grouped by underscores, NaN or an
// infinity, and not one so close to 0 that it reads as 0 (1e-999), which
// would leave the parameter at its default.
func (f *form) float(name string) float64 {
	s := strings.TrimSpace(f.get(name))
	if s == "" {
		return 0
	}
	x, ok, underflow := dataset.ParseTyped(s)
	switch {
	case underflow:
		f.fields[name] = "Too small to store: a number this close to 0 reads as 0."
	case !ok:
		f.fields[name] = "Must be a number."
	}
	return x
}

// given reports whether the field holds more than white space.
func (f *form) given(name string) bool { return strings.TrimSpace(f.get(name)) != "" }

func (f *form) optFloat(name string) *float64 {
	if strings.TrimSpace(f.get(name)) == "" {
		return nil
	}
	x := f.float(name)
	return &x
}

func (f *form) bool(name string) bool {
	switch strings.ToLower(strings.TrimSpace(f.get(name))) {
	case "", "0", "false", "off", "no":
		return false
	case "1", "true", "on", "yes":
		return true
	}
	f.fields[name] = "Must be true or false."
	return false
}

// DefaultSeed is the bootstrap seed when a form leaves it empty.
const DefaultSeed = 1

// FairnessParamsFromForm reads an audit's parameters from text fields
// named as the JSON fields are (group_column, threshold, bootstrap, …);
// values that do not parse are returned as field errors.
func FairnessParamsFromForm(get func(string) string) (lodestar.FairnessParams, map[string]string) {
	f := &form{get: get, fields: map[string]string{}}
	p := lodestar.FairnessParams{
		GroupColumn: f.str("group_column"), LabelColumn: f.str("label_column"),
		PredictionColumn: f.str("prediction_column"), ScoreColumn: f.str("score_column"), Threshold: f.optFloat("threshold"),
		PositiveLabel: strings.TrimSpace(f.str("positive_label")), PositivePrediction: strings.TrimSpace(f.str("positive_prediction")),
		Reference: f.str("reference"), Favourable: f.str("favourable"), Bootstrap: f.int("bootstrap"), Seed: f.uint("seed", DefaultSeed), Level: f.float("level"),
		Stratified: f.bool("stratified"), Encoding: f.str("encoding"), Separator: f.str("separator"),
	}
	// 0 stands for "the default" only when the field is left empty: a
	// level typed as 0 is out of range, not 0.95.
	if f.given("level") && p.Level == 0 && f.fields["level"] == "" {
		f.fields["level"] = LevelRule
	}
	return p, f.fields
}

// ExplanationParamsFromForm reads an explanation's parameters from text
// fields.
func ExplanationParamsFromForm(get func(string) string) (lodestar.ExplanationParams, map[string]string) {
	f := &form{get: get, fields: map[string]string{}}
	p := lodestar.ExplanationParams{RowsShown: f.int("rows_shown"), Encoding: f.str("encoding"), Separator: f.str("separator")}
	// As the level: 0 rows typed in is out of range, not the default 5.
	if f.given("rows_shown") && p.RowsShown == 0 && f.fields["rows_shown"] == "" {
		f.fields["rows_shown"] = RowsShownRule
	}
	return p, f.fields
}
