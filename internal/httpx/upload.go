package httpx

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"

	"github.com/lodestar-hq/lodestar/internal/auth"
)

// Upload is a file a page's multipart form sent to a route that streams
// its files (Route.FileLimit): written to a temporary file as it
// arrives, up to the route's limit, and removed once the handler returns.
type Upload struct {
	// Filename is the name the browser gave the file.
	Filename string
	// Size is the file's size; of a file over the limit, the bytes read
	// of it (at least the limit and one).
	Size int64
	// TooLarge: the file was over the route's limit. Its bytes were read
	// and dropped, so that the form's other fields are read all the same
	// and the page can come back with them.
	TooLarge bool
	path     string
}

// Open opens the uploaded file (not one over the limit).
func (u *Upload) Open() (*os.File, error) {
	if u.TooLarge || u.path == "" {
		return nil, errors.New("httpx: the upload was not kept")
	}
	return os.Open(u.path)
}

// UploadFrom is the file the request's form sent in field name, nil when
// it sent none (or an empty one without a name, as a browser does for a
// file field left empty). Only a route with a FileLimit has uploads.
func UploadFrom(r *http.Request, name string) *Upload {
	return IdentityFrom(r.Context()).uploads[name]
}

// A streamed form is bounded as ParseMultipartForm bounds other forms:
// its fields other than files to 10 MiB, counting each part's name and
// 200 bytes for its keeping, and its parts to 1,000. Its files, each a
// temporary file, to 10: a page's form has one.
const (
	maxFormValues      = 10 << 20
	maxFormParts       = 1000
	formPartOverhead   = 200
	maxStreamedUploads = 10
)

// readStreamedForm reads a multipart form part by part, as it arrives:
// each field's value into r.PostForm and r.Form, as ParseMultipartForm
// would, and each file into a temporary file of at most limit bytes — a
// larger one is read to its end and dropped, noted TooLarge. A body cut
// by the route's cap in a file ends the reading without an error: the
// fields read so far are kept (a page's form puts its file last), and
// the file is TooLarge; a body cut in a field, or between fields, is
// refused as too large (its MaxBytesError). A file that comes before the form's CSRF token (its
// header, or its field) is known good ends the reading too, before any of
// it is written: checkCSRF then refuses the form. It reports the body's
// own faults (not multipart, a malformed part) and the temporary files'
// failures.
//
// The temporary files are made in dir ("": the system's temporary
// directory), the server's UploadDir.
func readStreamedForm(r *http.Request, id *Identity, limit int64, dir string) error {
	// ParseForm's other errors are the query string's, or a malformed
	// urlencoded body's, which checkCSRF passes over for every other
	// form: they must not lose a form its fields.
	var mbe *http.MaxBytesError
	if err := r.ParseForm(); errors.As(err, &mbe) {
		return err
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil // not multipart: ParseForm read it
	}
	values := map[string][]string{}
	budget := int64(maxFormValues)
	defer func() {
		r.MultipartForm = &multipart.Form{Value: values}
		for k, v := range values {
			r.Form[k] = append(r.Form[k], v...)
			r.PostForm[k] = append(r.PostForm[k], v...)
		}
	}()
	// cutFile: the last part was a file over the limit, which the cap
	// may cut at its end (the part's closing boundary): that form keeps
	// its fields. A cut anywhere else is one in a field or between
	// fields, a form that cannot be acted on or given back whole.
	cutFile := false
	capped := func(err error) bool {
		var mbe *http.MaxBytesError
		return errors.As(err, &mbe)
	}
	for parts := 1; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF || capped(err) && cutFile {
			return nil
		}
		if err != nil {
			return err
		}
		if parts > maxFormParts {
			return multipart.ErrMessageTooLarge
		}
		name := p.FormName()
		if name == "" {
			continue
		}
		if budget -= int64(len(name)) + formPartOverhead; budget < 0 {
			return multipart.ErrMessageTooLarge
		}
		if p.FileName() == "" {
			var b strings.Builder
			n, err := io.Copy(&b, io.LimitReader(p, budget+1))
			if err != nil {
				return err // a field cut short: the form is too large
			}
			if budget -= n; budget < 0 {
				return multipart.ErrMessageTooLarge
			}
			values[name] = append(values[name], b.String())
			continue
		}
		// No file byte is written for a form whose CSRF token is not
		// known good by now (a page's form sends it first): the reading
		// stops, and checkCSRF refuses the form by the same token.
		sent := r.Header.Get(CSRFHeader)
		if vs := values[CSRFField]; sent == "" && len(vs) > 0 {
			sent = vs[0]
		}
		if !auth.EqualTokens(sent, id.CSRF) {
			return nil
		}
		if id.uploads[name] != nil {
			continue // a second file of one field: the first is kept
		}
		if len(id.uploads) == maxStreamedUploads {
			return multipart.ErrMessageTooLarge
		}
		up, err := saveUpload(p, limit, dir)
		if up != nil {
			if id.uploads == nil {
				id.uploads = map[string]*Upload{}
			}
			id.uploads[name] = up
		}
		if capped(err) {
			return nil
		}
		if err != nil {
			return err
		}
		cutFile = up.TooLarge
	}
}

// saveUpload writes part p to a temporary file in dir, or when it is over
// limit bytes reads it to its end and keeps nothing. The Upload is
// returned whenever anything was read, with the error that stopped the
// reading.
func saveUpload(p *multipart.Part, limit int64, dir string) (*Upload, error) {
	up := &Upload{Filename: p.FileName()}
	f, err := os.CreateTemp(dir, "lodestar-upload-*")
	if err != nil {
		return nil, &diskError{err}
	}
	up.path = f.Name()
	n, err := io.Copy(diskWriter{f}, io.LimitReader(p, limit+1))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = &diskError{cerr}
	}
	up.Size = n
	if n > limit {
		up.TooLarge = true
		os.Remove(up.path)
		up.path = ""
		if err == nil {
			var rest int64
			rest, err = io.Copy(io.Discard, p)
			up.Size += rest
		}
		return up, err
	}
	if err != nil {
		// Cut short: what came is not the file. By the body's cap, the
		// form was larger than the route takes; otherwise nothing is kept.
		os.Remove(up.path)
		up.path = ""
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) {
			return nil, err
		}
		up.TooLarge = true
	}
	return up, err
}

// diskError is a failure to write an upload's temporary file: the
// server's (a full disk, a missing temporary directory), not the form's.
type diskError struct{ err error }

func (e *diskError) Error() string { return "save upload: " + e.err.Error() }
func (e *diskError) Unwrap() error { return e.err }

// diskWriter marks its file's write errors as diskErrors, apart from the
// body's read errors io.Copy gives alike.
type diskWriter struct{ f *os.File }

func (w diskWriter) Write(b []byte) (int, error) {
	n, err := w.f.Write(b)
	if err != nil {
		err = &diskError{err}
	}
	return n, err
}

// removeUploads removes the request's temporary files.
func (id *Identity) removeUploads() {
	for _, up := range id.uploads {
		if up.path != "" {
			os.Remove(up.path)
		}
	}
}
