package web

import (
	"errors"
	"net/http"

	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// downloadHead is how much of a download downloadWriter holds back before
// any of it goes out: the byte-order mark or the opening bracket and the
// first rows, so that a failure on the first read (the database down)
// still gets the error page rather than a cut connection.
const downloadHead = 4 << 10

// downloadWriter is a response being sent as a file, written as it is
// read from the database. It holds back the first downloadHead bytes and
// remembers whether any have gone out, which decides how a failure ends
// it (failDownload); a download that succeeds must call finish.
type downloadWriter struct {
	http.ResponseWriter
	head  []byte
	wrote bool // bytes went to the ResponseWriter
}

func (d *downloadWriter) Write(b []byte) (int, error) {
	if !d.wrote && len(d.head)+len(b) <= downloadHead {
		d.head = append(d.head, b...)
		return len(b), nil
	}
	if err := d.release(); err != nil {
		return 0, err
	}
	return d.ResponseWriter.Write(b)
}

// release sends what is held back.
func (d *downloadWriter) release() error {
	d.wrote = true
	head := d.head
	d.head = nil
	if len(head) == 0 {
		return nil
	}
	_, err := d.ResponseWriter.Write(head)
	return err
}

// finish sends what is still held back, once the whole file is written.
func (d *downloadWriter) finish() error { return d.release() }

func (d *downloadWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// failDownload ends a download that failed while it was made (the
// database failed midway, say). Before any of it went out, the error
// page says so, the attachment's headers taken back. After, the status
// and the first rows may be on their way: returning would end the
// response cleanly, a 200 whose file looks whole but lacks the rest, so
// the response is cut instead (http.ErrAbortHandler: net/http leaves an
// HTTP/1.1 chunked body unterminated and closes the connection, or
// resets an HTTP/2 stream), and the browser or client reports the
// download as failed. A client that went away is no fault of the server:
// logged at info.
func (s *Server) failDownload(w *downloadWriter, r *http.Request, what string, err error) {
	if !w.wrote {
		for _, h := range []string{"Content-Type", "Content-Disposition"} {
			w.Header().Del(h)
		}
		w.head = nil
		s.Error(w, r, err)
		return
	}
	if httpx.ClientGone(r, err) || r.Context().Err() != nil || errors.Is(err, http.ErrHandlerTimeout) {
		s.Log.Info(what+" cut: the client went", "method", r.Method, "path", r.URL.Path, "err", err)
	} else {
		s.Log.Error(what, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	panic(http.ErrAbortHandler)
}
