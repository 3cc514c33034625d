package transfer_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// fixture reads a file of testdata/ (made by testdata/make_fixtures.py).
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read fixture: %v (regenerate with /usr/bin/python3 internal/transfer/testdata/make_fixtures.py)", err)
	}
	return b
}

// xlsxFile builds a workbook whose first sheet holds rows, row i+1 of the
// sheet from rows[i]; a nil row leaves that sheet row empty. Extra sheets
// after the first are named "Other", "Other2", ….
func xlsxFile(t testing.TB, rows [][]any, extraSheets ...[][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	// The stream writer, since SetSheetRow takes seconds for MaxRows
	// rows under -race.
	write := func(sheet string, rows [][]any) {
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if r == nil {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(1, i+1)
			if err != nil {
				t.Fatal(err)
			}
			if err := sw.SetRow(cell, r); err != nil {
				t.Fatalf("SetRow: %v", err)
			}
		}
		if err := sw.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	write("Sheet1", rows)
	for i, extra := range extraSheets {
		name := "Other"
		if i > 0 {
			name = fmt.Sprintf("Other%d", i+1)
		}
		if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		write(name, extra)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatalf("write xlsx: %v", err)
	}
	return buf.Bytes()
}

// csvRows returns a CSV with header h and n numbered rows.
func csvRows(h string, n int) []byte {
	var b bytes.Buffer
	b.WriteString(h + "\n")
	for i := range n {
		fmt.Fprintf(&b, "row %d\n", i+1)
	}
	return b.Bytes()
}

func TestReadTable(t *testing.T) {
	t.Parallel()
	type want struct {
		header []string
		rows   [][]string
		lines  []int
		enc    string
		sep    rune
	}
	const bom = "\xef\xbb\xbf"
	// The fixtures' expected text, as the Python script encodes it.
	gbk := want{
		header: []string{"标题", "业务单元", "阶段", "描述"},
		rows:   [][]string{{"智能客服", "客户服务", "试点", "缩短响应时间，提升满意度"}, {"预测性维护", "制造", "构想", "减少非计划停机"}},
		lines:  []int{2, 3}, enc: "gb18030", sep: ',',
	}
	gb18030 := want{
		header: []string{"标题", "业务单元", "价值"},
		rows:   [][]string{{"𠮷野家门店选址", "零售", "€500万"}, {"供应链需求预测", "物流", "300万"}},
		lines:  []int{2, 3}, enc: "gb18030", sep: ';',
	}
	cp1252 := want{
		header: []string{"title", "description", "cost"},
		rows:   [][]string{{"Café crème", "Prévision für Müller", "€ 1200"}, {"Zürich Lager", "Größe der Lieferung", "€ 300"}},
		lines:  []int{2, 3}, enc: "windows-1252", sep: ';',
	}
	latin1 := want{
		header: []string{"title", "city", "note"},
		rows:   [][]string{{"Müller", "Zürich", "Genève"}, {"Ölmühle", "Köln", "Süß"}},
		lines:  []int{2, 3}, enc: "windows-1252", sep: '\t',
	}
	withEnc := func(w want, enc string) want { w.enc = enc; return w }
	simple := func(sep rune, lines ...int) want {
		rows := [][]string{{"Chatbot", "idea"}, {"Forecast", "pilot"}}
		return want{header: []string{"title", "stage"}, rows: rows[:len(lines)], lines: lines, enc: "utf-8", sep: sep}
	}
	cases := []struct {
		name    string
		file    string // the name ReadTable sees
		data    []byte
		enc     string
		sep     rune
		want    want
		wantErr string // substring of the error; "" for success
	}{
		// Encodings.
		{"utf-8 without BOM", "a.csv", []byte("title,stage\nChatbot,idea\nForecast,pilot\n"), "", 0, simple(',', 2, 3), ""},
		{"utf-8 with BOM", "a.csv", []byte(bom + "title,stage\nChatbot,idea\nForecast,pilot\n"), "", 0, simple(',', 2, 3), ""},
		{"utf-8 with BOM given as utf-8", "a.csv", []byte(bom + "title,stage\nChatbot,idea\nForecast,pilot\n"), "utf-8", 0, simple(',', 2, 3), ""},
		{"utf-8 Chinese with BOM", "a.csv", []byte(bom + "标题,阶段\n智能客服,试点\n"), "", 0,
			want{header: []string{"标题", "阶段"}, rows: [][]string{{"智能客服", "试点"}}, lines: []int{2}, enc: "utf-8", sep: ','}, ""},
		{"gbk detected", "gbk.csv", fixture(t, "gbk.csv"), "", 0, gbk, ""},
		{"gbk given as gbk", "gbk.csv", fixture(t, "gbk.csv"), "gbk", 0, withEnc(gbk, "gbk"), ""},
		{"gbk given as GB2312", "gbk.csv", fixture(t, "gbk.csv"), "GB2312", 0, withEnc(gbk, "gbk"), ""},
		{"gbk given as gb18030", "gbk.csv", fixture(t, "gbk.csv"), "gb18030", 0, gbk, ""},
		{"gb18030 four-byte character detected", "gb.csv", fixture(t, "gb18030.csv"), "", 0, gb18030, ""},
		{"gb18030 given", "gb.csv", fixture(t, "gb18030.csv"), "GB18030", 0, gb18030, ""},
		{"windows-1252 detected", "w.csv", fixture(t, "cp1252.csv"), "", 0, cp1252, ""},
		{"windows-1252 given", "w.csv", fixture(t, "cp1252.csv"), "windows-1252", 0, cp1252, ""},
		{"windows-1252 given as cp1252", "w.csv", fixture(t, "cp1252.csv"), "cp1252", 0, cp1252, ""},
		{"latin-1 detected", "l.csv", fixture(t, "latin1.csv"), "", 0, latin1, ""},
		{"latin-1 given", "l.csv", fixture(t, "latin1.csv"), "latin-1", 0, withEnc(latin1, "iso-8859-1"), ""},
		{"latin-1 given as ISO-8859-1", "l.csv", fixture(t, "latin1.csv"), "ISO-8859-1", 0, withEnc(latin1, "iso-8859-1"), ""},
		{"utf-8 given on gbk bytes", "gbk.csv", fixture(t, "gbk.csv"), "utf-8", 0, want{}, "not valid utf-8"},
		{"utf-8 given on latin-1 bytes", "l.csv", fixture(t, "latin1.csv"), "utf8", 0, want{}, "not valid utf-8"},
		{"unknown encoding", "a.csv", []byte("title\nx\n"), "ebcdic", 0, want{}, `"ebcdic"`},

		// Separators.
		{"semicolon detected", "a.csv", []byte("title;stage\nChatbot;idea\n"), "", 0, simple(';', 2), ""},
		{"tab detected", "a.tsv", []byte("title\tstage\nChatbot\tidea\n"), "", 0, simple('\t', 2), ""},
		{"comma detected despite quoted semicolons and tabs", "a.csv", []byte("\"a;b;c\",x,\"d\te\tf\"\n1,2,3\n"), "", 0,
			want{header: []string{"a;b;c", "x", "d\te\tf"}, rows: [][]string{{"1", "2", "3"}}, lines: []int{2}, enc: "utf-8", sep: ','}, ""},
		{"semicolon detected despite quoted commas", "a.csv", []byte("\"Cost, in EUR, per year, net\";title\n\"1,5\";x\n"), "", 0,
			want{header: []string{"Cost, in EUR, per year, net", "title"}, rows: [][]string{{"1,5", "x"}}, lines: []int{2}, enc: "utf-8", sep: ';'}, ""},
		{"tab detected despite quoted commas", "a.tsv", []byte("\"a,b\"\t\"c,d\"\nx\ty\n"), "", 0,
			want{header: []string{"a,b", "c,d"}, rows: [][]string{{"x", "y"}}, lines: []int{2}, enc: "utf-8", sep: '\t'}, ""},
		{"separator tie refused", "a.csv", []byte("title;stage,x\nChatbot;idea,y\n"), "", 0, want{}, "separator"},
		{"separator given overrides detection", "a.csv", []byte("title;stage,x\nChatbot;idea,y\n"), "", ';',
			want{header: []string{"title", "stage,x"}, rows: [][]string{{"Chatbot", "idea,y"}}, lines: []int{2}, enc: "utf-8", sep: ';'}, ""},

		// Lines and quoting.
		{"CRLF line endings", "a.csv", []byte("title,stage\r\nChatbot,idea\r\nForecast,pilot\r\n"), "", 0, simple(',', 2, 3), ""},
		{"no final newline", "a.csv", []byte("title,stage\nChatbot,idea\nForecast,pilot"), "", 0, simple(',', 2, 3), ""},
		{"quoted newlines and quotes keep line numbers", "a.csv",
			[]byte("title,description\n\"A\",\"first\nsecond\nthird\"\nB,\"say \"\"hi\"\", twice\"\n\"C\r\nD\",x\r\nE,y\n"), "", 0,
			want{header: []string{"title", "description"},
				rows:  [][]string{{"A", "first\nsecond\nthird"}, {"B", `say "hi", twice`}, {"C\nD", "x"}, {"E", "y"}},
				lines: []int{2, 5, 6, 8}, enc: "utf-8", sep: ','}, ""},
		{"blank lines skipped, numbers kept", "a.csv", []byte("title,stage\n\nChatbot,idea\n\n\nForecast,pilot\n"), "", 0, simple(',', 3, 6), ""},
		{"values kept as written", "a.csv", []byte("title,stage\n  padded  , idea \n"), "", 0,
			want{header: []string{"title", "stage"}, rows: [][]string{{"  padded  ", " idea "}}, lines: []int{2}, enc: "utf-8", sep: ','}, ""},

		// Header rules.
		{"blank header names become column_N", "a.csv", []byte("title,,  ,stage\na,b,c,d\n"), "", 0,
			want{header: []string{"title", "column_2", "column_3", "stage"}, rows: [][]string{{"a", "b", "c", "d"}}, lines: []int{2}, enc: "utf-8", sep: ','}, ""},
		{"header names trimmed, duplicates kept", "a.csv", []byte(" title ,Tag,tag\na,b,c\n"), "", 0,
			want{header: []string{"title", "Tag", "tag"}, rows: [][]string{{"a", "b", "c"}}, lines: []int{2}, enc: "utf-8", sep: ','}, ""},
		{"header only", "a.csv", []byte("title,stage\n"), "", 0, want{header: []string{"title", "stage"}, enc: "utf-8", sep: ','}, ""},

		// Failures.
		{"ragged row: too few fields", "a.csv", []byte("title,stage\nChatbot,idea\nForecast\nX,idea\n"), "", 0, want{}, "line 3:"},
		{"ragged row: too many fields", "a.csv", []byte("title,stage\nChatbot,idea\nForecast,pilot,extra\n"), "", 0, want{}, "line 3:"},
		{"ragged row after a multi-line field", "a.csv", []byte("title,stage\n\"A\nB\",idea\nC\n"), "", 0, want{}, "line 4:"},
		{"unterminated quote", "a.csv", []byte("title,stage\nChatbot,idea\n\"Forecast,pilot\nX,idea\nY,idea\n"), "", 0, want{}, "line 3:"},
		{"bare quote in unquoted field", "a.csv", []byte("title,stage\nChatbot,idea\nFore\"cast,pilot\n"), "", 0, want{}, "line 3:"},
		{"text after closing quote", "a.csv", []byte("title,stage\n\"Chatbot\"x,idea\n"), "", 0, want{}, "line 2:"},
		{"empty file", "a.csv", nil, "", 0, want{}, "empty"},
		{"BOM only", "a.csv", []byte(bom), "", 0, want{}, "empty"},
		{"blank lines only", "a.csv", []byte("\n\r\n\n"), "", 0, want{}, "empty"},
		// Files that are not CSV text, whatever their name, are named for
		// what they are (they read as a garbled header before).
		{"PDF renamed .csv", "a.csv", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n"), "", 0, want{}, "is a PDF document"},
		{"old Excel .xls renamed .csv", "a.csv", append([]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), make([]byte, 64)...), "", 0, want{}, "Excel 97"},
		{"gzip file, small (its header is mostly NUL bytes)", "a.csv", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03+\xc9,\xc9I\xe5\x02\x00"), "", 0, want{}, "the file is gzip-compressed, not text; decompress it first"},
		{"Parquet renamed .csv", "a.csv", []byte("PAR1\x15\x04\x15\x10"), "", 0, want{}, "the file is Parquet"},
		{"UTF-16 without a byte-order mark", "a.csv", []byte("t\x00i\x00t\x00l\x00e\x00\n\x00A\x00\n\x00"), "", 0, want{}, "UTF-16"},
		{"UTF-16 big-endian without a byte-order mark", "a.csv", []byte("\x00t\x00i\x00t\x00l\x00e\x00\n\x00A\x00\n"), "", 0, want{}, "UTF-16"},
		{"NUL byte in a field", "a.csv", []byte("title,stage\nChatbot,idea\nFore\x00cast,pilot\n"), "", 0, want{}, "Line 3, byte 5"},
		{"JSON array", "export.csv", []byte("[\n{\"id\": 1, \"title\": \"x\"}\n]\n"), "", 0, want{}, "JSON"},
		{"JSON by its name", "export.json", []byte("title\nx\n"), "", 0, want{}, "JSON"},
		{"JSON object", "a.csv", []byte("\xef\xbb\xbf {\"title\": \"x\"}"), "", 0, want{}, "JSON"},
		{"a bracket header that is not JSON stays CSV", "a.csv", []byte("[title],stage\nx,idea\n"), "", 0,
			want{header: []string{"[title]", "stage"}, rows: [][]string{{"x", "idea"}}, lines: []int{2}, enc: "utf-8", sep: ','}, ""},
		{"rows at the limit", "a.csv", csvRows("title", transfer.MaxRows), "", 0, want{}, ""},
		{"rows over the limit", "a.csv", csvRows("title", transfer.MaxRows+1), "", 0, want{}, fmt.Sprintf("more than %d rows", transfer.MaxRows)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := transfer.ReadTable(tc.file, tc.data, tc.enc, tc.sep)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("ReadTable: got no error and %d rows, want an error containing %q", len(got.Rows), tc.wantErr)
				}
				if msg := errMessage(err); !strings.Contains(strings.ToLower(msg), strings.ToLower(tc.wantErr)) {
					t.Fatalf("ReadTable: got error %q, want it to contain %q", msg, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadTable: got error %q, want none", errMessage(err))
			}
			if strings.HasPrefix(tc.name, "rows at the limit") {
				if len(got.Rows) != transfer.MaxRows || got.Lines[len(got.Lines)-1] != transfer.MaxRows+1 {
					t.Errorf("got %d rows ending at line %d, want %d ending at line %d", len(got.Rows), got.Lines[len(got.Lines)-1], transfer.MaxRows, transfer.MaxRows+1)
				}
				return
			}
			checkTable(t, got, tc.want.header, tc.want.rows, tc.want.lines)
			if got.Encoding != tc.want.enc {
				t.Errorf("encoding: got %q, want %q", got.Encoding, tc.want.enc)
			}
			if got.Sep != tc.want.sep {
				t.Errorf("separator: got %q, want %q", got.Sep, tc.want.sep)
			}
		})
	}
}

// checkTable compares a table's header, rows and line numbers.
func checkTable(t *testing.T, got *transfer.Table, header []string, rows [][]string, lines []int) {
	t.Helper()
	if !slices.Equal(got.Header, header) {
		t.Errorf("header: got %q, want %q", got.Header, header)
	}
	if len(got.Rows) != len(rows) {
		t.Errorf("rows: got %d %q, want %d %q", len(got.Rows), got.Rows, len(rows), rows)
	} else {
		for i := range rows {
			if !slices.Equal(got.Rows[i], rows[i]) {
				t.Errorf("row %d: got %q, want %q", i, got.Rows[i], rows[i])
			}
		}
	}
	if !slices.Equal(got.Lines, lines) {
		t.Errorf("lines: got %v, want %v", got.Lines, lines)
	}
	if len(got.Lines) != len(got.Rows) {
		t.Errorf("got %d line numbers for %d rows", len(got.Lines), len(got.Rows))
	}
}

func TestReadTableXLSX(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		file    string
		data    []byte
		header  []string
		rows    [][]string
		lines   []int
		wantErr string
	}{
		{"header and rows", "u.xlsx",
			xlsxFile(t, [][]any{{"title", "stage", "value_estimate"}, {"Chatbot", "idea", 1200}, {"智能客服", "pilot", 3.5}}),
			[]string{"title", "stage", "value_estimate"}, [][]string{{"Chatbot", "idea", "1200"}, {"智能客服", "pilot", "3.5"}}, []int{2, 3}, ""},
		{"short rows padded", "u.xlsx",
			xlsxFile(t, [][]any{{"title", "stage", "tags"}, {"Chatbot"}, {"Forecast", "pilot"}}),
			[]string{"title", "stage", "tags"}, [][]string{{"Chatbot", "", ""}, {"Forecast", "pilot", ""}}, []int{2, 3}, ""},
		{"blank header cells", "u.xlsx",
			xlsxFile(t, [][]any{{"title", nil, "stage"}, {"a", "b", "c"}}),
			[]string{"title", "column_2", "stage"}, [][]string{{"a", "b", "c"}}, []int{2}, ""},
		{"sheet row numbers kept across empty rows", "u.xlsx",
			xlsxFile(t, [][]any{nil, {"title"}, {"a"}, nil, nil, {"b"}}),
			[]string{"title"}, [][]string{{"a"}, {""}, {""}, {"b"}}, []int{3, 4, 5, 6}, ""},
		{"detected by content whatever the name", "upload.bin",
			xlsxFile(t, [][]any{{"title"}, {"a"}}), []string{"title"}, [][]string{{"a"}}, []int{2}, ""},
		{"first sheet only", "u.xlsx",
			xlsxFile(t, [][]any{{"title"}, {"a"}}, [][]any{{"other"}, {"b"}, {"c"}}), []string{"title"}, [][]string{{"a"}}, []int{2}, ""},
		{"header only", "u.xlsx", xlsxFile(t, [][]any{{"title", "stage"}}), []string{"title", "stage"}, nil, nil, ""},
		{"empty cells beyond the header are fine", "u.xlsx",
			xlsxFile(t, [][]any{{"title"}, {"a", "", ""}}), []string{"title"}, [][]string{{"a"}}, []int{2}, ""},
		{"values beyond the header", "u.xlsx",
			xlsxFile(t, [][]any{{"title", "stage"}, {"a", "idea"}, {"b", "idea", "stray"}}), nil, nil, nil, "Row 3 "},
		{"empty sheet", "u.xlsx", xlsxFile(t, nil), nil, nil, nil, "empty"},
		{"corrupt workbook", "u.xlsx", []byte("this is not a zip archive"), nil, nil, nil, "not a readable XLSX"},
		{"truncated workbook", "u.xlsx", xlsxFile(t, [][]any{{"title"}, {"a"}})[:200], nil, nil, nil, "not a readable XLSX"},
		{"zip that is no workbook", "u.csv", []byte("PK\x03\x04garbage"), nil, nil, nil, "not a readable XLSX"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := transfer.ReadTable(tc.file, tc.data, "", 0)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("ReadTable: got no error, want one containing %q", tc.wantErr)
				}
				if msg := errMessage(err); !strings.Contains(msg, tc.wantErr) {
					t.Fatalf("ReadTable: got error %q, want it to contain %q", msg, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadTable: got error %q, want none", errMessage(err))
			}
			checkTable(t, got, tc.header, tc.rows, tc.lines)
			if got.Encoding != "" || got.Sep != 0 {
				t.Errorf("XLSX: got encoding %q separator %q, want none", got.Encoding, got.Sep)
			}
		})
	}
}

// TestReadTableXLSXMaxRows: a sheet over the limit is refused. (Reading
// 50,000 rows takes seconds under -race, so the CSV tests check that the
// limit itself is accepted.)
func TestReadTableXLSXMaxRows(t *testing.T) {
	t.Parallel()
	_, err := transfer.ReadTable("big.xlsx", bigXLSX(t, transfer.MaxRows+1), "", 0)
	if want := fmt.Sprintf("more than %d rows", transfer.MaxRows); err == nil || !strings.Contains(errMessage(err), want) {
		t.Fatalf("ReadTable with %d rows: got error %v, want one containing %q", transfer.MaxRows+1, err, want)
	}
	// The same builder under the limit gives a readable sheet.
	got, err := transfer.ReadTable("small.xlsx", bigXLSX(t, 3), "", 0)
	if err != nil {
		t.Fatalf("ReadTable with 3 rows: %v", errMessage(err))
	}
	checkTable(t, got, []string{"title"}, [][]string{{"1"}, {"2"}, {"3"}}, []int{2, 3, 4})
}

// bigXLSX writes a workbook of a "title" header and n numbered rows by
// hand: excelize's writers take seconds for that many rows under -race.
func bigXLSX(t *testing.T, n int) []byte {
	t.Helper()
	var sheet strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>title</t></is></c></row>`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&sheet, `<row><c><v>%d</v></c></row>`, i)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`</Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>` +
			`</Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`</Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet.String()},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// errMessage is the user-facing message of err, or its text when it is
// not a *lodestar.Error.
func errMessage(err error) string {
	if lodestar.ErrorCode(err) == lodestar.EInternal {
		return err.Error()
	}
	return lodestar.ErrorMessage(err)
}
