package sdk_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// listError is an error of a type that cannot be compared with == (a
// slice), as an HTTP client's middleware may return from a body's Read.
type listError []string

func (e listError) Error() string { return "read failed: " + strings.Join(e, ", ") }

// failingBody hands on the stream until it has read the snapshot, then
// fails with a listError.
type failingBody struct {
	io.ReadCloser
	read int
}

func (b *failingBody) Read(p []byte) (int, error) {
	if b.read > 0 {
		return 0, listError{"middleware", "gave up"}
	}
	n, err := b.ReadCloser.Read(p)
	b.read += n
	return n, err
}

type failingTransport struct{}

func (failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		resp.Body = &failingBody{ReadCloser: resp.Body}
	}
	return resp, err
}

// A stream whose read fails with an error of any type — here one that
// == cannot compare, which made the client's goroutine panic and took
// the process with it — is said in Err as a connection lost, wrapping
// that error; the last known states are kept.
func TestSwitchesReadErrorOfAnyType(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: snapshot\nid: 1\ndata: [{\"key\":\"credit-risk\",\"state\":\"off\",\"version\":1}]\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	c := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "t", IdleTimeout: time.Minute,
		MinBackoff: time.Minute, MaxBackoff: time.Minute, HTTPClient: &http.Client{Transport: failingTransport{}}})
	defer c.Close()
	select {
	case <-c.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("no snapshot after 10 s; Err: %v", c.Err())
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	err := c.Err()
	var le listError
	if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), "the connection was lost") {
		t.Fatalf("Err = %v, want the connection lost, wrapping the read's error", err)
	}
	if got := c.State("credit-risk"); got != sdk.Off {
		t.Errorf("credit-risk reads %v after the stream failed, want the last known state, off", got)
	}
}
