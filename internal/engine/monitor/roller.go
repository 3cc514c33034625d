package monitor

import (
	"errors"
	"time"
)

// Roller cuts a stream of events into windows: by time (Every, windows
// aligned to multiples of it since the Unix epoch, in UTC, so an hourly
// window starts on the hour) or by count (Count events each, and the rest
// of the millisecond of the Count-th: a millisecond's events are never
// split between windows, since a stored window ends on one). Events
// should come in time order; an event older than the open window (late)
// is counted in the open window and in Late, not in a closed one.
type Roller struct {
	layout *Layout
	every  time.Duration
	count  uint64
	open   *Window
	from   time.Time // start of the open time window
	Late   uint64
}

// NewRoller returns a roller closing a window every period (when > 0) or
// every count events (when period is 0).
func NewRoller(l *Layout, every time.Duration, count uint64) (*Roller, error) {
	if (every > 0) == (count > 0) {
		return nil, errors.New("monitor: a window is either a period or a number of events")
	}
	return &Roller{layout: l, every: every, count: count}, nil
}

// Add counts an event, returning the window it closed, if any: a time
// window closes when an event of a later period arrives (which then starts
// the next window), a count window when it holds Count events and an event
// of a later millisecond arrives (which starts the next).
func (r *Roller) Add(ev *Event) (closed *Window, err error) {
	if r.every > 0 {
		from := ev.Time.UTC().Truncate(r.every)
		switch {
		case r.open == nil:
			r.open, r.from = NewWindow(r.layout), from
		case from.After(r.from):
			closed = r.open
			r.open, r.from = NewWindow(r.layout), from
		case from.Before(r.from):
			r.Late++
		}
	} else {
		if r.open != nil && r.open.Events >= r.count && ev.Time.UnixMilli() > r.open.End.UnixMilli() {
			closed, r.open = r.open, nil
		}
		if r.open == nil {
			r.open = NewWindow(r.layout)
		}
	}
	if err := r.open.Add(ev); err != nil {
		return closed, err
	}
	return closed, nil
}

// WindowStart returns the start of the open time window (zero for count
// windows or before the first event).
func (r *Roller) WindowStart() time.Time { return r.from }

// Flush returns the open window, if any, and starts afresh.
func (r *Roller) Flush() *Window {
	w := r.open
	r.open = nil
	return w
}
