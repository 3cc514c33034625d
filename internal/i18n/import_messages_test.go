package i18n_test

import (
	"go/ast"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// verb is a fmt verb in a message's format; a "msgpat." shape writes
// each as %s.
var fmtVerb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z]`)

// TestImportMessagesHavePatterns: every message the import formats at run
// time (a row's reason, a mapping's refusal, a read error) has a "msgpat."
// shape in every catalog, so the import page shows it in the reader's
// language. TestEveryMessageTranslated skips formatted messages (they
// have no "msg." key), and most of these reasons were shown in English
// on Chinese pages.
func TestImportMessagesHavePatterns(t *testing.T) {
	catalogs := map[string]map[string]string{}
	for _, loc := range []string{"en", "zh-CN"} {
		catalogs[loc] = readCatalog(t, loc)
	}
	found := 0
	eachSourceCall(t, "../transfer", func(fset *token.FileSet, call *ast.CallExpr) {
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return
		}
		var format ast.Expr
		switch {
		case sel.Sel.Name == "Sprintf" && len(call.Args) >= 1:
			format = call.Args[0]
		case sel.Sel.Name == "Errorf" && len(call.Args) >= 2:
			format = call.Args[1]
		default:
			return
		}
		lit, ok := format.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		msg, err := strconv.Unquote(lit.Value)
		// A message is a sentence with a verb; "%s=%s@%s" (an export
		// cell) and "%s" (a message passed on) are not.
		if err != nil || !strings.Contains(msg, "%") || !strings.Contains(msg, " ") {
			return
		}
		found++
		shape := fmtVerb.ReplaceAllString(msg, "%s")
		for loc, c := range catalogs {
			if _, ok := c["msgpat."+shape]; !ok {
				t.Errorf("%s: %q has no \"msgpat.\" shape %q in the %s catalog", fset.Position(lit.Pos()), msg, shape, loc)
			}
		}
	})
	if found < 20 {
		t.Errorf("found %d formatted messages; the scan has lost its way", found)
	}
}

// TestReadErrorsInChinese: what the CSV reader says about a malformed
// upload reads in Chinese, with no English sentence left but names the
// user gave (quoted) and format names.
func TestReadErrorsInChinese(t *testing.T) {
	b := i18n.MustLoad()
	for _, tc := range []struct{ name, data string }{
		{"utf-16 BOM", "\xff\xfet\x00i\x00"},
		{"unclosed quote", "title,stage\n\"Alpha,idea\nBeta,idea\n"},
		{"unclosed quote on the last line", "title,stage\nAlpha,\"idea\n"},
		{"quote closed lines later", "title,stage\n\"Alpha,idea\nBeta,\"x\"y\n"},
		{"bare quote", "title,stage\nFore\"cast,idea\n"},
		{"text after quote", "title,stage\n\"A\"x,idea\n"},
		{"ragged", "title,stage\nA\n"},
		{"separator tie", "title;stage,x\nA;b,c\n"},
		{"CR alone", "title,stage\rA,idea\rB,idea\r"},
		{"bad utf-8", "title\nA\xff\n"},
		{"NUL", "title\nA\x00\n"},
		{"PDF", "%PDF-1.4\n"},
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"},
		{"bzip2", "BZh91AY&SYx"},
		{"Parquet", "PAR1\x15\x04"},
	} {
		enc := ""
		if tc.name == "bad utf-8" {
			enc = "utf-8"
		}
		_, err := transfer.ReadTable("t.csv", []byte(tc.data), enc, 0)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		en := lodestar.ErrorMessage(err)
		zh := b.Message("zh-CN", en)
		if left := english(zh); left != "" {
			t.Errorf("%s: %q\nreads %q in Chinese: %q is English", tc.name, en, zh, left)
		}
		// The same messages reach the shell (lodestar import, drift): a
		// flag the English names for the remedy is named in Chinese too.
		for _, flag := range regexp.MustCompile(`--[a-z][a-z-]*`).FindAllString(en, -1) {
			if !strings.Contains(zh, flag) {
				t.Errorf("%s: %q\nreads %q in Chinese, without %s", tc.name, en, zh, flag)
			}
		}
	}
}

// english returns the first English word of three letters or more in s,
// once quoted text, command-line flags (--encoding) and the names of
// formats and encodings are set aside.
func english(s string) string {
	s = regexp.MustCompile(`"[^"]*"|“[^”]*”|0x[0-9A-F]+|--[a-z][a-z-]*`).ReplaceAllString(s, "")
	for _, w := range regexp.MustCompile(`[A-Za-z][A-Za-z]{2,}`).FindAllString(s, -1) {
		switch strings.ToLower(w) {
		case "utf", "csv", "xlsx", "pdf", "nul", "excel", "unicode", "gb18030", "windows", "gbk", "kib", "mib", "json", "lf", "crlf", "mac",
			"gzip", "bzip", "zip", "parquet":
			continue
		}
		return w
	}
	return ""
}
