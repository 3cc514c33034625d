package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// JSON bodies of the evidence uploads. The file travels as text in data
// (the CSV) and, for explanations, model (the XGBoost JSON model object);
// the parameters sit beside them. The same fields come as form fields,
// and the files as parts, in a multipart/form-data upload.
type (
	fairnessIn struct {
		Title    string `json:"title"`
		FileName string `json:"file_name"`
		Data     string `json:"data"`
		lodestar.FairnessParams
	}
	explanationIn struct {
		Title         string          `json:"title"`
		ModelFileName string          `json:"model_file_name"`
		DataFileName  string          `json:"data_file_name"`
		Model         json.RawMessage `json:"model"`
		Data          string          `json:"data"`
		lodestar.ExplanationParams
	}
)

// evidenceRoutes are the routes of fairness audits and explanation
// reports: uploads need evidence.write and take up to 32 MiB; reading
// needs model.read.
func (s *Server) evidenceRoutes() []httpx.Route {
	e := s.Evidence
	return []httpx.Route{
		{Method: "POST", Pattern: Prefix + "/model-versions/{id}/fairness-audits", Perm: auth.EvidenceWrite, MaxBody: lodestar.MaxEvidenceUpload,
			Handler: handleID(s, readFairness, func(ctx context.Context, id int64, in fairnessUpload) (*lodestar.FairnessAudit, error) {
				a, err := e.CreateFairnessAudit(ctx, id, in.FairnessAuditInput)
				if in.asJSON {
					err = fileAsData(err)
				}
				return a, err
			}, http.StatusCreated)},
		{Method: "GET", Pattern: Prefix + "/model-versions/{id}/fairness-audits", Perm: auth.ModelRead,
			Handler: handle(s, noInput, listOf(e.ListFairnessAudits), http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/fairness-audits/{id}", Perm: auth.ModelRead, Handler: handleGet(s, e.FindFairnessAuditByID)},
		{Method: "GET", Pattern: Prefix + "/fairness-audits/{id}/export", Perm: auth.ModelRead,
			Handler: s.download(func(r *http.Request, id int64) (*evidence.Download, error) {
				a, err := e.FindFairnessAuditByID(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return evidence.ExportFairness(a, r.URL.Query().Get("format"))
			})},
		{Method: "POST", Pattern: Prefix + "/model-versions/{id}/explanations", Perm: auth.EvidenceWrite, MaxBody: lodestar.MaxEvidenceUpload,
			Handler: handleID(s, readExplanation, e.CreateExplanation, http.StatusCreated)},
		{Method: "GET", Pattern: Prefix + "/model-versions/{id}/explanations", Perm: auth.ModelRead,
			Handler: handle(s, noInput, listOf(e.ListExplanations), http.StatusOK)},
		{Method: "GET", Pattern: Prefix + "/explanations/{id}", Perm: auth.ModelRead, Handler: handleGet(s, e.FindExplanationByID)},
		{Method: "GET", Pattern: Prefix + "/explanations/{id}/export", Perm: auth.ModelRead,
			Handler: s.download(func(r *http.Request, id int64) (*evidence.Download, error) {
				x, err := e.FindExplanationByID(r.Context(), id)
				if err != nil {
					return nil, err
				}
				return evidence.ExportExplanation(x, r.URL.Query().Get("format"))
			})},
	}
}

// listOf answers the evidence of the version {id}, newest first, paged by
// limit and cursor like every list.
func listOf[T any](fn func(ctx context.Context, id int64) ([]T, error)) func(r *http.Request, _ struct{}) (Page[T], error) {
	return func(r *http.Request, _ struct{}) (Page[T], error) {
		id, err := pathID(r)
		if err != nil {
			return Page[T]{}, err
		}
		if err := onlyFilters(r); err != nil {
			return Page[T]{}, err
		}
		items, err := fn(r.Context(), id)
		if err != nil {
			return Page[T]{}, err
		}
		if items == nil {
			items = []T{}
		}
		return pageOfSlice(r, items)
	}
}

// download serves an export as an attachment.
func (s *Server) download(fn func(r *http.Request, id int64) (*evidence.Download, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r)
		if err == nil {
			err = onlyParams(r, "format")
		}
		var d *evidence.Download
		if err == nil {
			d, err = fn(r, id)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		w.Header().Set("Content-Type", d.ContentType)
		w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.FileName}))
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(d.Body)
	}
}

// uploadKind tells a JSON body from a multipart upload, refusing any
// other content type with 415.
func uploadKind(r *http.Request) (string, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && (mt == "application/json" || mt == "multipart/form-data") {
		return mt, nil
	}
	return "", lodestar.Errorf(lodestar.EUnsupported, "Content-Type must be application/json or multipart/form-data.")
}

// parseMultipart reads a multipart upload; a body over the route's limit
// is a 413.
func parseMultipart(r *http.Request) error {
	err := r.ParseMultipartForm(8 << 20)
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mbe):
		return lodestar.Errorf(lodestar.ETooLarge, "The request body is larger than %d bytes.", mbe.Limit)
	}
	return lodestar.Errorf(lodestar.EInvalid, "Malformed multipart/form-data body.")
}

// filePart reads the file part named name (readParts has checked the
// parts); a missing part is empty.
func filePart(r *http.Request, name string) ([]byte, string, error) {
	f, hdr, err := r.FormFile(name)
	if errors.Is(err, http.ErrMissingFile) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", lodestar.FieldError(name, "The file could not be read.")
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, "", lodestar.FieldError(name, "The file could not be read.")
	}
	return b, hdr.Filename, nil
}

// formNames lists the text fields a FromForm reader asks for, in its
// order: the names a multipart upload may send beside its files.
func formNames(read func(get func(string) string)) []string {
	var names []string
	read(func(k string) string {
		if !slices.Contains(names, k) {
			names = append(names, k)
		}
		return ""
	})
	return names
}

// The text fields of the multipart uploads: the title and what the
// evidence package's form readers ask for, so a parameter added there is
// taken here too.
var (
	fairnessFields = append([]string{"title"}, formNames(func(get func(string) string) { evidence.FairnessParamsFromForm(get) })...)
	explainFields  = append([]string{"title"}, formNames(func(get func(string) string) { evidence.ExplanationParamsFromForm(get) })...)
)

// readParts reads a multipart upload of the files and text fields named,
// refusing what a JSON body's decoder refuses: any other part (a
// misspelt "favorable" left the default outcome in force without a
// word), a part given twice (only the first was read), a file where text
// is due or text where a file is, and text that is not UTF-8 or holds
// the NUL character (PostgreSQL cannot store it — a 500 — and SQLite kept
// U+FFFD). Every bad part is named. get returns a text field's value from
// the body only, never from the query string (see noQuery).
func readParts(r *http.Request, files, fields []string) (get func(string) string, err error) {
	if err := parseMultipart(r); err != nil {
		return nil, err
	}
	mf := r.MultipartForm
	bad := map[string]string{}
	takes := strings.Join(append(slices.Clone(files), fields...), ", ")
	for name, vs := range mf.Value {
		switch {
		case slices.Contains(files, name):
			bad[name] = fmt.Sprintf("The upload's part %s must be a file, not a text field.", name)
		case !slices.Contains(fields, name):
			bad[name] = fmt.Sprintf("Unknown field %q; use one of %s.", name, takes)
		case len(vs) > 1:
			bad[name] = fmt.Sprintf("The upload's part %s is given %d times; send it once.", name, len(vs))
		case !utf8.ValidString(vs[0]):
			bad[name] = fmt.Sprintf("The upload's field %s is not valid UTF-8 text.", name)
		case strings.IndexByte(vs[0], 0) >= 0:
			bad[name] = fmt.Sprintf("The upload's field %s holds the NUL character, which text may not.", name)
		}
	}
	for name, fhs := range mf.File {
		switch {
		case slices.Contains(fields, name):
			bad[name] = fmt.Sprintf("The upload's part %s must be a text field, not a file.", name)
		case !slices.Contains(files, name):
			bad[name] = fmt.Sprintf("Unknown field %q; use one of %s.", name, takes)
		case len(fhs) > 1:
			bad[name] = fmt.Sprintf("The upload's part %s is given %d times; send it once.", name, len(fhs))
		case !utf8.ValidString(fhs[0].Filename) || strings.IndexByte(fhs[0].Filename, 0) >= 0:
			bad[name] = fmt.Sprintf("The file name of the upload's part %s is not valid UTF-8 text or holds the NUL character.", name)
		}
	}
	if len(bad) > 0 {
		names := slices.Sorted(maps.Keys(bad))
		return nil, &lodestar.Error{Code: lodestar.EInvalid, Message: bad[names[0]], Fields: bad}
	}
	return func(k string) string {
		if vs := mf.Value[k]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}, nil
}

// noQuery refuses any query parameter on an upload, naming it: the
// parameters are the body's fields, and one sent in the query string
// (?favourable=…) was read on a multipart upload and ignored on a JSON
// one.
func noQuery(r *http.Request) error { return onlyParams(r) }

// fieldErrors is the refusal of a form whose fields do not parse.
func fieldErrors(fields map[string]string) error {
	return &lodestar.Error{Code: lodestar.EInvalid, Message: "The evidence could not be computed; check the fields.", Fields: fields}
}

// unembed names a field of the embedded parameters as the client wrote
// it: encoding/json reports "FairnessParams.bootstrap" for "bootstrap".
func unembed(err error, prefix string) error {
	var le *lodestar.Error
	if !errors.As(err, &le) || len(le.Fields) == 0 {
		return err
	}
	out := &lodestar.Error{Code: le.Code, Message: strings.ReplaceAll(le.Message, prefix, ""), Fields: map[string]string{}}
	for k, v := range le.Fields {
		out.Fields[strings.TrimPrefix(k, prefix)] = strings.ReplaceAll(v, prefix, "")
	}
	return out
}

// fairnessUpload is a fairness audit upload as read, and whether it came
// as a JSON body (the file in data) rather than multipart (part file).
type fairnessUpload struct {
	lodestar.FairnessAuditInput
	asJSON bool
}

// noFileData is what a JSON fairness upload without its CSV text is told.
const noFileData = "Send the CSV text in data: a header line, then one row per decision."

// fileAsData names the refusal of a JSON fairness upload's file as the
// body sent it: data, not the multipart part "file" the evidence service
// names (a JSON client told fields.file "Upload a CSV file…" has no file
// field to fix).
func fileAsData(err error) error {
	var le *lodestar.Error
	if !errors.As(err, &le) {
		return err
	}
	msg, ok := le.Fields["file"]
	if !ok {
		return err
	}
	if msg == "Upload a CSV file with a header line and one row per decision." {
		msg = noFileData
	}
	out := *le
	out.Fields = maps.Clone(le.Fields)
	delete(out.Fields, "file")
	out.Fields["data"] = msg
	if out.Message == le.Fields["file"] {
		out.Message = msg
	}
	return &out
}

// readFairness reads a fairness audit upload: JSON or multipart (part
// "file").
func readFairness(w http.ResponseWriter, r *http.Request) (fairnessUpload, error) {
	in, asJSON, err := readFairnessInput(w, r)
	return fairnessUpload{in, asJSON}, err
}

// readFairnessInput reads a fairness audit upload, saying whether it was
// a JSON body.
func readFairnessInput(w http.ResponseWriter, r *http.Request) (lodestar.FairnessAuditInput, bool, error) {
	var in lodestar.FairnessAuditInput
	if err := noQuery(r); err != nil {
		return in, false, err
	}
	kind, err := uploadKind(r)
	if err != nil {
		return in, false, err
	}
	if kind == "application/json" {
		// A seed left out is the form's and the command line's default,
		// not 0: the same file gives the same intervals however it is
		// sent. An explicit 0 is a seed like any other and stays.
		body := fairnessIn{FairnessParams: lodestar.FairnessParams{Seed: evidence.DefaultSeed}}
		if err := httpx.DecodeJSON(w, r, &body, lodestar.MaxEvidenceUpload); err != nil {
			return in, true, unembed(err, "FairnessParams.")
		}
		return lodestar.FairnessAuditInput{Title: body.Title, FileName: body.FileName, Data: []byte(body.Data), Params: body.FairnessParams}, true, nil
	}
	get, err := readParts(r, []string{"file"}, fairnessFields)
	if err != nil {
		return in, false, err
	}
	var fields map[string]string
	in.Params, fields = evidence.FairnessParamsFromForm(get)
	if in.Data, in.FileName, err = filePart(r, "file"); err != nil {
		return in, false, err
	}
	if len(fields) > 0 {
		return in, false, fieldErrors(fields)
	}
	in.Title = get("title")
	return in, false, nil
}

// readExplanation reads an explanation upload: JSON or multipart (parts
// "model" and "data").
func readExplanation(w http.ResponseWriter, r *http.Request) (lodestar.ExplanationInput, error) {
	var in lodestar.ExplanationInput
	if err := noQuery(r); err != nil {
		return in, err
	}
	kind, err := uploadKind(r)
	if err != nil {
		return in, err
	}
	if kind == "application/json" {
		var body explanationIn
		if err := httpx.DecodeJSON(w, r, &body, lodestar.MaxEvidenceUpload); err != nil {
			return in, unembed(err, "ExplanationParams.")
		}
		return lodestar.ExplanationInput{Title: body.Title, ModelFileName: body.ModelFileName, Model: body.Model,
			DataFileName: body.DataFileName, Data: []byte(body.Data), Params: body.ExplanationParams}, nil
	}
	get, err := readParts(r, []string{"model", "data"}, explainFields)
	if err != nil {
		return in, err
	}
	var fields map[string]string
	in.Params, fields = evidence.ExplanationParamsFromForm(get)
	if in.Model, in.ModelFileName, err = filePart(r, "model"); err != nil {
		return in, err
	}
	if in.Data, in.DataFileName, err = filePart(r, "data"); err != nil {
		return in, err
	}
	if len(fields) > 0 {
		return in, fieldErrors(fields)
	}
	in.Title = get("title")
	return in, nil
}
