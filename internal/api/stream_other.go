//go:build !unix

package api

import (
	"errors"
	"net"
)

// nowWriter: no writes without blocking here; each stream's goroutine
// writes its flips.
type nowWriter struct{}

func newNowWriter(net.Conn) *nowWriter { return nil }

func (*nowWriter) write([]byte) (int, error) { return 0, errors.ErrUnsupported }
