package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// innerCase is a failing run of abtest, fairness or explain: $F in args
// is a file holding file (a path that does not exist when file is
// empty), $M the binary XGBoost model, $P the one without feature names,
// $U a model endpoint answering well, $S one answering 503, $C one
// answering probabilities out of range, $D one that is down.
type innerCase struct {
	name string
	file string
	args []string
	code int
	// allow are the words of this case's own values (flag values, column
	// roles) that stay as they are in Chinese too.
	allow []string
}

// innerCases are the refusals a user can hit in abtest, fairness and
// explain: the flags' checks, the files' and cells' refusals, and the
// engines' reasons the commands wrap.
func innerCases() []innerCase {
	ab := "variant,n,sum,sum_squares\nA,10,1,1\nB,10,2,2\n"
	fa := func(extra ...string) []string {
		return append([]string{"fairness", "--data", "$F", "--group", "g", "--label", "y"}, extra...)
	}
	cls := []string{"--prediction", "p"}
	score := []string{"--score", "s", "--threshold", "0.5"}
	feat := "f0,f1,f2,f3,f4,f5,f6,f7\n"
	ep := func(extra ...string) []string {
		return append([]string{"explain", "--endpoint", "$U", "--data", "$F", "--label", "y"}, extra...)
	}
	epData := "y,x0,x1,x2\n1,0.5,1,2\n0,-0.5,2,1\n1,1.5,0,0\n"
	return []innerCase{
		// abtest: flags.
		{"abtest no data", "", []string{"abtest"}, 2, nil},
		{"abtest alpha", ab, []string{"abtest", "--data", "$F", "--alpha", "1.5"}, 2, nil},
		{"abtest metric", ab, []string{"abtest", "--data", "$F", "--metric", "median"}, 2, []string{"mean", "proportion"}},
		{"abtest format", ab, []string{"abtest", "--data", "$F", "--format", "xml"}, 2, []string{"text", "json", "csv"}},
		{"abtest split one share", ab, []string{"abtest", "--data", "$F", "--split", "50"}, 2, nil},
		{"abtest split not a number", ab, []string{"abtest", "--data", "$F", "--split", "50,x"}, 2, nil},
		{"abtest split far apart", ab, []string{"abtest", "--data", "$F", "--split", "1e308,1e-308"}, 2, nil},
		{"abtest split count", ab, []string{"abtest", "--data", "$F", "--split", "50,30,20", "--metric", "proportion"}, 2, nil},
		{"abtest column role", ab, []string{"abtest", "--data", "$F", "--column", "price=#2"}, 2, []string{"variant", "value", "n", "sum", "sum_squares"}},
		{"abtest column form", ab, []string{"abtest", "--data", "$F", "--column", "value"}, 2, []string{"ROLE", "COL", "value"}},
		{"abtest separator", ab, []string{"abtest", "--data", "$F", "--separator", "|"}, 2, []string{"tab"}},
		{"abtest encoding", ab, []string{"abtest", "--data", "$F", "--encoding", "ebcdic"}, 2, []string{"utf", "gb", "gbk", "windows", "latin"}},
		{"abtest min-sample", ab, []string{"abtest", "--data", "$F", "--min-sample", "-1"}, 2, nil},
		{"abtest rho without sequential", ab, []string{"abtest", "--data", "$F", "--rho", "0.1"}, 2, nil},
		{"abtest both tunings", ab, []string{"abtest", "--data", "$F", "--sequential", "--rho", "0.1", "--sequential-n", "500"}, 2, nil},
		{"abtest negative rho", ab, []string{"abtest", "--data", "$F", "--sequential", "--rho", "-0.1"}, 2, nil},
		{"abtest zero rho", ab, []string{"abtest", "--data", "$F", "--sequential", "--rho", "0"}, 2, nil},
		{"abtest zero sequential-n", ab, []string{"abtest", "--data", "$F", "--sequential", "--sequential-n", "0"}, 2, nil},
		{"abtest negative sequential-n", ab, []string{"abtest", "--data", "$F", "--sequential", "--sequential-n", "-5"}, 2, nil},
		// The engine's own refusal (stats.NewSequential), wrapped: twice
		// a --min-sample this large is past any sample size.
		{"abtest min-sample too large", ab, []string{"abtest", "--data", "$F", "--sequential", "--min-sample", "4611686018427387904"}, 2, nil},
		{"abtest lang", ab, []string{"abtest", "--data", "$F", "--lang", "fr"}, 2, []string{"en", "zh", "CN"}},
		// abtest: the file.
		{"abtest no file", "", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest missing column", "variant,amount\nA,1\n", []string{"abtest", "--data", "$F"}, 1, []string{"variant", "n", "sum", "sum_squares", "value", "amount", "ROLE", "COL"}},
		{"abtest missing sum_squares", "variant,n,sum\nA,10,5\nB,10,6\n", []string{"abtest", "--data", "$F"}, 1, []string{"sum_squares", "variant", "n", "sum", "mean", "proportion"}},
		{"abtest no variant column", "group,value\nA,1\n", []string{"abtest", "--data", "$F"}, 1, []string{"variant", "n", "sum", "sum_squares", "value", "group", "ROLE", "COL"}},
		{"abtest ambiguous column", "variant,value,value\nA,1,2\n", []string{"abtest", "--data", "$F"}, 1, []string{"value"}},
		{"abtest column out of range", "variant,value\nA,1\n", []string{"abtest", "--data", "$F", "--column", "value=#9"}, 1, []string{"value"}},
		{"abtest no such column", "variant,value\nA,1\n", []string{"abtest", "--data", "$F", "--column", "value=amount"}, 1, []string{"value", "amount", "variant"}},
		{"abtest not a number", "variant,value\nA,1\nB,2\nA,abc\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest decimal comma", "variant;value\nA;1,5\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest empty value", "variant,value\nA,1\nB,\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest infinite value", "variant,value\nA,1\nB,Inf\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest empty variant", "variant,value\nA,1\n ,2\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest one observation", "variant,value\nA,1\nA,2\nB,3\n", []string{"abtest", "--data", "$F"}, 1, []string{"n", "t"}},
		{"abtest one unit in statistics", "variant,n,sum,sum_squares\nA,10,5,5\nB,1,3,9\n", []string{"abtest", "--data", "$F"}, 1, []string{"n", "t"}},
		{"abtest no unit", "variant,n,sum\nA,10,5\nB,0,0\n", []string{"abtest", "--data", "$F", "--metric", "proportion"}, 1, []string{"n"}},
		{"abtest fractional n", "variant,n,sum,sum_squares\nA,10.5,5,5\n", []string{"abtest", "--data", "$F"}, 1, []string{"n"}},
		{"abtest impossible sum of squares", "variant,n,sum,sum_squares\nA,10,50,100\nB,10,5,5\n", []string{"abtest", "--data", "$F"}, 1, []string{"sum", "n"}},
		{"abtest negative sum of squares", "variant,n,sum,sum_squares\nA,10,5,-5\nB,10,5,5\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest sums without units", "variant,n,sum,sum_squares\nA,0,5,5\nB,10,5,5\n", []string{"abtest", "--data", "$F"}, 1, []string{"n"}},
		{"abtest sums too large", "variant,n,sum,sum_squares\nA,10,1e300,1e300\nB,10,5,5\n", []string{"abtest", "--data", "$F"}, 1, []string{"sum"}},
		{"abtest duplicate variant", "variant,n,sum,sum_squares\nA,10,5,5\nA,10,5,5\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest one variant", "variant,value\nA,1\nA,2\n", []string{"abtest", "--data", "$F"}, 1, []string{"A", "B"}},
		{"abtest no rows", "variant,value\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest too many variants", func() string {
			var b strings.Builder
			b.WriteString("variant,value\n")
			for i := range 1002 {
				b.WriteString("v" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + ",1\n")
			}
			return b.String()
		}(), []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest ragged row", "variant,value\nA,1\nB,2,3\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest not 0/1", "variant,value\nA,1\nB,0.5\n", []string{"abtest", "--data", "$F", "--metric", "proportion"}, 1, []string{"proportion", "value"}},
		{"abtest conversions above n", "variant,n,sum\nA,10,11\nB,10,5\n", []string{"abtest", "--data", "$F", "--metric", "proportion"}, 1, []string{"sum", "n"}},
		{"abtest sum_squares not 0/1", "variant,n,sum,sum_squares\nA,10,5,7\nB,10,5,5\n", []string{"abtest", "--data", "$F", "--metric", "proportion"}, 1, []string{"sum", "sum_squares", "proportion"}},
		{"abtest no variation", "variant,n,sum\nA,10,0\nB,10,0\n", []string{"abtest", "--data", "$F", "--metric", "proportion"}, 1, []string{"z"}},
		{"abtest both constant", "variant,value\nA,1\nA,1\nB,2\nB,2\n", []string{"abtest", "--data", "$F"}, 1, []string{"t"}},
		{"abtest utf-16", "\xff\xfev\x00a\x00r\x00\n\x00", []string{"abtest", "--data", "$F"}, 1, []string{"UTF", "CSV", "Excel", "Unicode"}},
		{"abtest CR line ends", "variant,value\rA,1\rB,2\r", []string{"abtest", "--data", "$F"}, 1, []string{"LF", "CRLF", "CR", "Mac", "OS"}},
		{"abtest separator tie", "variant;value,x\nA;1,2\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest stray quote", "variant,value\nA,1\nB,2\"5\n", []string{"abtest", "--data", "$F"}, 1, nil},
		{"abtest bad encoding", "variant,value\nA,\xff1\n", []string{"abtest", "--data", "$F", "--encoding", "utf-8"}, 1, []string{"UTF", "utf", "gb", "windows"}},
		// fairness: flags.
		{"fairness nothing", "", []string{"fairness"}, 2, nil},
		{"fairness no prediction", "", fa(), 2, []string{"COL", "T"}},
		{"fairness both", "", fa("--prediction", "p", "--score", "s"), 2, nil},
		{"fairness no threshold", "", fa("--score", "s"), 2, nil},
		{"fairness bad threshold", "", fa("--score", "s", "--threshold", "half"), 2, nil},
		{"fairness infinite threshold", "", fa("--score", "s", "--threshold", "Inf"), 2, nil},
		{"fairness threshold with class", "", fa("--prediction", "p", "--threshold", "0.5"), 2, nil},
		{"fairness format", "", fa("--prediction", "p", "--format", "xml"), 2, []string{"text", "json", "csv"}},
		{"fairness bootstrap", "", fa("--prediction", "p", "--bootstrap", "99"), 2, nil},
		{"fairness stratified", "", fa("--prediction", "p", "--stratified"), 2, []string{"N"}},
		{"fairness favourable", "", fa("--prediction", "p", "--favourable", "adverse"), 2, []string{"positive", "negative"}},
		{"fairness level", "", fa("--prediction", "p", "--level", "95"), 2, nil},
		{"fairness encoding", "", fa("--prediction", "p", "--encoding", "ebcdic"), 2, []string{"utf", "gb", "gbk", "windows", "latin"}},
		{"fairness separator", "", fa("--prediction", "p", "--separator", "|"), 2, []string{"tab"}},
		{"fairness prediction-positive with score", "", fa("--score", "s", "--threshold", "1", "--prediction-positive", "y"), 2, nil},
		// fairness: the file.
		{"fairness no file", "", fa(cls...), 1, nil},
		{"fairness score not a number", "g,y,s\na,1,0.4\na,0,high\n", fa(score...), 1, nil},
		{"fairness score empty", "g,y,s\na,1,\n", fa(score...), 1, nil},
		{"fairness score infinite", "g,y,s\na,1, -inf \n", fa(score...), 1, nil},
		{"fairness label third value", "g,y,p\na,1,1\na,0,1\nb, 2 ,0\n", fa(cls...), 1, nil},
		{"fairness label unknown", "g,y,p\na,approved,1\n", fa(cls...), 1, []string{"true", "yes", "false", "no"}},
		{"fairness score as class", "g,y,p\na,1,0.73\n", fa(cls...), 1, []string{"COL", "T"}},
		{"fairness prediction empty", "g,y,p\na,1,\n", fa(cls...), 1, nil},
		{"fairness positive never in label", "g,y,p\na,good,x\na,bad,z\n", fa("--prediction", "p", "--positive", "nope"), 1, nil},
		{"fairness positive never in prediction", "g,y,p\na,good,x\na,bad,z\n", fa("--prediction", "p", "--positive", "good"), 1, nil},
		{"fairness unknown column", "g,y,p\na,1,1\n", fa("--prediction", "nope"), 1, []string{"nope"}},
		{"fairness no rows", "g,y,p\n", fa(cls...), 1, nil},
		{"fairness unknown reference", "g,y,p\na,1,1\n", fa("--prediction", "p", "--reference", "zz"), 1, nil},
		{"fairness same column", "g,y,p\na,1,1\n", fa("--prediction", "#2"), 1, []string{"y"}},
		{"fairness ambiguous group", "g,y,g\na,1,1\n", fa(cls...), 1, []string{"g"}},
		{"fairness ragged", "g,y,p\na,1,1\nb,1,0,9\n", fa(cls...), 1, nil},
		// explain --model.
		{"explain nothing", "", []string{"explain"}, 2, nil},
		{"explain both", "", []string{"explain", "--model", "$M", "--endpoint", "$U", "--data", "$F"}, 2, nil},
		{"explain format", "", []string{"explain", "--model", "$M", "--data", "$F", "--format", "yaml"}, 2, []string{"text", "json", "csv"}},
		{"explain endpoint flag with model", "", []string{"explain", "--model", "$M", "--data", "$F", "--repeats", "3"}, 2, nil},
		{"explain column no feature", feat + "1,2,3,4,5,6,7,8\n", []string{"explain", "--model", "$M", "--data", "$F", "--column", "f9=#3"}, 2, nil},
		{"explain column form", "", []string{"explain", "--model", "$M", "--data", "$F", "--column", "f2"}, 2, []string{"FEATURE", "COL"}},
		{"explain no model file", feat, []string{"explain", "--model", "$F.json", "--data", "$F"}, 1, nil},
		{"explain not a model", `{"some":"json"}`, []string{"explain", "--model", "$F", "--data", "$F"}, 1, []string{"learner", "gradient_booster"}},
		{"explain not JSON", "feature,value\n", []string{"explain", "--model", "$F", "--data", "$F"}, 1, []string{"ubj", "model", "json"}},
		{"explain not a number", feat + "1,2,3,4,5,6,7,8\n1,2,x3,4,5,6,7,8\n", []string{"explain", "--model", "$M", "--data", "$F"}, 1, nil},
		{"explain infinite", feat + "1,2,3,4,5,6,7,inf\n", []string{"explain", "--model", "$M", "--data", "$F"}, 1, nil},
		{"explain missing feature", "f0,f1,f2\n1,2,3\n", []string{"explain", "--model", "$M", "--data", "$F"}, 1, []string{"COL"}},
		{"explain column out of range", feat + "1,2,3,4,5,6,7,8\n", []string{"explain", "--model", "$M", "--data", "$F", "--column", "f2=#12"}, 1, nil},
		{"explain positional count", "a,b,c\n1,2,3\n", []string{"explain", "--model", "$P", "--data", "$F"}, 1, nil},
		{"explain no rows", feat, []string{"explain", "--model", "$M", "--data", "$F"}, 1, nil},
		{"explain duplicate feature column", "f0,f1,f2,f3,f4,f5,f6,f7,f2\n1,2,3,4,5,6,7,8,9\n", []string{"explain", "--model", "$M", "--data", "$F"}, 1, nil},
		{"explain ragged row", feat + "1,2,3\n", []string{"explain", "--model", "$M", "--data", "$F"}, 1, nil},
		// explain --endpoint.
		{"endpoint no label", epData, []string{"explain", "--endpoint", "$U", "--data", "$F"}, 2, nil},
		{"endpoint bad URL", epData, []string{"explain", "--endpoint", "localhost:8080/predict", "--data", "$F", "--label", "y"}, 2, []string{"http", "https", "URL"}},
		{"endpoint repeats", epData, ep("--repeats", "0"), 2, nil},
		{"endpoint batch size", epData, ep("--batch-size", "0"), 2, nil},
		{"endpoint timeout", epData, ep("--timeout", "-1s"), 2, []string{"s"}},
		{"endpoint metric", epData, ep("--metric", "auc"), 2, []string{"mse", "mae", "accuracy", "logloss"}},
		{"endpoint column flag", epData, ep("--column", "x0=#2"), 2, nil},
		{"endpoint header flag", epData, ep("--header", "no colon"), 2, []string{"Name", "value", "Authorization", "Bearer"}},
		{"endpoint server error", epData, []string{"explain", "--endpoint", "$S", "--data", "$F", "--label", "y"}, 1, []string{"Service", "Unavailable", "model", "not", "loaded"}},
		{"endpoint unreachable", epData, []string{"explain", "--endpoint", "$D", "--data", "$F", "--label", "y"}, 1, []string{"POST"}},
		{"endpoint not a probability", epData, []string{"explain", "--endpoint", "$C", "--data", "$F", "--label", "y", "--metric", "logloss"}, 1, []string{"mse", "mae", "logloss"}},
		{"endpoint label not 0/1", "y,x0,x1,x2\n2,0.5,1,2\n", ep("--metric", "accuracy"), 1, []string{"accuracy"}},
		{"endpoint label missing", "y,x0,x1,x2\n1,0.5,1,2\n,0.5,1,2\n", ep(), 1, nil},
		{"endpoint label not a number", "y,x0,x1,x2\nyes,0.5,1,2\n", ep(), 1, nil},
		{"endpoint feature not a number", "y,x0,x1,x2\n1,0.5,a,2\n", ep(), 1, nil},
		{"endpoint label is a feature", epData, ep("--features", "x0,y"), 1, nil},
		{"endpoint feature twice", epData, ep("--features", "x0,#2"), 1, nil},
		{"endpoint no feature column", epData, ep("--features", "x0,x9"), 1, nil},
		{"endpoint no label column", epData, []string{"explain", "--endpoint", "$U", "--data", "$F", "--label", "target"}, 1, []string{"target"}},
		{"endpoint only a label", "y\n1\n", ep(), 1, []string{"y"}},
		{"endpoint no rows", "y,x0\n", ep(), 1, nil},
	}
}

// englishWord finds the words of a message, in Latin letters.
var englishWord = regexp.MustCompile(`[A-Za-z][A-Za-z_]*`)

// notWords are what englishLeft takes out before it looks for words:
// what the user wrote (quoted values, flags, URLs, columns by position,
// commands quoted) and numbers and names in Latin letters (1e+300, 0xFF,
// f2).
var notWords = []*regexp.Regexp{
	regexp.MustCompile(`"(?:[^"\\]|\\.)*"`),
	regexp.MustCompile(`https?://\S*`),
	regexp.MustCompile(`(?:^|[\s(（：、，])--?[a-z][a-z0-9-]*(?:=\S*)?`),
	regexp.MustCompile(`#[0-9N]+`),
	regexp.MustCompile(`'[^']*'`),
	regexp.MustCompile(`\b0x[0-9A-Fa-f]+|\b[0-9.]+e[+-]?[0-9]+|\b[A-Za-z_]+[0-9][A-Za-z0-9_]*`),
}

// innerAllowed are words a Chinese message keeps: the program's and the
// commands' names, flags' placeholders, and names of formats and tests.
var innerAllowed = []string{"lodestar", "help", "abtest", "fairness", "explain", "SHAP", "XGBoost", "JSON", "CSV", "UTF", "GB", "KiB", "Welch", "rho", "alpha", "p"}

// englishLeft returns the English words left in a Chinese message once
// what the user wrote (quoted values, flags, file names, URLs, column
// numbers) and allowed words are taken out.
func englishLeft(msg string, paths []string, allow []string) []string {
	for _, p := range paths {
		msg = strings.ReplaceAll(msg, p, " ")
	}
	for _, re := range notWords {
		msg = re.ReplaceAllString(msg, " ")
	}
	var left []string
	for _, w := range englishWord.FindAllString(msg, -1) {
		if !slices.Contains(innerAllowed, w) && !slices.Contains(allow, w) {
			left = append(left, w)
		}
	}
	return left
}

// TestInnerErrorsInChinese runs every refusal of abtest, fairness and
// explain with --lang zh-CN: the whole message, the engine's reason
// inside it too, reads in Chinese — only the user's own values (file
// names, columns, flags and their values) stay as written.
func TestInnerErrorsInChinese(t *testing.T) {
	model := filepath.Join(explainTestdata, "binary.json")
	positional := filepath.Join(explainTestdata, "reg.json")
	good := newModelServer(t, linearModel)
	scores := newModelServer(t, func(x []float64) float64 { return 2 + x[0] })
	crash := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "model not loaded", http.StatusServiceUnavailable)
	}))
	defer crash.Close()
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, c := range innerCases() {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "nowhere.csv")
			if c.file != "" {
				path = writeFile(t, "data.csv", c.file)
			}
			r := strings.NewReplacer("$F", path, "$M", model, "$P", positional, "$U", good.URL, "$S", crash.URL, "$C", scores.URL, "$D", down.URL)
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = r.Replace(a)
			}
			code, out, errOut := runWith(zhEnvOf, args...)
			if code != c.code || out != "" {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d", code, out, errOut, c.code)
			}
			// The message is run's last line (or two, with the usage's
			// hint); the usage before it (the flags' help) stays English.
			msg := errOut[strings.LastIndex(errOut, "lodestar: "):]
			if left := englishLeft(msg, []string{path + ".json", path, model, positional}, c.allow); len(left) > 0 {
				t.Errorf("English left %q in\n%s", left, errOut)
			}
		})
	}
}

// --lang zh-CN on the command line does the same as a Chinese locale:
// an engine's reason inside the command's words (stats.NewSequential's,
// a file's cell), word for word; English is as it always was.
func TestInnerErrorsLangFlag(t *testing.T) {
	ab := writeFile(t, "ab.csv", "variant,n,sum,sum_squares\nA,10,1,1\nB,10,2,2\n")
	cell := writeFile(t, "cell.csv", "g,y,s\na,1,0.4\na,0,high\n")
	for _, c := range []struct {
		args   []string
		code   int
		en, zh string
	}{
		{[]string{"abtest", "--data", ab, "--sequential", "--min-sample", "4611686018427387904"}, 2,
			"lodestar: abtest: --min-sample 4611686018427387904: want at most 1000000000000 units per variant\nRun 'lodestar abtest -h' for usage.\n",
			"lodestar: abtest：--min-sample 4611686018427387904：每个变体至多 1000000000000 个单位\n运行 'lodestar abtest -h' 查看用法。\n"},
		{[]string{"fairness", "--data", cell, "--group", "g", "--label", "y", "--score", "s", "--threshold", "0.5"}, 1,
			"lodestar: " + cell + ": line 3: score \"s\" value \"high\" is not a number\n",
			"lodestar: " + cell + "：第 3 行：分数列 \"s\" 的值 \"high\" 不是数字\n"},
		{[]string{"explain", "--model", filepath.Join(explainTestdata, "binary.json"), "--data", ab}, 1,
			"lodestar: model feature \"f0\": " + ab + ": no such column: \"f0\" (the columns are #1 \"variant\", #2 \"n\", #3 \"sum\", #4 \"sum_squares\") (or name its column with --column f0=COL)\n",
			"lodestar: 模型特征 \"f0\"：" + ab + "：没有这一列：\"f0\"（文件中的列为 #1 \"variant\", #2 \"n\", #3 \"sum\", #4 \"sum_squares\"）（或用 --column f0=COL 指定其所在列）\n"},
	} {
		if code, out, errOut := runWith(noEnv, c.args...); code != c.code || out != "" || errOut != c.en {
			t.Errorf("%v: exit %d, stdout %q, stderr\n%q\nwant exit %d and\n%q", c.args, code, out, errOut, c.code, c.en)
		}
		zhArgs := append(append([]string{}, c.args...), "--lang", "zh-CN")
		if code, out, errOut := runWith(noEnv, zhArgs...); code != c.code || out != "" || errOut != c.zh {
			t.Errorf("%v --lang zh-CN: exit %d, stdout %q, stderr\n%q\nwant exit %d and\n%q", c.args, code, out, errOut, c.code, c.zh)
		}
	}
}
