package web

import (
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// MaxUpload is the largest spreadsheet the import page takes (10 MiB).
const MaxUpload = 10 << 20

// Importer is the batch write behind the import page; the store has it.
type Importer = transfer.Importer

// importView is what the import template shows at each step: upload,
// mapping, preview, done.
type importView struct {
	Step      string // upload | map | preview
	Name      string
	Data      string // the file, base64, carried between steps so any replica can serve the next
	Encoding  string
	Separator string
	Header    []string
	Fields    []string
	Mapping   map[string]string // field → "#N" or ""
	Create    bool
	Skip      bool
	Table     *transfer.Table
	Result    *transfer.Result
	Encodings []string
}

func (s *Server) importForm(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "import.title", "strategy")
	p.Data = importView{Step: "upload", Encodings: transfer.Encodings}
	s.render(w, r, http.StatusOK, "import", p)
}

// importStep handles every step's POST: the upload, the mapping's
// preview (a dry run) and the commit.
func (s *Server) importStep(w http.ResponseWriter, r *http.Request) {
	v := importView{Encodings: transfer.Encodings, Fields: transfer.Fields, Mapping: map[string]string{},
		Encoding: r.PostFormValue("encoding"), Separator: r.PostFormValue("separator"),
	}
	// The options are checkboxes of the mapping step (the upload step has
	// none): a value no browser sends is refused there, not read as
	// unticked.
	boxes := map[string]string{}
	v.Create = formCheckbox(r, "create_missing", checkboxOn, boxes, "create_missing")
	v.Skip = formCheckbox(r, "skip_invalid", checkboxOn, boxes, "skip_invalid")
	p := s.page(r, "import.title", "strategy")
	fail := func(err error) {
		if c := lodestar.ErrorCode(err); c == lodestar.EInternal {
			s.Error(w, r, err)
			return
		}
		p.Error = lodestar.ErrorMessage(err)
		if v.Step == "" {
			v.Step = "upload"
		}
		p.Data = v
		s.render(w, r, http.StatusBadRequest, "import", p)
	}
	var raw []byte
	if file, hdr, err := r.FormFile("file"); err == nil {
		defer file.Close()
		if hdr.Size > MaxUpload {
			fail(lodestar.Errorf(lodestar.ETooLarge, "The file is larger than 10 MiB."))
			return
		}
		if raw, err = io.ReadAll(io.LimitReader(file, MaxUpload+1)); err != nil || len(raw) > MaxUpload {
			fail(lodestar.Errorf(lodestar.ETooLarge, "The file is larger than 10 MiB."))
			return
		}
		v.Name = hdr.Filename
	} else if data := r.PostFormValue("data"); data != "" {
		if raw, err = base64.StdEncoding.DecodeString(data); err != nil {
			fail(lodestar.Errorf(lodestar.EInvalid, "The upload was damaged; start again."))
			return
		}
		v.Name = r.PostFormValue("name")
	} else {
		fail(lodestar.FieldError("file", "Choose a CSV or XLSX file."))
		return
	}
	v.Data = base64.StdEncoding.EncodeToString(raw)
	if v.Encoding != "" && !slices.Contains(transfer.Encodings, v.Encoding) {
		v.Encoding = ""
	}
	sep := map[string]rune{"comma": ',', "semicolon": ';', "tab": '\t'}[v.Separator]
	t, err := transfer.ReadTable(v.Name, raw, v.Encoding, sep)
	if err != nil {
		fail(err)
		return
	}
	v.Table, v.Header = t, t.Header
	step := r.PostFormValue("step")
	if step == "" || step == "upload" {
		// Propose the mapping the CLI would use: same-named columns.
		for _, f := range transfer.Fields {
			for i, h := range t.Header {
				if strings.EqualFold(h, f) {
					v.Mapping[f] = "#" + strconv.Itoa(i+1)
					break
				}
			}
		}
		v.Step = "map"
		p.Data = v
		httpx.FormNotActedOn(r) // a step: the page may be sent again
		s.render(w, r, http.StatusOK, "import", p)
		return
	}
	// A field the form sends as "" was set to "not imported": it must not
	// fall back to a same-named column. Only a field not sent at all does.
	for _, f := range transfer.Fields {
		if c, sent := r.PostForm["map_"+f]; sent {
			v.Mapping[f] = c[0]
		}
	}
	if len(boxes) > 0 {
		v.Step = "map"
		fail(&lodestar.Error{Code: lodestar.EInvalid, Message: "Tick the box or leave it clear; it takes no other value.", Fields: boxes})
		return
	}
	// Creating business units is a strategy write; the import route itself
	// only needs use-case write.
	if v.Create && !auth.Allowed(httpx.IdentityFrom(r.Context()).Role(), auth.StrategyWrite) {
		v.Step = "map"
		fail(lodestar.FieldError("create_missing", "Your role may not create business units; ask a business owner, or map rows to existing units."))
		return
	}
	opt := transfer.Options{Map: v.Mapping, CreateMissing: v.Create, SkipInvalid: v.Skip, DryRun: step != "commit"}
	res, err := transfer.Import(r.Context(), s.Transfer, s.Importer, t, opt)
	if err != nil {
		v.Step = "map"
		fail(err)
		return
	}
	v.Result = res
	if step == "commit" && res.Created > 0 {
		s.redirect(w, r, "/use-cases?sort=-updated", "flash.imported")
		return
	}
	v.Step = "preview"
	p.Data = v
	httpx.FormNotActedOn(r) // nothing written: the page may be sent again
	s.render(w, r, http.StatusOK, "import", p)
}
