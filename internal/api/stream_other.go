//go:build !unix

package api

import (
	"errors"
	"net"
)

// nowWriter: no writes without blocking here; each stream's goroutine
// writes its flips.
type nowWriter struct{}

func (*nowWriter) init(net.Conn) bool { return false }

func (*nowWriter) write([]byte) (int, error) { return 0, errors.ErrUnsupported }
