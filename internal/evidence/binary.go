package evidence

import (
	"slices"
	"strconv"
	"strings"
)

// BinaryColumn reads the cells of a label or predicted-class column as
// classes. A cell is trimmed of spaces; with Positive set, it is positive
// when it equals Positive; without, 1/0, true/false, yes/no and the like
// are recognised in any case. A column holds two distinct values at most
// (as written, not case-folded): a third is refused. Fairness and the
// lodestar fairness command read columns by these rules and word their
// refusals each for its own audience.
type BinaryColumn struct {
	Positive string // the positive value; empty: recognise the words
	seen     []string
	sawPos   bool
}

// BinaryRefusal says why BinaryColumn.Value refused a cell.
type BinaryRefusal int

const (
	BinaryOK         BinaryRefusal = iota
	BinaryEmpty                    // the cell is empty
	BinaryThirdValue               // a third distinct value; Seen gives the first two
	BinaryNumber                   // no class word but a number: perhaps a score
	BinaryUnknown                  // neither a class word nor a number
)

var (
	positiveWords = map[string]bool{"1": true, "1.0": true, "true": true, "t": true, "yes": true, "y": true, "positive": true, "pos": true}
	negativeWords = map[string]bool{"0": true, "0.0": true, "-1": true, "false": true, "f": true, "no": true, "n": true, "negative": true, "neg": true}
)

// Value reads one cell: its class, or why it is refused.
func (b *BinaryColumn) Value(s string) (bool, BinaryRefusal) {
	s = strings.TrimSpace(s)
	if s == "" {
		return false, BinaryEmpty
	}
	switch {
	case slices.Contains(b.seen, s):
	case len(b.seen) < 2:
		b.seen = append(b.seen, s)
	default:
		return false, BinaryThirdValue
	}
	if b.Positive != "" {
		pos := s == b.Positive
		b.sawPos = b.sawPos || pos
		return pos, BinaryOK
	}
	switch l := strings.ToLower(s); {
	case positiveWords[l]:
		return true, BinaryOK
	case negativeWords[l]:
		return false, BinaryOK
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return false, BinaryNumber
	}
	return false, BinaryUnknown
}

// Seen returns the distinct values read so far, in order (two at most).
func (b *BinaryColumn) Seen() []string { return slices.Clone(b.seen) }

// SeenList returns the distinct values read so far, quoted and
// comma-separated, for a message.
func (b *BinaryColumn) SeenList() string {
	quoted := make([]string, len(b.seen))
	for i, s := range b.seen {
		quoted[i] = strconv.Quote(s)
	}
	return strings.Join(quoted, ", ")
}

// NeverPositive reports a Positive value that never occurred: every row
// would silently count as negative, so the column must be refused.
func (b *BinaryColumn) NeverPositive() bool { return b.Positive != "" && !b.sawPos }
