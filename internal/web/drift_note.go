package web

import (
	"fmt"
	"strings"

	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
)

// fewValuesNote is the engine's note on a numeric feature tested as
// categorical (monitor.FewValuesDrift), which the drift table's kind
// column already says (health.kind.numeric_few).
var fewValuesNote = fmt.Sprintf("at most %d distinct values: tested as categorical", monitor.FewValues)

// DriftNote is the note shown beside a drift row's test, translated: why
// a feature was not tested (id-like, sparse, too many values), or how a
// tested one was — categories pooled into one bin, a Jensen–Shannon
// distance within sampling noise. A numeric feature's "tested as
// categorical" is left out of a tested feature's note, the kind column
// saying it; "" when nothing is left.
func (p *Page) DriftNote(c driftColumn) string {
	note := c.Note
	if c.Test != monitor.TestNone {
		if rest, ok := strings.CutPrefix(note, fewValuesNote); ok {
			note = strings.TrimPrefix(rest, "; ")
		}
	}
	if note == "" {
		return ""
	}
	return p.Msg(note)
}
