//go:build unix

package api

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair is two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// A write that the socket takes whole allocates nothing, and the bytes
// arrive as written.
func TestNowWriterWritesWithoutAllocating(t *testing.T) {
	server, client := tcpPair(t)
	w := new(nowWriter)
	if !w.init(server) {
		t.Fatal("a TCP connection has a descriptor")
	}
	msg := []byte("6\r\nevent\n\r\n")
	const runs = 100
	allocs := testing.AllocsPerRun(runs, func() {
		if n, err := w.write(msg); err != nil || n != len(msg) {
			t.Fatalf("write = %d, %v; want %d, nil", n, err, len(msg))
		}
	})
	if allocs != 0 {
		t.Errorf("a write allocates %.1f times, want 0", allocs)
	}
	got := make([]byte, (runs+1)*len(msg)) // AllocsPerRun runs once more to warm up
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	if want := bytes.Repeat(msg, runs+1); !bytes.Equal(got, want) {
		t.Errorf("read %q…, want %q repeated", got[:32], msg)
	}
}

// A socket whose peer reads nothing fills: the write then takes part or
// none of the bytes and says so, with no error and without blocking; a
// peer gone is an error.
func TestNowWriterFullSocketAndGonePeer(t *testing.T) {
	server, client := tcpPair(t)
	if err := server.(*net.TCPConn).SetWriteBuffer(4096); err != nil {
		t.Fatal(err)
	}
	w := new(nowWriter)
	if !w.init(server) {
		t.Fatal("a TCP connection has a descriptor")
	}
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	short := false
	for range 1000 {
		n, err := w.write(chunk)
		if err != nil {
			t.Fatalf("write to a full socket: %v, want no error", err)
		}
		if n < len(chunk) {
			short = true
			break
		}
	}
	if !short {
		t.Fatal("64 MiB written to a peer that reads nothing: the writes must have blocked")
	}
	client.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := w.write([]byte("y")); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("writes to a closed peer never failed")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
