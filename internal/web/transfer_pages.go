package web

import (
	"io"
	"net/http"
	"slices"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// TransferServices is what the import and export pages need; the store
// provides it.
type TransferServices = transfer.Services

// useCaseExport streams the filtered use-case list as a download.
func (s *Server) useCaseExport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if !slices.Contains(transfer.Formats, format) {
		s.Error(w, r, lodestar.FieldError("format", "Format must be csv, xlsx or json."))
		return
	}
	f := useCaseFilterFrom(r.URL.Query())
	ctype := map[string]string{"csv": "text/csv; charset=utf-8", "json": "application/json",
		"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[format]
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="lodestar-use-cases-`+time.Now().UTC().Format("20060102")+"."+format+`"`)
	w.Header().Set("Cache-Control", "no-store")
	dw := &downloadWriter{ResponseWriter: w}
	var err error
	if format == "csv" {
		// A byte-order mark, so that Excel reads the names as UTF-8; the
		// import skips it, so the file imports back as it is.
		_, err = io.WriteString(dw, evidence.BOM)
	}
	if err == nil {
		_, err = transfer.Export(r.Context(), s.Transfer, f, format, dw)
	}
	if err == nil {
		err = dw.finish()
	}
	if err != nil {
		s.failDownload(dw, r, "export", err)
	}
}
