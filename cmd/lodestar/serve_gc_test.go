package main

import (
	"context"
	"io"
	"runtime/debug"
	"strings"
	"testing"
)

// serve raises the garbage-collection target to serveGCPercent unless GOGC
// is set, in which case it leaves the runtime's own reading of it alone.
func TestServeGCPercent(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, tc := range []struct {
		gogc string
		want int
	}{{"", serveGCPercent}, {"150", 100}} {
		debug.SetGCPercent(100)
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // serve sets the target first, then stops at opening the database
		env := func(k string) string {
			if k == "GOGC" {
				return tc.gogc
			}
			return ""
		}
		var errOut strings.Builder
		code := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--monitor-interval", "0"}, io.Discard, &errOut, env)
		if got := debug.SetGCPercent(100); got != tc.want || code != 1 || !strings.Contains(errOut.String(), "context canceled") {
			t.Errorf("GOGC=%q: serve exited %d (%s) and left GC at %d%%, want %d%%", tc.gogc, code, errOut.String(), got, tc.want)
		}
	}
}
