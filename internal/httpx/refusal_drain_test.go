package httpx_test

import (
	"io"
	"net/http"
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
