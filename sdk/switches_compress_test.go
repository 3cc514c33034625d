package sdk_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// compressingFront is a reverse proxy in front of upstream that
// compresses what it may, as Traefik's compress, Caddy's encode or
// Express's compression do: a response is gzipped when the request
// accepts gzip and the response does not say Cache-Control: no-transform,
// and the compressor holds what it has until its window fills, whatever
// the upstream flushes. An event stream through it is held back: the
// client gets nothing, not even the headers, until kilobytes of events
// have piled up — the snapshot, the heartbeats and the flips sit there.
func compressingFront(t *testing.T, upstream string) *httptest.Server {
	t.Helper()
	target, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1 // the proxy itself passes each write on at once
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			rp.ServeHTTP(w, r)
			return
		}
		cw := &compressWriter{w: w}
		defer cw.close()
		rp.ServeHTTP(cw, r)
	}))
	t.Cleanup(front.Close)
	return front
}

type compressWriter struct {
	w  http.ResponseWriter
	gz *gzip.Writer // nil: passed through
	bw *bufio.Writer
}

func (c *compressWriter) Header() http.Header { return c.w.Header() }

func (c *compressWriter) WriteHeader(code int) {
	if !strings.Contains(c.w.Header().Get("Cache-Control"), "no-transform") {
		c.w.Header().Del("Content-Length")
		c.w.Header().Set("Content-Encoding", "gzip")
		c.bw = bufio.NewWriterSize(c.w, 8<<10)
		c.gz = gzip.NewWriter(c.bw)
	}
	c.w.WriteHeader(code)
}

func (c *compressWriter) Write(b []byte) (int, error) {
	if c.gz != nil {
		return c.gz.Write(b)
	}
	return c.w.Write(b)
}

// Flush is passed on only when the response is not compressed: the
// compressor waits for its window.
func (c *compressWriter) Flush() {
	if c.gz == nil {
		http.NewResponseController(c.w).Flush()
	}
}

func (c *compressWriter) close() {
	if c.gz != nil {
		c.gz.Close()
		c.bw.Flush()
	}
}

// The switch client asks for its stream uncompressed, so that a
// compressing proxy in front of a server (or an SSE source) that does not
// say no-transform passes it on as it comes: through such a proxy it
// asked for gzip (Go's transport does unless told otherwise) and never
// saw its snapshot, reconnecting every IdleTimeout for ever.
func TestSwitchesThroughACompressingProxy(t *testing.T) {
	// An event source that does not say no-transform: an older server, or
	// another proxy on the way that rewrites Cache-Control.
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, "event: snapshot\nid: 1\ndata: [{\"key\":\"credit-risk\",\"state\":\"off\",\"version\":1}]\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer upstream.Close()
	front := compressingFront(t, upstream.URL)
	c := sdk.NewSwitches(context.Background(), sdk.Options{URL: front.URL, Token: "t", IdleTimeout: time.Second, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	defer c.Close()
	select {
	case <-c.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("no snapshot through a compressing proxy after 10 s (%d streams opened); Err: %v", c.Connections(), c.Err())
	}
	if got := c.State("credit-risk"); got != sdk.Off {
		t.Errorf("credit-risk reads %v, want off", got)
	}
}

// The server's stream says Cache-Control: no-transform, so that a
// compressing proxy passes it on as it comes to any client, one that
// accepts gzip (a browser, curl --compressed, another language's SDK)
// included: without it, such a client read nothing through the proxy.
func TestStreamNotCompressedByProxies(t *testing.T) {
	srv, tok, flip := server(t)
	front := compressingFront(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", front.URL+"/api/v1/switches/stream", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no answer through a compressing proxy: %v", err)
	}
	defer resp.Body.Close()
	if ce := resp.Header.Get("Content-Encoding"); ce != "" {
		t.Errorf("the stream came through the proxy with Content-Encoding %q; Cache-Control %q", ce, resp.Header.Get("Cache-Control"))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	seen := func(prefix string) {
		t.Helper()
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), prefix) {
				return
			}
		}
		t.Fatalf("%q never came through the proxy: %v", prefix, sc.Err())
	}
	seen("event: snapshot")
	flip("off", "")
	seen("event: switch")
}

// A proxy that compresses the stream although the client asked for it as
// it is (one that ignores Accept-Encoding) is named in Err at once, not
// taken for a silent stream after IdleTimeout; the last states are kept.
func TestSwitchesSayTheStreamCameCompressed(t *testing.T) {
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		io.WriteString(gz, "event: snapshot\nid: 1\ndata: [{\"key\":\"credit-risk\",\"state\":\"off\",\"version\":1}]\n\n")
		gz.Flush()
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer front.Close()
	c := sdk.NewSwitches(context.Background(), sdk.Options{URL: front.URL, Token: "t", IdleTimeout: time.Minute, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for c.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	err := c.Err()
	if err == nil || !strings.Contains(err.Error(), "came compressed (Content-Encoding: gzip)") {
		t.Fatalf("Err = %v, want it to say the stream came compressed", err)
	}
	if got := c.State("credit-risk"); got != sdk.On {
		t.Errorf("credit-risk reads %v from a stream it could not read, want the default, on", got)
	}
}
