//go:build unix

package api

import (
	"net"
	"syscall"
)

// nowWriter writes to a connection's descriptor without blocking. Its
// callback is made once, so that a write allocates nothing: with 10,000
// streams, three small allocations per write were 30,000 per flip for
// the garbage collector to find among the streams' goroutines.
type nowWriter struct {
	raw syscall.RawConn
	fn  func(fd uintptr) bool // w.write, bound once
	b   []byte                // the write in progress
	n   int
	err error
}

// init readies w to write to conn's descriptor; false when conn has
// none. w must not move after (its callback is bound to it).
func (w *nowWriter) init(conn net.Conn) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	w.raw = raw
	w.fn = w.writeFD
	return true
}

func (w *nowWriter) writeFD(fd uintptr) bool {
	for {
		w.n, w.err = syscall.Write(int(fd), w.b)
		if w.err != syscall.EINTR {
			return true
		}
	}
}

// write writes what the socket takes of b now: n < len(b) when it is
// full. (The descriptor is non-blocking, as the runtime's poller keeps
// it.) Not safe for concurrent use: the stream's lock is held.
func (w *nowWriter) write(b []byte) (n int, err error) {
	w.b = b
	err = w.raw.Write(w.fn)
	n, werr := w.n, w.err
	w.b, w.n, w.err = nil, 0, nil
	if err != nil {
		return 0, err
	}
	if werr == syscall.EAGAIN {
		return 0, nil
	}
	if werr != nil {
		return 0, werr
	}
	return max(n, 0), nil
}
