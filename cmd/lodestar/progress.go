package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progressEvery is how often a progress line is written; tests shorten it.
var progressEvery = time.Second

// progress reports a long command's reading as it goes, on stderr: on a
// terminal one line rewritten in place, elsewhere (with --progress) a line
// each time, so a log shows the run moving. Read is what the command has
// read so far of total bytes (a file read twice may pass 100%: shown as
// 99% until done).
type progress struct {
	Read  atomic.Int64
	total int64
	what  string
	w     io.Writer
	tty   bool
	start time.Time
	stop  chan struct{}
	done  sync.WaitGroup
}

// startProgress starts reporting on w when w is a terminal, or always
// when forced; nil when there is nothing to report on (Read is then
// still counted by whoever holds a progress — callers check for nil).
func startProgress(w io.Writer, forced bool, what string, total int64) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	if !tty && !forced {
		return nil
	}
	p := &progress{total: max(total, 1), what: what, w: w, tty: tty, start: time.Now(), stop: make(chan struct{})}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
				p.line()
			}
		}
	}()
	return p
}

func (p *progress) line() {
	read := p.Read.Load()
	pct := min(100*read/p.total, 99)
	end := "\n"
	if p.tty {
		end = "   \r"
	}
	fmt.Fprintf(p.w, "%s: %d%% read (%s of %s), %s%s", p.what, pct, megabytes(read), megabytes(p.total),
		time.Since(p.start).Round(time.Second), end)
}

// finish stops the reports; on a terminal it clears the line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	p.done.Wait()
	if p.tty {
		fmt.Fprintf(p.w, "%*s\r", 60, "")
	}
}

func megabytes(n int64) string { return fmt.Sprintf("%.0f MB", float64(n)/1e6) }
