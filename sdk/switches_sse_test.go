package sdk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// TestSwitchesReadTheEventStreamFormat: the client reads any stream the
// event-stream format allows, not only the server's own spelling — no
// space after the colon, CRLF or CR line ends, data split over several
// data lines (joined with newlines), comments and fields it does not use
// — and does not apply an event the stream was cut in the middle of.
func TestSwitchesReadTheEventStreamFormat(t *testing.T) {
	cases := map[string]string{
		"no space after the colon":  "event:snapshot\nid:1\ndata:[{\"key\":\"a\",\"state\":\"off\",\"version\":1}]\n\n",
		"CRLF line ends":            "event: snapshot\r\nid: 1\r\ndata: [{\"key\":\"a\",\"state\":\"off\",\"version\":1}]\r\n\r\n",
		"CR line ends":              "event: snapshot\rid: 1\rdata: [{\"key\":\"a\",\"state\":\"off\",\"version\":1}]\r\r",
		"data over three lines":     "event: snapshot\ndata: [{\"key\":\"a\",\ndata: \"state\":\"off\",\ndata: \"version\":1}]\n\n",
		"comments and other fields": ": hello\nretry: 1000\nevent: snapshot\nfoo: bar\nid: 1\n: ping\ndata: [{\"key\":\"a\",\"state\":\"off\",\"version\":1}]\n\n",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, body)
				// A flip cut before its blank line, then the stream ends.
				fmt.Fprint(w, "event: switch\ndata: {\"key\":\"a\",\"state\":\"on\",\"version\":2}\n")
			}))
			defer srv.Close()
			sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "x", MinBackoff: time.Hour})
			defer sw.Close()
			select {
			case <-sw.Ready():
			case <-time.After(5 * time.Second):
				t.Fatal("no snapshot read within 5 s")
			}
			// The stream has ended by the time the next connection is made;
			// a MinBackoff of an hour keeps it from being read again.
			time.Sleep(50 * time.Millisecond)
			if got := sw.State("a"); got != sdk.Off {
				t.Errorf("a is %s, want off (the snapshot's; the cut flip is not applied)", got)
			}
		})
	}
}

// TestSwitchesRefuseWhatIsNotAnEventStream: a 200 answer that is not an
// event stream (a proxy's HTML page) is not counted as a stream opened.
func TestSwitchesRefuseWhatIsNotAnEventStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><body>Sign in</body></html>\n\n")
	}))
	defer srv.Close()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: srv.URL, Token: "x", MinBackoff: 10 * time.Millisecond})
	defer sw.Close()
	time.Sleep(100 * time.Millisecond)
	if n := sw.Connections(); n != 0 {
		t.Errorf("an HTML page was counted as %d streams opened, want 0", n)
	}
}

// TestSwitchesStreamWithoutSnapshotReconnects: a stream that sends
// heartbeats but no snapshot (a server or proxy stuck before it) is
// given up after IdleTimeout like a silent one — it held the client
// forever, never ready — while a stream that sent its snapshot is kept
// open by its heartbeats.
func TestSwitchesStreamWithoutSnapshotReconnects(t *testing.T) {
	heartbeats := func(snapshot bool) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			if snapshot {
				fmt.Fprint(w, "event: snapshot\ndata: [{\"key\":\"a\",\"state\":\"off\",\"version\":1}]\n\n")
			}
			for {
				fmt.Fprint(w, ": ping\n\n")
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}))
	}
	stuck := heartbeats(false)
	defer stuck.Close()
	sw := sdk.NewSwitches(context.Background(), sdk.Options{URL: stuck.URL, Token: "x", MinBackoff: 10 * time.Millisecond, IdleTimeout: 150 * time.Millisecond})
	defer sw.Close()
	deadline := time.Now().Add(5 * time.Second)
	for sw.Connections() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := sw.Connections(); n < 2 {
		t.Errorf("a stream with heartbeats and no snapshot: %d streams opened in 5 s, want it given up and another opened", n)
	}

	live := heartbeats(true)
	defer live.Close()
	sw2 := sdk.NewSwitches(context.Background(), sdk.Options{URL: live.URL, Token: "x", MinBackoff: 10 * time.Millisecond, IdleTimeout: 150 * time.Millisecond})
	defer sw2.Close()
	<-sw2.Ready()
	time.Sleep(500 * time.Millisecond)
	if n := sw2.Connections(); n != 1 {
		t.Errorf("a stream with its snapshot and heartbeats: %d streams opened, want 1", n)
	}
}
