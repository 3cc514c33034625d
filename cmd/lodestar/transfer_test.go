package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// transferRun runs the binary's entry point with args and returns the
// exit code and output.
func transferRun(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut, noEnv)
	return code, out.String(), errOut.String()
}

// transferFile writes data to name in a fresh directory and returns its
// path.
func transferFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// transferDB is a migrated database the CLI reaches with args, with a
// store on it for set-up and checks.
type transferDB struct {
	t    *testing.T
	db   *sqldb.DB
	s    *store.Store
	ctx  context.Context
	args []string // --data DIR or --database URL
}

// forEachTransferDB runs fn on SQLite (--data) and, when
// LODESTAR_TEST_POSTGRES is set, on PostgreSQL (--database), each seeded
// with what import rows refer to.
func forEachTransferDB(t *testing.T, fn func(t *testing.T, d *transferDB)) {
	t.Helper()
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			d := &transferDB{t: t, ctx: lodestar.WithActor(context.Background(), lodestar.Actor{Label: "cli-test"})}
			if dialect == sqldb.SQLite {
				d.db = testdb.OpenDialect(t, dialect)
				d.args = []string{"--data", filepath.Dir(d.db.Where)}
			} else {
				url := testdb.PostgresURL(t)
				db, err := sqldb.Open(context.Background(), "", url)
				if err != nil {
					t.Fatalf("open PostgreSQL: %v", err)
				}
				t.Cleanup(func() { db.Close() })
				if _, err := db.Migrate(context.Background()); err != nil {
					t.Fatalf("migrate: %v", err)
				}
				d.db, d.args = db, []string{"--database", url}
			}
			d.s = store.New(d.db)
			d.seed()
			fn(t, d)
		})
	}
}

func (d *transferDB) seed() {
	t := d.t
	t.Helper()
	unit, err := d.s.CreateBusinessUnit(d.ctx, lodestar.BusinessUnit{Name: "Retail", NameZH: "零售"})
	if err != nil {
		t.Fatal(err)
	}
	goal, err := d.s.CreateGoal(d.ctx, lodestar.Goal{Title: "Grow", BusinessUnitID: unit.ID, Horizon: "year"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.s.CreateKPI(d.ctx, lodestar.KPI{GoalID: goal.ID, Name: "Conversion rate", Unit: "%", Direction: lodestar.DirectionUp,
		Baseline: 1, Target: 2, TargetDate: "2031-01-01"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.s.CreatePainPoint(d.ctx, lodestar.PainPoint{Title: "Slow checkout", BusinessUnitID: unit.ID, Category: "cost", AnnualCost: 10}); err != nil {
		t.Fatal(err)
	}
	now := sqldb.FormatTime(d.db.Now())
	if _, err := d.db.ExecContext(d.ctx, d.db.Rebind(`INSERT INTO users (email, name, role, password_hash, locale, disabled, created_at, updated_at)
		VALUES ('sponsor@example.com', 'Sponsor', 'business_owner', 'x', '', ?, ?, ?)`), false, now, now); err != nil {
		t.Fatal(err)
	}
}

// run runs the CLI against this database.
func (d *transferDB) run(args ...string) (int, string, string) {
	d.t.Helper()
	return transferRun(d.t, append(args, d.args...)...)
}

// counts is use cases, business units and audit entries.
func (d *transferDB) counts() [3]int {
	d.t.Helper()
	return [3]int{testdb.Count(d.t, d.db, "use_cases"), testdb.Count(d.t, d.db, "business_units"), testdb.Count(d.t, d.db, "audit_log")}
}

// useCases returns "title/stage/unit" of every use case, oldest first.
func (d *transferDB) useCases() []string {
	d.t.Helper()
	ucs, _, err := d.s.FindUseCases(d.ctx, lodestar.UseCaseFilter{Limit: 200})
	if err != nil {
		d.t.Fatal(err)
	}
	units, err := d.s.ListBusinessUnits(d.ctx, lodestar.ListFilter{})
	if err != nil {
		d.t.Fatal(err)
	}
	name := map[int64]string{}
	for _, u := range units {
		name[u.ID] = u.Name
	}
	var out []string
	for _, uc := range slices.Backward(ucs) {
		out = append(out, uc.Title+"/"+uc.Stage+"/"+name[uc.BusinessUnitID])
	}
	return out
}

// wantNew fails unless the newest use cases are want (the caller checks
// by counting that no others were created).
func (d *transferDB) wantNew(want ...string) {
	d.t.Helper()
	all := d.useCases()
	if got := all[max(0, len(all)-len(want)):]; !slices.Equal(got, want) {
		d.t.Errorf("newest use cases: got %q, want %q", got, want)
	}
}

const goodCSV = "title,stage,business_unit,sponsor,pain_points,impacts\n" +
	"Alpha,pilot,Retail,sponsor@example.com,Slow checkout,Conversion rate=1@0.5\n" +
	"Beta,idea,Logistics,,,\n"

func TestImportUseCasesCLI(t *testing.T) {
	t.Parallel()
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("标题,阶段,业务单元\r\n智能客服,pilot,零售\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	// The same rows under another title, for a second import.
	gbk2, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("标题,阶段,业务单元\r\n智能客服二,pilot,零售\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	forEachTransferDB(t, func(t *testing.T, d *transferDB) {
		cases := []struct {
			name   string
			file   string // its name; the extension matters to XLSX
			data   []byte
			args   []string // after FILE
			code   int
			stdout []string // substrings
			stderr []string
			want   []string // use cases created, "title/stage/unit"
			units  int      // business units created
		}{
			{name: "a bad row: exit 1, nothing written", file: "bad.csv",
				data: []byte(goodCSV + "Gamma,someday,Retail,,,\n"), args: []string{"--create-missing"}, code: 1,
				stdout: []string{`line 4: stage: unknown stage "someday"`},
				stderr: []string{"1 row(s) refused; nothing was written"}},
			{name: "unknown unit without --create-missing: exit 1, nothing written", file: "u.csv", data: []byte(goodCSV), code: 1,
				stdout: []string{`line 3: business_unit: no business unit named "Logistics"`}, stderr: []string{"nothing was written"}},
			{name: "dry run lists what would be created", file: "dry.csv", data: []byte(goodCSV), args: []string{"--dry-run", "--create-missing"},
				stdout: []string{"read 2 rows (encoding utf-8, separator comma)", "dry run: would create 2 use case(s) and 1 business unit(s) [Logistics]; 0 row(s) refused", "  + Alpha\n", "  + Beta\n"}},
			{name: "dry run with a bad row: exit 1 as the import would, the row listed", file: "dry.csv", data: []byte(goodCSV + "Gamma,someday,Retail,,,\n"), args: []string{"--dry-run"},
				code:   1,
				stdout: []string{"line 3: business_unit", "line 4: stage", "would create 1 use case(s) and 0 business unit(s) []; 2 row(s) refused", "  + Alpha\n"},
				stderr: []string{"import: dry run: 2 row(s) would be refused; nothing was written"}},
			{name: "dry run with a bad row and --skip-invalid: exit 0 as the import would", file: "dry.csv", data: []byte(goodCSV + "Gamma,someday,Retail,,,\n"), args: []string{"--dry-run", "--skip-invalid"},
				stdout: []string{"would create 1 use case(s) and 0 business unit(s) []; 2 row(s) refused"}},
			{name: "skip-invalid writes the good rows", file: "skip.csv", data: []byte(goodCSV + "Gamma,someday,Retail,,,\n"), args: []string{"--skip-invalid"},
				stdout: []string{"line 3: business_unit", "line 4: stage", "created 1 use case(s) and 0 business unit(s) []; 2 row(s) refused and skipped"},
				want:   []string{"Alpha/pilot/Retail"}},
			// Alpha is in Retail already (the case before): refused as imported
			// twice, and nothing written.
			{name: "a row already imported: exit 1, nothing written", file: "again.csv", data: []byte(goodCSV), args: []string{"--create-missing"}, code: 1,
				stdout: []string{`line 2: title: a use case titled "Alpha" already exists in this business unit`}, stderr: []string{"1 row(s) refused; nothing was written"}},
			{name: "create-missing creates the unit", file: "new.csv", data: []byte(strings.ReplaceAll(goodCSV, "Alpha", "Alpha 2")), args: []string{"--create-missing"},
				stdout: []string{"created 2 use case(s) and 1 business unit(s) [Logistics]"},
				want:   []string{"Alpha 2/pilot/Retail", "Beta/idea/Logistics"}, units: 1},
			{name: "--map", file: "m.csv", data: []byte("Name,Phase,Notes\nDelta,approved,x\n"), args: []string{"--map", "Name=title, Phase=stage"},
				stdout: []string{`title               ← column 1 "Name"`, `stage               ← column 2 "Phase"`, "ignored columns: Notes"},
				want:   []string{"Delta/approved/"}},
			{name: "--map by position", file: "m.csv", data: []byte("x,x\nignored,Epsilon\n"), args: []string{"--map", "#2=title"},
				want: []string{"Epsilon/idea/"}},
			{name: "--map-file", file: "m.csv", data: []byte("Name,Phase\nZeta,pilot\n"), args: []string{"--map-file", transferFile(t, "map.txt", []byte("Name=title\r\n\r\nPhase=stage\r\n"))},
				want: []string{"Zeta/pilot/"}},
			{name: "--map-file with --map", file: "m.csv", data: []byte("Name,Phase\nEta,scaling\n"),
				args: []string{"--map-file", transferFile(t, "map.txt", []byte("Name=title\n")), "--map", "Phase=stage"},
				want: []string{"Eta/scaling/"}},
			{name: "GBK detected", file: "gbk.csv", data: gbk, args: []string{"--map", "标题=title,阶段=stage,业务单元=business_unit"},
				stdout: []string{"encoding gb18030"}, want: []string{"智能客服/pilot/Retail"}},
			{name: "--encoding gbk", file: "gbk.csv", data: gbk2, args: []string{"--encoding", "gbk", "--map", "标题=title,阶段=stage,业务单元=business_unit"},
				stdout: []string{"encoding gbk"}, want: []string{"智能客服二/pilot/Retail"}},
			{name: "--encoding utf-8 on GBK bytes: exit 1", file: "gbk.csv", data: gbk, args: []string{"--encoding", "utf-8", "--map", "标题=title"}, code: 1,
				stderr: []string{"not valid utf-8"}},
			{name: "--separator ';'", file: "s.csv", data: []byte("title;stage\nTheta;pilot\n"), args: []string{"--separator", ";"},
				stdout: []string{"separator semicolon"}, want: []string{"Theta/pilot/"}},
			{name: "separator tie without --separator: exit 1", file: "s.tsv", data: []byte("title\tNotes, misc\nIota\tx\n"), code: 1,
				stderr: []string{"separator"}},
			{name: "--separator tab settles a tie", file: "s.tsv", data: []byte("title\tNotes, misc\nIota\tx\n"), args: []string{"--separator", "tab"},
				stdout: []string{"separator tab", "ignored columns: Notes, misc"}, want: []string{"Iota/idea/"}},
			{name: "XLSX", file: "u.xlsx", data: transferXLSX(t, [][]any{{"Title", "Stage"}, {"Kappa", "operating"}, {"Lambda"}}),
				stdout: []string{"read 2 rows (XLSX, first sheet)"}, want: []string{"Kappa/operating/", "Lambda/idea/"}},
			{name: "corrupt XLSX: exit 1", file: "bad.xlsx", data: []byte("not a workbook"), code: 1, stderr: []string{"not a readable XLSX"}},
			{name: "ragged CSV: exit 1 naming the line", file: "r.csv", data: []byte("title,stage\nA,idea\nB\n"), code: 1, stderr: []string{"line 3"}},
			{name: "empty file: exit 1", file: "e.csv", data: nil, code: 1, stderr: []string{"empty"}},
			{name: "a PDF named .csv: exit 1 naming the file and what it is", file: "p.csv", data: []byte("%PDF-1.7\n%\xe2\xe3\n"), code: 1,
				stderr: []string{"p.csv: The file is a PDF document"}},
			{name: "a NUL byte: exit 1 naming the file, line and byte", file: "n.csv", data: []byte("title,stage\nA\x00,idea\n"), code: 1,
				stderr: []string{"n.csv: Line 2, byte 2: the file holds a NUL byte"}},
			{name: "map names a missing column: exit 1", file: "m.csv", data: []byte("Name\nMu\n"), args: []string{"--map", "Title=title"}, code: 1,
				stderr: []string{`No column is named "Title"`}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				d.t = t
				before := d.counts()
				code, stdout, stderr := d.run(append([]string{"import", "use-cases", transferFile(t, tc.file, tc.data)}, tc.args...)...)
				if code != tc.code {
					t.Errorf("exit: got %d, want %d\n--- stdout:\n%s--- stderr:\n%s", code, tc.code, stdout, stderr)
				}
				for _, s := range tc.stdout {
					if !strings.Contains(stdout, s) {
						t.Errorf("stdout: got\n%s\nwant it to contain %q", stdout, s)
					}
				}
				for _, s := range tc.stderr {
					if !strings.Contains(strings.ToLower(stderr), strings.ToLower(s)) {
						t.Errorf("stderr: got %q, want it to contain %q", stderr, s)
					}
				}
				d.wantNew(tc.want...)
				after := d.counts()
				if want := [3]int{before[0] + len(tc.want), before[1] + tc.units, before[2] + len(tc.want) + tc.units}; after != want {
					t.Errorf("use cases/units/audit entries: got %v, want %v", after, want)
				}
			})
		}
	})
}

// TestImportUseCasesCLIJSON: --format json prints the result as JSON,
// with every refused row's line, also when the import fails.
func TestImportUseCasesCLIJSON(t *testing.T) {
	t.Parallel()
	forEachTransferDB(t, func(t *testing.T, d *transferDB) {
		for _, tc := range []struct {
			name    string
			args    []string
			code    int
			created int
		}{
			{"refused", nil, 1, 0},
			{"dry run", []string{"--dry-run"}, 1, 0},
			{"dry run, skip-invalid", []string{"--dry-run", "--skip-invalid"}, 0, 0},
			{"skip-invalid", []string{"--skip-invalid"}, 0, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				d.t = t
				before := d.counts()
				file := transferFile(t, "j.csv", []byte("title,stage,value_estimate\nGood,idea,5\n\"Multi\nline\",someday,x\n"))
				code, stdout, stderr := d.run(append([]string{"import", "use-cases", file, "--format", "json"}, tc.args...)...)
				if code != tc.code {
					t.Errorf("exit: got %d, want %d (stderr %s)", code, tc.code, stderr)
				}
				var res struct {
					Rows, Valid, Refused, Created int
					Errors                        []struct {
						Line          int
						Field, Reason string
					}
				}
				dec := json.NewDecoder(strings.NewReader(stdout))
				if err := dec.Decode(&res); err != nil {
					t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
				}
				if dec.More() {
					t.Errorf("stdout holds more than one JSON value:\n%s", stdout)
				}
				if res.Rows != 2 || res.Valid != 1 || res.Refused != 1 || res.Created != tc.created {
					t.Errorf("got rows/valid/refused/created %d/%d/%d/%d, want 2/1/1/%d", res.Rows, res.Valid, res.Refused, res.Created, tc.created)
				}
				var got []string
				for _, e := range res.Errors {
					got = append(got, e.Field)
					if e.Line != 3 || e.Reason == "" {
						t.Errorf("error %+v: want line 3 (where the multi-line row starts) and a reason", e)
					}
				}
				if want := []string{"stage", "value_estimate"}; !slices.Equal(got, want) {
					t.Errorf("error fields: got %q, want %q", got, want)
				}
				if after := d.counts(); after[0] != before[0]+tc.created {
					t.Errorf("use cases: got %d, want %d", after[0], before[0]+tc.created)
				}
			})
		}
	})
}

// TestTransferCLIUsage: bad flags exit 2 before any database is opened.
func TestTransferCLIUsage(t *testing.T) {
	t.Parallel()
	file := transferFile(t, "f.csv", []byte("title\nA\n"))
	missingMap := filepath.Join(t.TempDir(), "absent.txt")
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"import without subcommand", []string{"import"}, 2, "import: want 'use-cases FILE'"},
		{"import of something else", []string{"import", "goals", file}, 2, "import: want 'use-cases FILE'"},
		{"no FILE", []string{"import", "use-cases"}, 2, "name the FILE"},
		{"no FILE, only flags", []string{"import", "use-cases", "--dry-run"}, 2, "name the FILE"},
		{"two files", []string{"import", "use-cases", file, file}, 2, "unexpected argument"},
		{"unknown field in --map", []string{"import", "use-cases", file, "--map", "Name=titel"}, 2, `Unknown field "titel"`},
		{"bad --map syntax", []string{"import", "use-cases", file, "--map", "Name"}, 2, `must read "Source column=field"`},
		{"field mapped twice", []string{"import", "use-cases", file, "--map", "A=title,B=title"}, 2, "mapped twice"},
		{"field twice across --map and --map-file", []string{"import", "use-cases", file, "--map", "B=title",
			"--map-file", transferFile(t, "m.txt", []byte("A=title\n"))}, 2, "mapped twice"},
		{"bad --separator", []string{"import", "use-cases", file, "--separator", "|"}, 2, `--separator must be "," ";" or "tab"`},
		{"bad --format", []string{"import", "use-cases", file, "--format", "yaml"}, 2, "--format must be text or json"},
		{"unknown flag", []string{"import", "use-cases", file, "--frobnicate"}, 2, "flag provided but not defined: -frobnicate"},
		// --data goes before FILE here: flags end at the first argument
		// that is not one, so FILE comes first or last.
		{"FILE after flags", []string{"import", "use-cases", "--map", "Name=titel", "--data", "DATA", file}, 2, `Unknown field "titel"`},
		{"missing --map-file", []string{"import", "use-cases", file, "--map-file", missingMap}, 1, "read --map-file"},
		{"missing FILE", []string{"import", "use-cases", filepath.Join(t.TempDir(), "absent.csv")}, 1, "no such file"},
		{"export without subcommand", []string{"export"}, 2, "export: want 'use-cases'"},
		{"export of something else", []string{"export", "goals"}, 2, "export: want 'use-cases'"},
		{"export to an unknown format", []string{"export", "use-cases", "--format", "pdf"}, 2, `--format "pdf": want csv, xlsx or json`},
		{"xlsx without --output", []string{"export", "use-cases", "--format", "xlsx"}, 2, "--format xlsx needs --output FILE"},
		{"export with a stray argument", []string{"export", "use-cases", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := filepath.Join(t.TempDir(), "data")
			args := slices.Clone(tc.args)
			if i := slices.Index(args, "DATA"); i >= 0 {
				args[i] = data
			} else {
				args = append(args, "--data", data)
			}
			code, stdout, stderr := transferRun(t, args...)
			if code != tc.code {
				t.Errorf("exit: got %d, want %d\n--- stdout:\n%s--- stderr:\n%s", code, tc.code, stdout, stderr)
			}
			if !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr, tc.stderr)
			}
			if tc.code == 2 {
				checkHint(t, tc.args, stderr)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("created the data directory (stat: %v); a refused command must not open the database", err)
			}
		})
	}
}

func TestExportUseCasesCLI(t *testing.T) {
	t.Parallel()
	forEachTransferDB(t, func(t *testing.T, d *transferDB) {
		const n = 3
		if code, _, stderr := d.run("import", "use-cases", transferFile(t, "seed.csv", []byte("title,stage,tags\nOne,idea,a\nTwo,pilot,\"b; c\"\n三,operating,\n"))); code != 0 {
			t.Fatalf("seed import: exit %d: %s", code, stderr)
		}
		readTable := func(t *testing.T, name string, data []byte) *transfer.Table {
			t.Helper()
			tab, err := transfer.ReadTable(name, data, "", 0)
			if err != nil {
				t.Fatalf("read the export: %v", err)
			}
			if !slices.Equal(tab.Header, transfer.Columns) {
				t.Errorf("header: got %q, want transfer.Columns %q", tab.Header, transfer.Columns)
			}
			if len(tab.Rows) != n {
				t.Errorf("rows: got %d, want %d", len(tab.Rows), n)
			}
			return tab
		}

		t.Run("csv to standard output", func(t *testing.T) {
			code, stdout, stderr := d.run("export", "use-cases", "--format", "csv")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
			if err != nil {
				t.Fatalf("stdout is not CSV: %v", err)
			}
			if len(recs) != n+1 || !slices.Equal(recs[0], transfer.Columns) {
				t.Errorf("got %d records with header %q, want %d with transfer.Columns", len(recs), recs[0], n+1)
			}
			readTable(t, "out.csv", []byte(stdout))
		})
		t.Run("csv is the default", func(t *testing.T) {
			code, stdout, _ := d.run("export", "use-cases")
			if code != 0 || !strings.HasPrefix(stdout, strings.Join(transfer.Columns, ",")+"\n") {
				t.Errorf("got exit %d and %.80q, want 0 and the CSV header", code, stdout)
			}
		})
		t.Run("json to standard output", func(t *testing.T) {
			code, stdout, stderr := d.run("export", "use-cases", "--format", "json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var got []lodestar.UseCase
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("stdout is not a JSON array: %v\n%s", err, stdout)
			}
			if len(got) != n || got[0].Title != "三" || got[0].Alignment.Status == "" {
				t.Errorf("got %d items, first %q alignment %q; want %d, newest first, with alignment", len(got), got[0].Title, got[0].Alignment.Status, n)
			}
		})
		for _, format := range []string{"csv", "json", "xlsx"} {
			t.Run(format+" to --output", func(t *testing.T) {
				dir := t.TempDir()
				out := filepath.Join(dir, "export."+format)
				if err := os.WriteFile(out, []byte("old content"), 0o600); err != nil {
					t.Fatal(err)
				}
				code, stdout, stderr := d.run("export", "use-cases", "--format", format, "--output", out)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, stderr)
				}
				if stdout != "" {
					t.Errorf("stdout: got %q, want nothing (the export went to the file)", stdout)
				}
				if want := "exported 3 use cases to " + out; !strings.Contains(stderr, want) {
					t.Errorf("stderr: got %q, want %q", stderr, want)
				}
				data, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if format == "json" {
					var got []map[string]any
					if err := json.Unmarshal(data, &got); err != nil || len(got) != n {
						t.Errorf("file: got %d items (err %v), want %d", len(got), err, n)
					}
				} else {
					readTable(t, filepath.Base(out), data)
				}
				if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o644 {
					t.Errorf("file mode: got %v (err %v), want 0644", st.Mode().Perm(), err)
				}
				wantOnly(t, dir, "export."+format)
			})
		}
		t.Run("unwritable --output", func(t *testing.T) {
			dir := t.TempDir()
			plain := filepath.Join(dir, "plain")
			if err := os.WriteFile(plain, []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "a-directory"), 0o755); err != nil {
				t.Fatal(err)
			}
			cases := map[string]string{
				"directory does not exist":  filepath.Join(dir, "absent", "out.csv"),
				"parent is a file":          filepath.Join(plain, "out.csv"),
				"output is a directory":     filepath.Join(dir, "a-directory"),
				"xlsx into a missing place": filepath.Join(dir, "absent", "out.xlsx"),
			}
			readOnly := filepath.Join(t.TempDir(), "read-only")
			if os.Geteuid() != 0 { // root writes anywhere
				if err := os.Mkdir(readOnly, 0o555); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.Chmod(readOnly, 0o755) })
				cases["read-only directory"] = filepath.Join(readOnly, "out.csv")
			}
			for name, out := range cases {
				t.Run(name, func(t *testing.T) {
					format := strings.TrimPrefix(filepath.Ext(out), ".")
					if format == "" {
						format = "csv"
					}
					code, stdout, stderr := d.run("export", "use-cases", "--format", format, "--output", out)
					if code != 1 {
						t.Errorf("exit: got %d, want 1 (stderr %s)", code, stderr)
					}
					if !strings.Contains(stderr, "export:") || stdout != "" {
						t.Errorf("got stdout %q stderr %q, want an export error on stderr only", stdout, stderr)
					}
				})
			}
			// No partial or temporary file anywhere.
			wantOnly(t, dir, "a-directory", "plain")
			if entries, _ := os.ReadDir(filepath.Join(dir, "a-directory")); len(entries) != 0 {
				t.Errorf("the directory named as --output holds %d entries, want none", len(entries))
			}
			if entries, _ := os.ReadDir(readOnly); len(entries) != 0 {
				t.Errorf("the read-only directory holds %d entries, want none", len(entries))
			}
			if b, _ := os.ReadFile(plain); string(b) != "x" {
				t.Errorf("plain file: got %q, want it untouched", b)
			}
		})
	})
}

// wantOnly fails unless dir holds exactly the named entries (no partial
// or temporary export left behind).
func wantOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

// transferXLSX builds a workbook whose first sheet holds rows.
func transferXLSX(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportDryRunCreatesNothing: a dry run on a data directory with no
// database — a new one, or a path mistyped — says there is nothing to
// check against and leaves no database there; without --dry-run the
// import creates it, as the quick start does.
func TestImportDryRunCreatesNothing(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "uc.csv", "title,stage\nChatbot,idea\n")
	dir := filepath.Join(t.TempDir(), "fresh")
	code, out, errOut := runCLI(t, "import", "use-cases", file, "--data", dir, "--dry-run")
	if code != 1 || out != "" || !strings.Contains(errOut, "a dry run has nothing to check against") {
		t.Errorf("dry run on a new directory: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "lodestar.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dry run left a database: %v", err)
	}
	if code, _, errOut := runWith(zhEnvOf, "import", "use-cases", file, "--data", dir, "--dry-run"); code != 1 || !strings.Contains(errOut, "试运行没有可供核对的数据库") {
		t.Errorf("in Chinese: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "import", "use-cases", file, "--data", dir); code != 0 {
		t.Errorf("the import itself on a new directory: exit %d, %s", code, errOut)
	}
}
