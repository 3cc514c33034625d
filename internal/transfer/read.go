package transfer

import (
	"bytes"
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
	return readCSV(data, enc, sep)
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
