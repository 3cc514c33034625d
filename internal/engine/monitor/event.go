package monitor

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Tasks a model performs, as Schema.Task names them.
const (
	TaskBinary     = "binary"     // Score is P(positive); Label is 0 or 1
	TaskMulticlass = "multiclass" // Class and Label are indexes into Schema.Classes
	TaskRegression = "regression" // Value and Label are real numbers
)

// Schema describes a model's prediction events: its task and, by position,
// its features and group attributes. Events carry feature values in
// slices in this order, so that adding one to a window looks nothing up
// by name.
type Schema struct {
	Task        string   // TaskBinary (default), TaskMulticlass or TaskRegression
	Classes     []string // multiclass: class names; Event.Class indexes them
	Threshold   float64  // binary: Score ≥ Threshold predicts positive; 0 means 0.5
	Numeric     []string // numeric feature names
	Categorical []string // categorical feature names
	Groups      []string // group attributes (e.g. region), reported per value
}

// Validate checks the schema.
func (s *Schema) Validate() error {
	switch s.Task {
	case "", TaskBinary, TaskRegression:
	case TaskMulticlass:
		if len(s.Classes) < 2 {
			return errors.New("monitor: a multiclass schema needs at least two classes")
		}
	default:
		return fmt.Errorf("monitor: task %q: want binary, multiclass or regression", s.Task)
	}
	if !(s.Threshold >= 0 && s.Threshold <= 1) {
		return fmt.Errorf("monitor: threshold %g: want 0 to 1", s.Threshold)
	}
	seen := map[string]bool{}
	for _, names := range [][]string{s.Numeric, s.Categorical} {
		for _, n := range names {
			if n == "" || seen[n] {
				return fmt.Errorf("monitor: feature name %q is empty or repeated", n)
			}
			seen[n] = true
		}
	}
	return nil
}

func (s *Schema) threshold() float64 {
	if s.Threshold == 0 {
		return 0.5
	}
	return s.Threshold
}

// Event is one prediction. Unknown numbers are NaN and unknown strings
// empty: NewEvent returns an event with every field unknown. An Event can
// be reused for the next prediction; a Window keeps none of its memory.
type Event struct {
	ID           string
	Time         time.Time
	ModelVersion string
	Num          []float64 // by Schema.Numeric; NaN: missing
	Cat          []string  // by Schema.Categorical; "": missing
	Groups       []string  // by Schema.Groups; "": none

	Score float64 // binary: predicted probability of the positive class
	Class int     // predicted class (binary: 0 or 1); −1: derive from Score
	Value float64 // regression: predicted value
	Label float64 // true outcome, NaN until known: binary 0/1, multiclass class index, regression value

	LatencyMS float64 // NaN: not measured
}

// NewEvent returns an event shaped for the schema with every field unknown.
func (s *Schema) NewEvent() Event {
	ev := Event{
		Num: make([]float64, len(s.Numeric)), Cat: make([]string, len(s.Categorical)),
		Groups: make([]string, len(s.Groups)),
	}
	ev.Reset()
	return ev
}

// Reset marks every field unknown, keeping the slices.
func (ev *Event) Reset() {
	nan := math.NaN()
	ev.ID, ev.Time, ev.ModelVersion = "", time.Time{}, ""
	for i := range ev.Num {
		ev.Num[i] = nan
	}
	clear(ev.Cat)
	clear(ev.Groups)
	ev.Score, ev.Class, ev.Value, ev.Label, ev.LatencyMS = nan, -1, nan, nan, nan
}

// SetFeatures fills the event's features from a map by name: numbers
// (float64, float32, int or int64; nil for missing)
// for numeric features, strings for categorical ones; other names are an
// error. Absent features stay missing.
func (s *Schema) SetFeatures(ev *Event, m map[string]any) error {
	for name, v := range m {
		if i := slices.Index(s.Numeric, name); i >= 0 {
			switch x := v.(type) {
			case float64:
				ev.Num[i] = x
			case float32:
				ev.Num[i] = float64(x)
			case int:
				ev.Num[i] = float64(x)
			case int64:
				ev.Num[i] = float64(x)
			case nil:
				ev.Num[i] = math.NaN()
			default:
				return fmt.Errorf("feature %q: %T is not a number", name, v)
			}
			continue
		}
		if i := slices.Index(s.Categorical, name); i >= 0 {
			switch x := v.(type) {
			case string:
				ev.Cat[i] = x
			case nil:
				ev.Cat[i] = ""
			default:
				return fmt.Errorf("feature %q: %T is not a string", name, v)
			}
			continue
		}
		return fmt.Errorf("feature %q is not in the schema", name)
	}
	return nil
}
