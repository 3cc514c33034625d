package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// Encodings are the character encodings a CSV file may be in.
var Encodings = []string{tabular.UTF8, tabular.GB18030, tabular.GBK, tabular.Windows1252, tabular.Latin1}

// Table is a file read as a header and rows, each row with the number of
// the line (CSV) or sheet row (XLSX) it came from.
type Table struct {
	Header   []string
	Rows     [][]string
	Lines    []int
	Encoding string // as detected or given ("" for XLSX)
	Sep      rune   // as detected or given (0 for XLSX)
}

// MaxColumns bounds an XLSX header.
const MaxColumns = 500

// MaxRows bounds one import.
const MaxRows = 50000

// ReadTable reads a CSV or XLSX file. CSV follows internal/tabular's
// rules (encoding and separator detected unless given, blank headers
// become column_N, duplicates must be selected by position); XLSX reads
// the first sheet with the same header rules. Values are kept as written.
func ReadTable(name string, data []byte, enc string, sep rune) (*Table, error) {
	if isXLSX(name, data) {
		return readXLSX(data)
	}
	if err := notText(name, data); err != nil {
		return nil, err
	}
	return readCSV(data, enc, sep)
}

// notText refuses, by what they are, files that are not delimited text
// whatever they are called: a PDF, an Excel 97–2003 workbook, UTF-16
// without a byte-order mark, a JSON export, anything holding a NUL byte.
// Read as CSV, they gave a garbled header and "no column gives the title",
// or their NUL bytes reached the database (PostgreSQL refuses them in
// text), so the user never learnt what was wrong with the file.
func notText(name string, data []byte) error {
	lower := strings.ToLower(name)
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")) || strings.HasSuffix(lower, ".pdf"):
		return lodestar.Errorf(lodestar.EInvalid, "The file is a PDF document, not a table; export the table as CSV or XLSX.")
	case bytes.HasPrefix(data, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")) || strings.HasSuffix(lower, ".xls"):
		return lodestar.Errorf(lodestar.EInvalid, "The file is an Excel 97–2003 workbook (.xls), which import does not read; save it as XLSX or CSV UTF-8.")
	case strings.HasSuffix(lower, ".json") || isJSON(data):
		return lodestar.Errorf(lodestar.EInvalid, "The file is JSON; import reads CSV or XLSX (export with the CSV or XLSX format to import again).")
	}
	// Compressed files (whose headers hold NUL bytes) by their format.
	if what := tabular.BinaryFormat(data); what != "" {
		return lodestar.Errorf(lodestar.EInvalid, "%s", what)
	}
	i := bytes.IndexByte(data, 0)
	if i < 0 {
		return nil
	}
	// ASCII text in UTF-16 is every other byte NUL, with or without a
	// byte-order mark.
	if n := min(len(data), 512); bytes.Count(data[:n], []byte{0}) >= n/4 {
		return lodestar.Errorf(lodestar.EInvalid, "The file looks like UTF-16 text (Excel's \"Unicode text\"); save it as CSV UTF-8.")
	}
	line := bytes.Count(data[:i], []byte{'\n'}) + 1
	col := i - (bytes.LastIndexByte(data[:i], '\n') + 1) + 1
	return lodestar.Errorf(lodestar.EInvalid, "Line %d, byte %d: the file holds a NUL byte, which text never does; it is binary or damaged. Save the table again as CSV UTF-8.", line, col)
}

// isJSON reports whether data (after a BOM and white space) is a JSON
// array or object: a lodestar export --format json. A CSV header that
// merely starts with a bracket is not valid JSON.
func isJSON(data []byte) bool {
	t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	return len(t) > 0 && (t[0] == '[' || t[0] == '{') && json.Valid(t)
}

func isXLSX(name string, data []byte) bool {
	return strings.HasSuffix(strings.ToLower(name), ".xlsx") || bytes.HasPrefix(data, []byte("PK\x03\x04"))
}

// readCSV reads delimited text with the shared reader's rules (see
// internal/tabular): encoding and separator detection, header clean-up,
// errors that name the line.
func readCSV(data []byte, enc string, sep rune) (*Table, error) {
	r, err := tabular.Open(bytes.NewReader(data), tabular.Options{Encoding: enc, Separator: sep})
	if err != nil {
		return nil, tableError(err)
	}
	t := &Table{Header: r.Header(), Encoding: r.Encoding(), Sep: r.Separator()}
	for {
		rec, line, err := r.Next()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, tableError(err)
		}
		if len(t.Rows) >= MaxRows {
			return nil, lodestar.Errorf(lodestar.EInvalid, "The file has more than %d rows; split it.", MaxRows)
		}
		// Next reuses its slice: keep a copy, or every row becomes the last.
		t.Rows = append(t.Rows, slices.Clone(rec))
		t.Lines = append(t.Lines, line)
	}
}

// tableError turns the reader's error into one a user can act on; its
// message names the line and column.
func tableError(err error) error {
	switch {
	case errors.Is(err, tabular.ErrOption):
		return lodestar.FieldError("encoding", err.Error())
	case errors.Is(err, tabular.ErrEmpty):
		return lodestar.Errorf(lodestar.EInvalid, "The file is empty.")
	}
	return lodestar.Errorf(lodestar.EInvalid, "%s", err.Error())
}

func cleanHeader(rec []string) []string {
	h := make([]string, len(rec))
	for i, c := range rec {
		c = strings.TrimSpace(c)
		if c == "" {
			c = "column_" + strconv.Itoa(i+1)
		}
		h[i] = c
	}
	return h
}

func readXLSX(data []byte) (*Table, error) {
	// Bound what the zip may inflate to, so a small upload cannot balloon
	// into gigabytes (a zip bomb).
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 256 << 20, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		return nil, lodestar.Errorf(lodestar.EInvalid, "The file is not a readable XLSX workbook.")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, lodestar.Errorf(lodestar.EInvalid, "The workbook has no sheets.")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, lodestar.Errorf(lodestar.EInvalid, "The first sheet could not be read.")
	}
	defer rows.Close()
	t := &Table{}
	n := 0
	for rows.Next() {
		n++
		// Raw values: the General format's display text rounds numbers
		// of 16 digits or more ("1.23456789012346E+15").
		rec, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, lodestar.Errorf(lodestar.EInvalid, "Row %d could not be read.", n)
		}
		if t.Header == nil {
			if len(rec) == 0 {
				continue
			}
			if len(rec) > MaxColumns {
				return nil, lodestar.Errorf(lodestar.EInvalid, "The sheet has more than %d columns.", MaxColumns)
			}
			t.Header = cleanHeader(rec)
			continue
		}
		if len(t.Rows) >= MaxRows {
			return nil, lodestar.Errorf(lodestar.EInvalid, "The file has more than %d rows; split it.", MaxRows)
		}
		for len(rec) < len(t.Header) {
			rec = append(rec, "")
		}
		for _, extra := range rec[len(t.Header):] {
			if strings.TrimSpace(extra) != "" {
				return nil, lodestar.Errorf(lodestar.EInvalid, "Row %d has values beyond the last named column.", n)
			}
		}
		// Copy: a row with a far-off cell keeps a huge backing array.
		rec = slices.Clone(rec[:len(t.Header)])
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, n)
	}
	if t.Header == nil {
		return nil, lodestar.Errorf(lodestar.EInvalid, "The first sheet is empty.")
	}
	return t, nil
}
