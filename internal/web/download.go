package web

import (
	"net/http"
)

// downloadWriter is a response being sent as a file, written as it is
// read from the database: it remembers whether any of it has gone out,
// which decides how a failure ends it (failDownload).
type downloadWriter struct {
	http.ResponseWriter
	wrote bool
}

func (d *downloadWriter) Write(b []byte) (int, error) {
	if len(b) > 0 {
		d.wrote = true
	}
	return d.ResponseWriter.Write(b)
}

func (d *downloadWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// failDownload ends a download that failed while it was made (the
// database failed midway, say). Before any of it was written, the error
// page says so, the attachment's headers taken back. After, the status
// and the first rows may be on their way: returning would end the
// response cleanly, a 200 whose file looks whole but lacks the rest, so
// the response is cut instead (http.ErrAbortHandler: net/http leaves an
// HTTP/1.1 chunked body unterminated and closes the connection, or
// resets an HTTP/2 stream), and the browser or client reports the
// download as failed.
func (s *Server) failDownload(w *downloadWriter, r *http.Request, what string, err error) {
	if !w.wrote {
		for _, h := range []string{"Content-Type", "Content-Disposition"} {
			w.Header().Del(h)
		}
		s.Error(w, r, err)
		return
	}
	s.Log.Error(what, "method", r.Method, "path", r.URL.Path, "err", err)
	panic(http.ErrAbortHandler)
}
