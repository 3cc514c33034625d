package transfer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	lodestar "github.com/lodestar-hq/lodestar"
)

// Encodings are the character encodings a CSV file may be in.
var Encodings = []string{"utf-8", "gb18030", "windows-1252"}

// Table is a file read as a header and rows, each row with the number of
// the line (CSV) or sheet row (XLSX) it came from.
type Table struct {
	Header   []string
	Rows     [][]string
	Lines    []int
	Encoding string // as detected or given ("" for XLSX)
	Sep      rune   // as detected or given (0 for XLSX)
}

// MaxRows bounds one import.
const MaxRows = 50000

// ReadTable reads a CSV or XLSX file. CSV rules: UTF-8 with or without a
// byte-order mark; otherwise GB18030 (which covers GBK) when the bytes
// decode as it with Chinese characters in them, else Windows-1252 (a
// superset of Latin-1) — or the encoding given. The separator is the
// first of comma, semicolon and tab found most often in the header line
// outside quotes, or the one given. Header names are trimmed; a blank one
// becomes "column_N" (N its 1-based position); duplicate names are kept
// and can only be mapped by position ("#N"). Values are kept as written.
func ReadTable(name string, data []byte, enc string, sep rune) (*Table, error) {
	if isXLSX(name, data) {
		return readXLSX(data)
	}
	return readCSV(data, enc, sep)
}

func isXLSX(name string, data []byte) bool {
	return strings.HasSuffix(strings.ToLower(name), ".xlsx") || bytes.HasPrefix(data, []byte("PK\x03\x04"))
}

func decoder(name string) (encoding.Encoding, error) {
	switch strings.ToLower(strings.ReplaceAll(name, "_", "-")) {
	case "utf-8", "utf8":
		return nil, nil
	case "gb18030", "gbk", "gb2312":
		return simplifiedchinese.GB18030, nil
	case "windows-1252", "cp1252", "latin-1", "latin1", "iso-8859-1":
		return charmap.Windows1252, nil
	}
	return nil, lodestar.FieldError("encoding", "Unknown encoding "+strconv.Quote(name)+"; use utf-8, gb18030 (or gbk) or windows-1252 (or latin-1).")
}

// detectEncoding applies the stated rule to the whole file.
func detectEncoding(data []byte) string {
	if utf8.Valid(data) {
		return "utf-8"
	}
	if out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data); err == nil && hasHan(out) {
		return "gb18030"
	}
	return "windows-1252"
}

func hasHan(b []byte) bool {
	for _, r := range string(b) {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

func detectSep(line []byte) rune {
	counts := map[rune]int{}
	inQuote := false
	for _, r := range string(line) {
		switch {
		case r == '"':
			inQuote = !inQuote
		case !inQuote && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{',', ';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

func readCSV(data []byte, enc string, sep rune) (*Table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if enc == "" {
		enc = detectEncoding(data)
	}
	dec, err := decoder(enc)
	if err != nil {
		return nil, err
	}
	text := data
	if dec != nil {
		if text, err = io.ReadAll(transform.NewReader(bytes.NewReader(data), dec.NewDecoder())); err != nil {
			return nil, lodestar.FieldError("encoding", fmt.Sprintf("The file is not valid %s: %v.", enc, err))
		}
	} else if !utf8.Valid(text) {
		return nil, lodestar.FieldError("encoding", "The file is not valid UTF-8; choose its encoding.")
	}
	if sep == 0 {
		first, _, _ := bufio.NewReader(bytes.NewReader(text)).ReadLine()
		sep = detectSep(first)
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.Comma = sep
	r.FieldsPerRecord = 0
	t := &Table{Encoding: enc, Sep: sep}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, lodestar.Errorf(lodestar.EInvalid, "Line %d: %s.", pe.Line, csvReason(pe.Err))
			}
			return nil, lodestar.Errorf(lodestar.EInvalid, "The file could not be read as CSV.")
		}
		line, _ := r.FieldPos(0)
		if t.Header == nil {
			t.Header = cleanHeader(rec)
			continue
		}
		if len(t.Rows) >= MaxRows {
			return nil, lodestar.Errorf(lodestar.EInvalid, "The file has more than %d rows; split it.", MaxRows)
		}
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, line)
	}
	if t.Header == nil {
		return nil, lodestar.Errorf(lodestar.EInvalid, "The file is empty.")
	}
	return t, nil
}

func csvReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrFieldCount):
		return "the row has a different number of fields than the header"
	case errors.Is(err, csv.ErrQuote), errors.Is(err, csv.ErrBareQuote):
		return "a quote is not closed or stands inside an unquoted field"
	}
	return err.Error()
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
	f, err := excelize.OpenReader(bytes.NewReader(data))
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
		rec, err := rows.Columns()
		if err != nil {
			return nil, lodestar.Errorf(lodestar.EInvalid, "Row %d could not be read.", n)
		}
		if t.Header == nil {
			if len(rec) == 0 {
				continue
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
		rec = rec[:len(t.Header)]
		t.Rows = append(t.Rows, rec)
		t.Lines = append(t.Lines, n)
	}
	if t.Header == nil {
		return nil, lodestar.Errorf(lodestar.EInvalid, "The first sheet is empty.")
	}
	return t, nil
}
