package i18n_test

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// sourceMessage is a message a package writes: its text as written, and
// whether it is a format (its verbs are filled in at run time).
type sourceMessage struct {
	pos       token.Position
	text      string
	formatted bool
}

// sourceMessages collects the messages the Go files of dir make: the
// format of fmt.Sprintf and fmt.Errorf, the format of a lodestar.Errorf
// (its second argument) and of a fail helper (a method named fail, which
// formats its arguments into a field's error), and the text of
// errors.New. Only sentences are kept: a format without a space ("%s=%s",
// "f%d") is not a message.
func sourceMessages(t *testing.T, dir string) []sourceMessage {
	t.Helper()
	var out []sourceMessage
	eachSourceCall(t, dir, func(fset *token.FileSet, call *ast.CallExpr) {
		var fn, pkg string
		switch f := call.Fun.(type) {
		case *ast.SelectorExpr:
			fn = f.Sel.Name
			if id, ok := f.X.(*ast.Ident); ok {
				pkg = id.Name
			}
		case *ast.Ident:
			fn = f.Name
		}
		arg := -1
		switch {
		case pkg == "fmt" && (fn == "Sprintf" || fn == "Errorf"):
			arg = 0
		case pkg == "errors" && fn == "New":
			arg = 0
		case pkg == "lodestar" && fn == "Errorf":
			arg = 1
		case fn == "fail":
			arg = 0
		}
		if arg < 0 || len(call.Args) <= arg {
			return
		}
		lit, ok := call.Args[arg].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		msg, err := strconv.Unquote(lit.Value)
		if err != nil || !strings.Contains(msg, " ") {
			return
		}
		out = append(out, sourceMessage{fset.Position(lit.Pos()), msg, !(pkg == "errors" && fn == "New") && strings.Contains(msg, "%")})
	})
	return out
}

// eachSourceCall calls fn with every call expression in the Go files of
// dir, its tests left out.
func eachSourceCall(t *testing.T, dir string, fn func(*token.FileSet, *ast.CallExpr)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("%s: no Go files (%v)", dir, err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				fn(fset, call)
			}
			return true
		})
	}
}

// evidenceExempt are the formatted messages of the evidence packages that
// never reach a page or an API client, with the reason: a bug's message
// (the service answers 500 without it) or a caller's misuse the service
// cannot make.
var evidenceExempt = map[string]string{
	"explain: SHAP values miss the margin by %g": "a bug in TreeSHAP: an internal error",
	"fairness audit %d result: %w":               "a stored result that does not decode: an internal error",
	"explanation %d result: %w":                  "a stored result that does not decode: an internal error",
	"phi has %d entries, want %d":                "the caller's buffer; Model.Explain allocates it",
	"fairness: favourable outcome %d: want FavourablePositive or FavourableNegative": "a Go caller's misuse; the service checks the choice first",
}

// evidenceCLIOnly are files whose messages only the command line shows
// (lodestar explain --endpoint): the web explains XGBoost models only.
var evidenceCLIOnly = map[string]bool{"permutation.go": true}

// TestEvidenceMessagesTranslated: every message the evidence service and
// the fairness and explain engines make at run time (a refused upload's
// reason, shown on the upload form and by the API) reads in Chinese. Each
// format is filled in — numbers for numbers, a quoted name for text and
// nested errors — and the Chinese text must hold no English word but
// quoted names, identifiers of the model format and format names; the
// English text must stay as it is. TestEveryMessageTranslated skips
// formatted messages, and these were shown in English on Chinese pages.
func TestEvidenceMessagesTranslated(t *testing.T) {
	b := i18n.MustLoad()
	found := 0
	for _, dir := range []string{"../evidence", "../engine/fairness", "../engine/explain"} {
		for _, m := range sourceMessages(t, dir) {
			if _, ok := evidenceExempt[m.text]; ok || evidenceCLIOnly[filepath.Base(m.pos.Filename)] {
				continue
			}
			found++
			msg := m.text
			if m.formatted {
				msg = fillFormat(msg)
			}
			// The service shows the fairness engine's refusals without
			// the package's prefix.
			msg = strings.TrimPrefix(msg, "fairness: ")
			if en := b.Message("en", msg); en != msg {
				t.Errorf("%s: %q reads %q in English, want it unchanged", m.pos, msg, en)
			}
			zh := b.Message("zh-CN", msg)
			if left := englishWord(zh); left != "" {
				t.Errorf("%s: %q\nreads %q in Chinese: %q is English", m.pos, msg, zh, left)
			}
		}
	}
	if found < 50 {
		t.Errorf("found %d messages; the scan has lost its way", found)
	}
}

// fillFormat fills a format's verbs as a run would: a number for %d and
// %g, a quoted name for %q, %s, %v and %w (a name, or a nested error's
// text, itself checked where it is made).
func fillFormat(format string) string {
	return fmtVerb.ReplaceAllStringFunc(format, func(v string) string {
		switch v[len(v)-1] {
		case 'd':
			return "7"
		case 'g', 'f':
			return "0.5"
		}
		return `"x"`
	})
}

// englishWord is english, with the model format's identifiers set aside
// too: names with an underscore, dot or colon (sum_hessian,
// learner.gradient_booster, binary:logistic), and XGBoost's own words.
func englishWord(s string) string {
	s = regexp.MustCompile(`[A-Za-z0-9]*[_.:][A-Za-z0-9_.:]*[A-Za-z0-9]|\b(XGBoost|JSON|SHAP|TreeSHAP|gbtree|booster|null|true|false|ubj|json|model|categorical split|yes|no)\b`).ReplaceAllString(s, "")
	return english(s)
}

// TestEvidenceRefusalsInChinese: refused fairness and explanation uploads
// (the reviewer's paste among them) give field messages that read in
// Chinese, column roles included, with the user's names kept as given.
func TestEvidenceRefusalsInChinese(t *testing.T) {
	b := i18n.MustLoad()
	fp := lodestar.FairnessParams{GroupColumn: "group", LabelColumn: "label", PredictionColumn: "pred"}
	threshold := 0.5
	sp := lodestar.FairnessParams{GroupColumn: "group", LabelColumn: "label", ScoreColumn: "s", Threshold: &threshold}
	// tree is a one-split tree with field left out.
	tree := func(drop string) string {
		fields := []string{`"left_children":[1,-1,-1]`, `"right_children":[2,-1,-1]`, `"split_indices":[0,0,0]`, `"split_conditions":[0.5,-0.4,0.3]`,
			`"default_left":[1,0,0]`, `"sum_hessian":[10,4,6]`}
		var kept []string
		for _, f := range fields {
			if !strings.Contains(f, `"`+drop+`"`) {
				kept = append(kept, f)
			}
		}
		return `{"learner":{"feature_names":["income"],"gradient_booster":{"name":"gbtree","model":{"trees":[{` + strings.Join(kept, ",") +
			`}]}},"learner_model_param":{"base_score":"5E-1","num_feature":"1"},"objective":{"name":"binary:logistic"}}}`
	}
	for _, tc := range []struct {
		name string
		err  func() error
		want string // the Chinese message of the field at fault
	}{
		{"third prediction value", func() error {
			_, _, err := evidence.Fairness("d.csv", []byte("group,label,pred\na,1,1\nb,0,yes\na,1,0\nb,1,1\n"), fp)
			return err
		}, `第 4 行：预测列 "pred" 出现第三个取值 "0"（此前为 "1" 和 "yes"）；它必须是二值的。`},
		{"score as a prediction", func() error {
			_, _, err := evidence.Fairness("d.csv", []byte("group,label,pred\na,1,0.73\n"), fp)
			return err
		}, `第 2 行：预测列 "pred" 的值 "0.73" 不是类别；如果是分数，请指定分数列和阈值。`},
		{"empty label", func() error {
			_, _, err := evidence.Fairness("d.csv", []byte("group,label,pred\na,1,1\nb,,0\n"), fp)
			return err
		}, `第 3 行：标签列 "label" 为空。`},
		{"unknown label", func() error {
			_, _, err := evidence.Fairness("d.csv", []byte("group,label,pred\na,maybe,1\n"), fp)
			return err
		}, `第 2 行：标签列 "label" 的值 "maybe" 既不是正类（1、true、yes）也不是负类（0、false、no）；请指明正类的取值。`},
		{"positive never seen", func() error {
			p := fp
			p.PositiveLabel = "good"
			_, _, err := evidence.Fairness("d.csv", []byte("group,label,pred\na,bad,1\nb,fine,0\n"), p)
			return err
		}, `正类取值 "good" 从未出现在标签列 "label" 中（出现过的值："bad", "fine"）。`},
		{"score not a number", func() error {
			_, _, err := evidence.Fairness("d.csv", []byte("group,label,s\na,1,high\n"), sp)
			return err
		}, `第 2 行：分数列 "s" 的值 "high" 不是数字。`},
		{"reference group", func() error {
			p := fp
			p.Reference = "z"
			_, _, err := evidence.Fairness("d.csv", []byte("group,label,pred\na,1,1\nb,0,0\n"), p)
			return err
		}, `参照组 "z" 不在数据中`},
		{"no sum_hessian", func() error {
			_, _, err := evidence.Explain("m.json", []byte(tree("sum_hessian")), "s.csv", []byte("income\n1\n"), lodestar.ExplanationParams{})
			return err
		}, "第 0 棵树：sum_hessian 有 0 个元素，而 left_children 有 3 个"},
		{"feature value", func() error {
			_, _, err := evidence.Explain("m.json", []byte(tree("")), "s.csv", []byte("income\nlots\n"), lodestar.ExplanationParams{})
			return err
		}, `第 2 行，列 "income"："lots" 不是数字。`},
	} {
		err := tc.err()
		var le *lodestar.Error
		if !errors.As(err, &le) || len(le.Fields) != 1 {
			t.Errorf("%s: got %v, want one field's refusal", tc.name, err)
			continue
		}
		for _, en := range le.Fields {
			if zh := b.Message("zh-CN", en); zh != tc.want {
				t.Errorf("%s: %q\nreads %q in Chinese, want %q", tc.name, en, zh, tc.want)
			}
		}
	}
}
