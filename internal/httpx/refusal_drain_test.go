package httpx_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// zeros is an endless body of zero bytes; sent counts what the client
// took of it to send.
type zeros struct{ sent atomic.Int64 }

func (z *zeros) Read(p []byte) (int, error) {
	clear(p)
	z.sent.Add(int64(len(p)))
	return len(p), nil
}

// TestRefusalReadsTheBodyWithinBounds: a request the guard refuses
// before reading its body (here a signed-out form: 401) has that body
// read through before the answer, up to the server's cap on any body
// (httpx.MaxServerBody), so that the server keeps the connection rather
// than closing it under a client still sending; a body declared larger
// than that cap is not read (the connection is then closed), and neither
// is one whose client waits on "Expect: 100-continue", which then sends
// none of it.
func TestRefusalReadsTheBodyWithinBounds(t *testing.T) {
	srv, _, _ := streamedRoute(t, func(w http.ResponseWriter, r *http.Request) {
		t.Error("the handler ran for a signed-out request")
	})
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = time.Minute
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	for _, tc := range []struct {
		what     string
		size     int64
		expect   bool
		wantRead bool
	}{
		{"20 MiB, over the route's 1 MiB", 20 << 20, false, true},
		{"the server's cap", httpx.MaxServerBody, false, true},
		{"one byte over the server's cap", httpx.MaxServerBody + 1, false, false},
		{"20 MiB after Expect: 100-continue", 20 << 20, true, false},
	} {
		body := &zeros{}
		req, err := http.NewRequest("POST", srv.URL+"/upload", io.LimitReader(body, tc.size))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = tc.size
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		if tc.expect {
			req.Header.Set("Expect", "100-continue")
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", tc.what, resp.StatusCode)
		}
		if tc.wantRead && (resp.Close || body.sent.Load() < tc.size) {
			t.Errorf("%s: %d of %d bytes sent, connection closed: %v; want the body read and the connection kept", tc.what, body.sent.Load(), tc.size, resp.Close)
		}
		if !tc.wantRead && !resp.Close {
			t.Errorf("%s: the connection was kept: the body was read", tc.what)
		}
		if tc.expect && body.sent.Load() != 0 {
			t.Errorf("%s: %d bytes sent; the server asked for the body it refused", tc.what, body.sent.Load())
		}
	}
}

// countingListener counts the bytes its server reads from its connections.
type countingListener struct {
	net.Listener
	read *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.read}, nil
}

type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// TestRefusalCutByTheLimitNotDrained: a form refused because its route's
// limit cut it as it was read — a signed-in user's form whose field goes
// past the route's 1 MiB, declared 32 MiB (a page's streamed form is read
// up to the limit, not refused by its length) — is answered 413 without
// reading the rest: its connection is closed after the answer whatever
// is read, and reading up to 32 MiB first (as for a refusal made before
// any of the body is read) only held the answer back.
func TestRefusalCutByTheLimitNotDrained(t *testing.T) {
	var read atomic.Int64
	srv, secret, _ := streamedRouteOn(t, func(w http.ResponseWriter, r *http.Request) {
		t.Error("the handler ran for a form over the route's limit")
	}, func(l net.Listener) net.Listener { return countingListener{l, &read} })
	const limit = 1 << 20 // the route's MaxBody
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /upload HTTP/1.1\r\nHost: " + srv.Listener.Addr().String() + "\r\n" +
		"Content-Type: multipart/form-data; boundary=x\r\n" +
		"Cookie: " + (&http.Cookie{Name: httpx.SessionCookie, Value: secret}).String() + "\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", httpx.MaxServerBody)
	part := "--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
	sent := make(chan int64, 1)
	go func() {
		// The whole body, as a client does; the server's close ends it.
		n, _ := io.Copy(conn, io.LimitReader(io.MultiReader(strings.NewReader(head+part), &zeros{}), int64(len(head))+httpx.MaxServerBody))
		sent <- n
	}()
	conn.SetReadDeadline(time.Now().Add(time.Minute)) // a hang fails, not a timing
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := read.Load()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
		t.Errorf("%d, connection closed: %v; want 413 and the connection closed", resp.StatusCode, resp.Close)
	}
	// What the server read by its answer: the limit, and its buffers.
	if got > 2*limit {
		t.Errorf("the server read %d bytes of a %d-byte body cut at %d before answering; want the rest left unread", got, httpx.MaxServerBody, limit)
	}
	conn.Close()
	<-sent
}
