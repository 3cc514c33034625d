//go:build unix

package api

import (
	"net"
	"syscall"
)

// rawConn is conn's descriptor, for writes that do not block.
func rawConn(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// writeNow writes what the socket takes of b now: n < len(b) when it is
// full. (The descriptor is non-blocking, as the runtime's poller keeps
// it.)
func writeNow(raw syscall.RawConn, b []byte) (n int, err error) {
	var werr error
	if err := raw.Write(func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), b)
			if werr != syscall.EINTR {
				return true
			}
		}
	}); err != nil {
		return 0, err
	}
	if werr == syscall.EAGAIN {
		return 0, nil
	}
	if werr != nil {
		return 0, werr
	}
	return n, nil
}
