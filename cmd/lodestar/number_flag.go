package main

import (
	"errors"
	"flag"
	"strconv"
	"strings"

	"github.com/lodestar-hq/lodestar/internal/dataset"
)

// numberFlag is a float64 flag read as a person writes a number, as the
// web forms read one (dataset.ParseTyped): flag.Float64 takes Go's
// syntax, so "0.0_5" was 0.05 and "0x1p-3" 0.125 without a word. An
// infinity or NaN is taken, for the command's own check of its range to
// name; a number that reads as 0 though it is not (1e-999) is refused.
type numberFlag float64

// numberVar defines a float64 flag read as numberFlag.
func numberVar(fs *flag.FlagSet, p *float64, name string, value float64, usage string) {
	*p = value
	fs.Var((*numberFlag)(p), name, usage)
}

func (f *numberFlag) String() string {
	if f == nil {
		return "0"
	}
	return strconv.FormatFloat(float64(*f), 'g', -1, 64)
}

func (f *numberFlag) Set(s string) error {
	v, ok, underflow := dataset.ParseTyped(s)
	switch {
	case underflow:
		return errors.New("Too small to store: a number this close to 0 reads as 0.")
	case !ok:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity":
			v, _ = strconv.ParseFloat(strings.TrimSpace(s), 64)
		default:
			return errors.New("parse error")
		}
	}
	*f = numberFlag(v)
	return nil
}
