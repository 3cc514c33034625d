package i18n_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// uiPackages are the packages whose error messages reach the web UI (as a
// page's message or a field's), which shows each through its "msg." key,
// and the API's (internal/api, internal/httpx), which a client asking for
// Chinese reads translated.
// The API's own messages are English unless a request's Accept-Language
// asks for Chinese (httpx.WriteJSONError then translates those the
// catalogs hold: "msgpat." shapes for the formatted ones); the command
// line's are English by design.
var uiPackages = []string{"../api", "../httpx", "../..", "../store", "../web", "../transfer", "../evidence", "../monitoring"}

// TestEveryMessageTranslated finds the messages these packages write —
// a lodestar.Error's Message, a value put in a fields map, the message of
// FieldError or Errorf (when it has no formatting verb: a formatted one
// has no key) — and checks that each has a "msg." key in every catalog.
// Formatted messages are checked by their shapes: the import's by
// TestImportMessagesHavePatterns, the evidence service's and the fairness
// and explain engines' by TestEvidenceMessagesTranslated.
func TestEveryMessageTranslated(t *testing.T) {
	catalogs := map[string]map[string]string{}
	for _, loc := range []string{"en", "zh-CN"} {
		catalogs[loc] = readCatalog(t, loc)
	}
	fset := token.NewFileSet()
	found := 0
	for _, dir := range uiPackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", dir, err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(fset, name, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			check := func(e ast.Expr) {
				lit, ok := e.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return
				}
				msg, err := strconv.Unquote(lit.Value)
				if err != nil || strings.Contains(msg, "%") {
					return
				}
				found++
				for loc, c := range catalogs {
					if _, ok := c["msg."+msg]; !ok {
						t.Errorf("%s: %q has no \"msg.\" key in the %s catalog", fset.Position(lit.Pos()), msg, loc)
					}
				}
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.AssignStmt:
					for i, l := range x.Lhs {
						if ix, ok := l.(*ast.IndexExpr); ok && i < len(x.Rhs) {
							if id, ok := ix.X.(*ast.Ident); ok && id.Name == "fields" {
								check(x.Rhs[i])
							}
						}
					}
				case *ast.KeyValueExpr:
					if id, ok := x.Key.(*ast.Ident); ok && id.Name == "Message" {
						check(x.Value)
					}
				case *ast.CallExpr:
					if sel, ok := x.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "FieldError" || sel.Sel.Name == "Errorf") && len(x.Args) >= 2 {
						check(x.Args[1])
					}
				}
				return true
			})
		}
	}
	if found < 100 {
		t.Errorf("found %d messages; the scan has lost its way", found)
	}
}
