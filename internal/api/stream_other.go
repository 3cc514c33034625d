//go:build !unix

package api

import (
	"errors"
	"net"
	"syscall"
)

// rawConn: no writes without blocking here; each stream's goroutine
// writes its flips.
func rawConn(net.Conn) syscall.RawConn { return nil }

func writeNow(syscall.RawConn, []byte) (int, error) { return 0, errors.ErrUnsupported }
