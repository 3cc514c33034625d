package fairness

import (
	"encoding/json"
	"math"
)

// JSON has no NaN or infinity, and an undefined rate must not turn into a
// number, so Estimate and Interval write undefined values as null and read
// null back as NaN.

type estimateJSON struct {
	Value *float64  `json:"value"`
	CI    *Interval `json:"ci,omitempty"`
}

type intervalJSON struct {
	Lo        *float64 `json:"lo"`
	Hi        *float64 `json:"hi"`
	Undefined int      `json:"undefined_replicates"`
}

func nullable(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON writes {"value": v, "ci": {...}}, with null for an undefined v.
func (e Estimate) MarshalJSON() ([]byte, error) {
	return json.Marshal(estimateJSON{Value: nullable(e.Value), CI: e.CI})
}

// UnmarshalJSON reads what MarshalJSON writes; null becomes NaN.
func (e *Estimate) UnmarshalJSON(b []byte) error {
	var v estimateJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Estimate{Value: orNaN(v.Value), CI: v.CI}
	return nil
}

// MarshalJSON writes {"lo": lo, "hi": hi, "undefined_replicates": n}.
func (i Interval) MarshalJSON() ([]byte, error) {
	return json.Marshal(intervalJSON{Lo: nullable(i.Lo), Hi: nullable(i.Hi), Undefined: i.Undefined})
}

// UnmarshalJSON reads what MarshalJSON writes; null becomes NaN.
func (i *Interval) UnmarshalJSON(b []byte) error {
	var v intervalJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*i = Interval{Lo: orNaN(v.Lo), Hi: orNaN(v.Hi), Undefined: v.Undefined}
	return nil
}
