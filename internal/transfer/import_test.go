package transfer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// env is a store on a fresh database holding what import rows refer to:
// two business units, a goal, KPIs (one under the goal, one under none,
// one archived), pain points and users (one disabled).
type env struct {
	t   *testing.T
	db  *sqldb.DB
	s   *store.Store
	ctx context.Context

	retail, mfg                  *lodestar.BusinessUnit
	sponsor, lead                *lodestar.User
	conversion, orphan, archived *lodestar.KPI
	checkout, scrap              *lodestar.PainPoint
}

func newEnv(t *testing.T, db *sqldb.DB) *env {
	t.Helper()
	testdb.UseClock(db)
	e := &env{t: t, db: db, s: store.New(db), ctx: lodestar.WithActor(context.Background(), lodestar.Actor{Label: "import-test"})}
	e.retail = ok(e.s.CreateBusinessUnit(e.ctx, lodestar.BusinessUnit{Name: "Retail", NameZH: "零售"}))(t)
	e.mfg = ok(e.s.CreateBusinessUnit(e.ctx, lodestar.BusinessUnit{Name: "Manufacturing", NameZH: "制造"}))(t)
	goal := ok(e.s.CreateGoal(e.ctx, lodestar.Goal{Title: "Grow online sales", BusinessUnitID: e.retail.ID, Horizon: "year"}))(t)
	kpi := func(name, zh string, goal int64) *lodestar.KPI {
		return ok(e.s.CreateKPI(e.ctx, lodestar.KPI{GoalID: goal, Name: name, NameZH: zh, Unit: "%", Direction: lodestar.DirectionUp,
			Baseline: 100, Target: 200, TargetDate: "2031-03-04"}))(t)
	}
	e.conversion = kpi("Conversion rate", "转化率", goal.ID)
	e.orphan = kpi("Orphan KPI", "", 0)
	e.archived = kpi("Old KPI", "", goal.ID)
	ok(e.s.ArchiveKPI(e.ctx, e.archived.ID, true))(t)
	pain := func(title, zh string) *lodestar.PainPoint {
		return ok(e.s.CreatePainPoint(e.ctx, lodestar.PainPoint{Title: title, TitleZH: zh, BusinessUnitID: e.retail.ID, Category: "cost", AnnualCost: 1000}))(t)
	}
	e.checkout = pain("Slow checkout", "结账慢")
	e.scrap = pain("Scrap rate", "")
	e.sponsor = e.user("sponsor@example.com", false)
	e.lead = e.user("lead@example.com", false)
	e.user("gone@example.com", true)
	return e
}

// ok returns a function that fails t when err is not nil and returns v,
// so a call's two results can be checked in one expression:
// ok(s.CreateKPI(…))(t).
func ok[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("set-up: %v", err)
		}
		return v
	}
}

// user writes a user straight into the table: these tests need sponsors,
// not sign-ins, so the password hash is a placeholder.
func (e *env) user(email string, disabled bool) *lodestar.User {
	e.t.Helper()
	_, err := e.db.ExecContext(context.Background(), e.db.Rebind(`INSERT INTO users
		(email, name, role, password_hash, locale, disabled, created_at, updated_at) VALUES (?, ?, 'business_owner', 'x', '', ?, ?, ?)`),
		email, email, disabled, sqldb.FormatTime(e.db.Now()), sqldb.FormatTime(e.db.Now()))
	if err != nil {
		e.t.Fatalf("insert user %s: %v", email, err)
	}
	u, err := e.s.FindUserByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatalf("find user %s: %v", email, err)
	}
	return u
}

// tally is the row count of every table an import writes.
type tally map[string]int

var importTables = []string{"use_cases", "business_units", "audit_log", "use_case_impacts", "use_case_pain_points"}

func (e *env) tally() tally {
	e.t.Helper()
	out := tally{}
	for _, table := range importTables {
		out[table] = testdb.Count(e.t, e.db, table)
	}
	return out
}

// wantTally fails unless the counts are before plus delta.
func (e *env) wantTally(before tally, delta tally, what string) {
	e.t.Helper()
	after := e.tally()
	for _, table := range importTables {
		if got, want := after[table], before[table]+delta[table]; got != want {
			e.t.Errorf("%s: %s has %d rows, want %d (before %d)", what, table, got, want, before[table])
		}
	}
}

// run reads data as a file called name and imports it with opt.
func (e *env) run(name string, data []byte, opt transfer.Options) (*transfer.Result, error) {
	e.t.Helper()
	tab, err := transfer.ReadTable(name, data, "", 0)
	if err != nil {
		e.t.Fatalf("ReadTable: %v", errMessage(err))
	}
	return transfer.Import(e.ctx, e.s, e.s, tab, opt)
}

// mustRun is run that fails on an error.
func (e *env) mustRun(name string, data []byte, opt transfer.Options) *transfer.Result {
	e.t.Helper()
	res, err := e.run(name, data, opt)
	if err != nil {
		e.t.Fatalf("Import: got error %q, want none", errMessage(err))
	}
	return res
}

// csvFile writes rows under a header of every import field, in
// transfer.Fields order; a missing key is an empty cell.
func csvFile(rows ...map[string]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(transfer.Fields)
	for _, r := range rows {
		rec := make([]string, len(transfer.Fields))
		for i, f := range transfer.Fields {
			rec[i] = r[f]
		}
		w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

// goodRow is a row every check passes, aligned (sponsor, pain point, and
// an impact on a KPI under a goal). Its Chinese title follows the title:
// two use cases of a unit may not share a name in either language.
func goodRow(title string) map[string]string {
	return map[string]string{
		"title": title, "title_zh": "好的用例：" + strings.TrimSpace(title), "description": "Made by the import test.", "business_unit": "Retail",
		"stage": "Pilot", "sponsor": "Sponsor@Example.com", "ai_lead": "lead@example.com",
		"value_estimate": "1,200,000", "cost_estimate": "300000",
		"data_readiness": "4", "technical_maturity": "3", "skills": "2", "integration": "5",
		"pain_points": "Slow checkout; 结账慢", "impacts": "Conversion rate=2.5@0.8; Orphan KPI=-1", "tags": "checkout; ml, retail",
	}
}

// with returns a copy of row with the given fields replaced.
func with(row map[string]string, kv ...string) map[string]string {
	out := maps.Clone(row)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// titles lists the titles of the use cases in the store, sorted.
func (e *env) titles() []string {
	e.t.Helper()
	var out []string
	for _, uc := range e.all() {
		out = append(out, uc.Title)
	}
	slices.Sort(out)
	return out
}

// all returns every use case, oldest first.
func (e *env) all() []*lodestar.UseCase {
	e.t.Helper()
	var out []*lodestar.UseCase
	f := lodestar.UseCaseFilter{Limit: 200}
	for {
		page, _, err := e.s.FindUseCases(e.ctx, f)
		if err != nil {
			e.t.Fatalf("FindUseCases: %v", err)
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].ID
	}
	slices.Reverse(out)
	return out
}

// importAudits returns the audit log's "import" entries as
// "entity_type:entity_id".
func (e *env) importAudits() []string {
	e.t.Helper()
	rows, err := e.db.Query(context.Background(), `SELECT entity_type, entity_id FROM audit_log WHERE action = 'import' ORDER BY seq`)
	if err != nil {
		e.t.Fatalf("audit: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var typ, id string
		if err := rows.Scan(&typ, &id); err != nil {
			e.t.Fatalf("audit: %v", err)
		}
		out = append(out, typ+":"+id)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatalf("audit: %v", err)
	}
	return out
}

func TestImportParseMap(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{"empty", "", map[string]string{}, ""},
		{"one", "Name=title", map[string]string{"title": "Name"}, ""},
		{"several, spaces trimmed, empty parts skipped", " Name = title ,, Phase=stage,#3=tags, ", map[string]string{"title": "Name", "stage": "Phase", "tags": "#3"}, ""},
		{"column names with spaces and Chinese", "Use case title=title,业务单元=business_unit", map[string]string{"title": "Use case title", "business_unit": "业务单元"}, ""},
		{"no equals sign", "Name", nil, `"Name" must read "Source column=field"`},
		{"no column", "=title", nil, "must read"},
		{"no field", "Name=", nil, "must read"},
		{"unknown field", "Name=titel", nil, `Unknown field "titel"`},
		{"API name that is not an import field", "Score=score", nil, `Unknown field "score"`},
		{"field names are case-sensitive", "Name=Title", nil, `Unknown field "Title"`},
		{"field twice", "Name=title,Other=title", nil, `Field "title" is mapped twice`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := transfer.ParseMap(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(errMessage(err), tc.wantErr) {
					t.Fatalf("ParseMap(%q): got %v, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
				}
				if _, ok := lodestar.ErrorFields(err)["map"]; !ok {
					t.Errorf("ParseMap(%q): got error fields %v, want one for \"map\"", tc.in, lodestar.ErrorFields(err))
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMap(%q): got error %q, want none", tc.in, errMessage(err))
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("ParseMap(%q): got %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestImportColumns(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		cases := []struct {
			name    string
			file    string
			mapping string // for ParseMap
			want    map[string]int
			ignored []string
			title   string // the first row's title as read
			wantErr string
			direct  map[string]string // Options.Map as is, when set
		}{
			{"same names, ignoring case", "TITLE,Stage,Business_Unit,Notes\nChatbot,idea,Retail,x\n", "",
				map[string]int{"title": 0, "stage": 1, "business_unit": 2}, []string{"Notes"}, "Chatbot", "", nil},
			{"export's computed columns are not reported as ignored", "id,title,score,alignment,alignment_reasons,feasibility,risk_tier,created_at,updated_at\n7,Chatbot,1,aligned,,3,unassessed,x,y\n", "",
				map[string]int{"title": 1}, nil, "Chatbot", "", nil},
			{"mapped by name", "Name,Phase,Notes\nChatbot,idea,x\n", "Name=title,Phase=stage",
				map[string]int{"title": 0, "stage": 1}, []string{"Notes"}, "Chatbot", "", nil},
			{"mapped by name, ignoring case", "NAME,phase\nChatbot,idea\n", "name=title,Phase=stage",
				map[string]int{"title": 0, "stage": 1}, nil, "Chatbot", "", nil},
			{"mapping wins over a same-named column", "title,Real title\nwrong,Chatbot\n", "Real title=title",
				map[string]int{"title": 1}, []string{"title"}, "Chatbot", "", nil},
			{"mapped by position", "a,b,c\nx,Chatbot,idea\n", "#2=title,#3=stage",
				map[string]int{"title": 1, "stage": 2}, []string{"a"}, "Chatbot", "", nil},
			{"duplicate header mapped by position", "title,tags,Tags\nChatbot,one,two\n", "#3=tags",
				map[string]int{"title": 0, "tags": 2}, []string{"tags"}, "Chatbot", "", nil},
			{"blank header mapped as column_N", "title,\nChatbot,idea\n", "column_2=stage",
				map[string]int{"title": 0, "stage": 1}, nil, "Chatbot", "", nil},
			{name: "a field mapped to nothing is left out", file: "title,tags,stage\nChatbot,x,nonsense\n", direct: map[string]string{"tags": "", "stage": ""},
				want: map[string]int{"title": 0}, ignored: []string{"tags", "stage"}, title: "Chatbot"},
			{"duplicate header mapped by name", "Name,Name\nChatbot,x\n", "Name=title", nil, nil, "", `"#1=field"`, nil},
			{"duplicate header matched by field name", "title,tags,Tags\nChatbot,one,two\n", "", nil, nil, "", "columns #2, #3", nil},
			{"mapped column missing", "Name\nChatbot\n", "Title text=title", nil, nil, "", `No column is named "Title text"`, nil},
			{"position beyond the last column", "Name\nChatbot\n", "#2=title", nil, nil, "", "Column #2 does not exist; the file has 1 columns", nil},
			{"position zero", "Name\nChatbot\n", "#0=title", nil, nil, "", "Column #0 does not exist", nil},
			{"no title column", "Name,stage\nChatbot,idea\n", "", nil, nil, "", "No column gives the title", nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.tally()
				m, err := transfer.ParseMap(tc.mapping)
				if err != nil {
					t.Fatalf("ParseMap(%q): %v", tc.mapping, err)
				}
				if tc.direct != nil {
					m = tc.direct
				}
				res, err := e.run("f.csv", []byte(tc.file), transfer.Options{Map: m, DryRun: true})
				e.wantTally(before, nil, tc.name)
				if tc.wantErr != "" {
					if err == nil || !strings.Contains(errMessage(err), tc.wantErr) {
						t.Fatalf("Import: got error %v, want one containing %q", err, tc.wantErr)
					}
					if _, ok := lodestar.ErrorFields(err)["map"]; !ok {
						t.Errorf("Import: got error fields %v, want one for \"map\"", lodestar.ErrorFields(err))
					}
					return
				}
				if err != nil {
					t.Fatalf("Import: got error %q, want none", errMessage(err))
				}
				if !maps.Equal(res.Columns, tc.want) {
					t.Errorf("columns: got %v, want %v", res.Columns, tc.want)
				}
				if !slices.Equal(res.Ignored, tc.ignored) {
					t.Errorf("ignored: got %q, want %q", res.Ignored, tc.ignored)
				}
				if len(res.Errors) > 0 {
					t.Errorf("errors: got %+v, want none", res.Errors)
				}
				if res.Valid != 1 || len(res.Preview) != 1 || res.Preview[0].Title != tc.title {
					t.Errorf("preview: got %d valid %v, want 1 titled %q", res.Valid, res.Preview, tc.title)
				}
			})
		}
	})
}

// TestImportBadRows puts each kind of bad row at line 3, after a good row
// at line 2, and wants it refused with its line and field, and nothing
// written.
func TestImportBadRows(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		good := goodRow("Good row")
		cases := []struct {
			name   string
			row    map[string]string
			field  string // the field the error names
			reason string // substring of its reason
		}{
			{"unknown stage", with(good, "stage", "someday"), "stage", `unknown stage "someday"`},
			{"bad number", with(good, "value_estimate", "lots"), "value_estimate", `"lots" is not a whole amount`},
			{"fractional amount", with(good, "cost_estimate", "12.5"), "cost_estimate", `"12.5" is not a whole amount`},
			{"negative cost", with(good, "cost_estimate", "-5"), "cost_estimate", "negative"},
			{"negative value", with(good, "value_estimate", "-1"), "value_estimate", "negative"},
			{"value beyond the bound", with(good, "value_estimate", "9223372036854775807"), "value_estimate", "at most 1,000,000,000,000"},
			{"cost beyond the bound", with(good, "cost_estimate", "1,000,000,000,001"), "cost_estimate", "at most 1,000,000,000,000"},
			{"unknown sponsor e-mail", with(good, "sponsor", "nobody@example.com"), "sponsor", `"nobody@example.com"`},
			{"disabled sponsor", with(good, "sponsor", "gone@example.com"), "sponsor", `"gone@example.com"`},
			{"unknown AI lead", with(good, "ai_lead", "ghost@example.com"), "ai_lead", `"ghost@example.com"`},
			{"unknown pain point", with(good, "pain_points", "Slow checkout; Missing pain"), "pain_points", `no pain point titled "Missing pain"`},
			{"unknown KPI in impacts", with(good, "impacts", "Conversion rate=1; Happiness=3@0.5"), "impacts", `no live KPI named "Happiness"`},
			{"archived KPI in impacts", with(good, "impacts", "Old KPI=3"), "impacts", `no live KPI named "Old KPI"`},
			{"impact without =", with(good, "impacts", "Conversion rate+5"), "impacts", `"Conversion rate+5" must read "KPI name=change@confidence"`},
			{"impact change not a number", with(good, "impacts", "Conversion rate=five"), "impacts", `change "five" is not a number`},
			{"impact confidence not a number", with(good, "impacts", "Conversion rate=5@high"), "impacts", `confidence "high" is not a number`},
			{"impact confidence above 1", with(good, "impacts", "Conversion rate=5@1.5"), "impacts", "Confidence runs from 0 to 1"},
			{"impact change zero", with(good, "impacts", "Conversion rate=0"), "impacts", "non-zero"},
			{"same KPI twice", with(good, "impacts", "Conversion rate=1; 转化率=2"), "impacts", "listed twice"},
			{"feasibility 7", with(good, "data_readiness", "7"), "data_readiness", "1 to 5"},
			{"feasibility negative", with(good, "skills", "-1"), "skills", "1 to 5"},
			{"feasibility not a number", with(good, "integration", "high"), "integration", `"high" is not a score from 1 to 5`},
			{"blank title", with(good, "title", "   "), "title", "Title is required"},
			{"over-long title", with(good, "title", strings.Repeat("長", 201)), "title", "at most 200 characters"},
			{"over-long tag", with(good, "tags", strings.Repeat("t", 41)), "tags", "at most 40 characters"},
			{"unknown business unit", with(good, "business_unit", "Atlantis"), "business_unit", `no business unit named "Atlantis" (use --create-missing`},
			// A megabyte cell is named by its first 79 characters, not
			// copied whole into the answer.
			{"huge bad cell", with(good, "stage", strings.Repeat("x", 1<<20)), "stage", `unknown stage "` + strings.Repeat("x", 79) + `…"`},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.tally()
				res := e.mustRun("bad.csv", csvFile(good, tc.row), transfer.Options{})
				e.wantTally(before, nil, tc.name)
				if res.Rows != 2 || res.Valid != 1 || res.Refused != 1 || res.Created != 0 {
					t.Errorf("got rows/valid/refused/created %d/%d/%d/%d, want 2/1/1/0", res.Rows, res.Valid, res.Refused, res.Created)
				}
				if len(res.Errors) != 1 {
					t.Fatalf("got %d errors %+v, want exactly 1", len(res.Errors), res.Errors)
				}
				got := res.Errors[0]
				if got.Line != 3 {
					t.Errorf("line: got %d, want 3 (%+v)", got.Line, got)
				}
				if got.Field != tc.field {
					t.Errorf("field: got %q, want %q (%+v)", got.Field, tc.field, got)
				}
				if !strings.Contains(got.Reason, tc.reason) {
					t.Errorf("reason: got %q, want it to contain %q", got.Reason, tc.reason)
				}
			})
		}

		t.Run("every problem of a row, and the line a multi-line row starts on", func(t *testing.T) {
			before := e.tally()
			data := csvFile(
				with(good, "description", "spans\nthree\nlines"),                      // lines 2-4
				with(good, "title", "", "stage", "later", "sponsor", "x@example.com"), // line 5
				with(good, "title", "Another good row", "title_zh", "另一行"),            // line 6
				with(good, "skills", "9"),                                             // line 7
			)
			res := e.mustRun("bad.csv", data, transfer.Options{})
			e.wantTally(before, nil, "several bad rows")
			var got []string
			for _, er := range res.Errors {
				got = append(got, strconv.Itoa(er.Line)+":"+er.Field)
			}
			want := []string{"5:sponsor", "5:stage", "5:title", "7:skills"}
			if !slices.Equal(got, want) {
				t.Errorf("errors: got %q, want %q (%+v)", got, want, res.Errors)
			}
			if res.Valid != 2 || res.Refused != 2 {
				t.Errorf("got valid/refused %d/%d, want 2/2", res.Valid, res.Refused)
			}
		})
	})
}

// TestImportAllOrNothing: one bad row and nothing is written; SkipInvalid
// writes the good ones; DryRun writes nothing and says what it would do.
func TestImportAllOrNothing(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		data := csvFile(
			goodRow("First good"),
			with(goodRow("Second good"), "business_unit", "Logistics"),
			with(goodRow("Refused"), "stage", "someday"),
			goodRow("Third good"),
		)
		opt := transfer.Options{CreateMissing: true}
		cases := []struct {
			name    string
			opt     transfer.Options
			created int
			delta   tally
			titles  []string
		}{
			{"one bad row: nothing written", opt, 0, nil, nil},
			{"dry run: nothing written", transfer.Options{CreateMissing: true, DryRun: true}, 0, nil, nil},
			{"dry run with skip-invalid: nothing written", transfer.Options{CreateMissing: true, DryRun: true, SkipInvalid: true}, 0, nil, nil},
			// Three use cases, each with two impacts and one pain point
			// (named twice, in two languages), one new unit, four audit
			// entries.
			{"skip-invalid: the good rows written", transfer.Options{CreateMissing: true, SkipInvalid: true}, 3,
				tally{"use_cases": 3, "business_units": 1, "audit_log": 4, "use_case_impacts": 6, "use_case_pain_points": 3},
				[]string{"First good", "Second good", "Third good"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := e.tally()
				res := e.mustRun("mixed.csv", data, tc.opt)
				e.wantTally(before, tc.delta, tc.name)
				if res.Rows != 4 || res.Valid != 3 || res.Refused != 1 || res.Created != tc.created {
					t.Errorf("got rows/valid/refused/created %d/%d/%d/%d, want 4/3/1/%d", res.Rows, res.Valid, res.Refused, res.Created, tc.created)
				}
				if len(res.Errors) != 1 || res.Errors[0].Line != 4 || res.Errors[0].Field != "stage" {
					t.Errorf("errors: got %+v, want one for line 4, stage", res.Errors)
				}
				if !slices.Equal(res.NewUnits, []string{"Logistics"}) {
					t.Errorf("new units: got %q, want [Logistics]", res.NewUnits)
				}
				var preview []string
				for _, in := range res.Preview {
					preview = append(preview, in.Title)
				}
				if want := []string{"First good", "Second good", "Third good"}; !slices.Equal(preview, want) {
					t.Errorf("preview: got %q, want %q", preview, want)
				}
				if got := e.titles(); !slices.Equal(got, tc.titles) {
					t.Errorf("use cases in the store: got %q, want %q", got, tc.titles)
				}
			})
		}
	})
}

// TestImportBusinessUnits: an unknown unit is refused unless
// CreateMissing, which creates it once however many rows name it and in
// whatever case; known units match either name in any case.
func TestImportBusinessUnits(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		row := func(title, unit string) map[string]string {
			return map[string]string{"title": title, "business_unit": unit}
		}
		data := csvFile(row("A", "Logistics"), row("B", "LOGISTICS"), row("C", " logistics "), row("D", "retail"), row("E", "制造"), row("F", ""))

		before := e.tally()
		res := e.mustRun("units.csv", data, transfer.Options{})
		e.wantTally(before, nil, "unknown unit without CreateMissing")
		var lines []int
		for _, er := range res.Errors {
			lines = append(lines, er.Line)
			if er.Field != "business_unit" || !strings.Contains(strings.ToLower(er.Reason), `"logistics"`) || !strings.Contains(er.Reason, "--create-missing") {
				t.Errorf("error: got %+v, want business_unit naming the unit and --create-missing", er)
			}
		}
		if !slices.Equal(lines, []int{2, 3, 4}) {
			t.Errorf("refused lines: got %v, want [2 3 4]", lines)
		}
		if res.Created != 0 || len(res.NewUnits) != 0 {
			t.Errorf("got created %d, new units %q; want 0 and none", res.Created, res.NewUnits)
		}

		res = e.mustRun("units.csv", data, transfer.Options{CreateMissing: true})
		if len(res.Errors) != 0 || res.Created != 6 {
			t.Fatalf("with CreateMissing: got %d created, errors %+v; want 6 and none", res.Created, res.Errors)
		}
		if !slices.Equal(res.NewUnits, []string{"Logistics"}) {
			t.Errorf("new units: got %q, want [Logistics]", res.NewUnits)
		}
		e.wantTally(before, tally{"use_cases": 6, "business_units": 1, "audit_log": 7}, "CreateMissing")
		units, err := e.s.ListBusinessUnits(e.ctx, lodestar.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var logistics int64
		for _, u := range units {
			if strings.EqualFold(u.Name, "logistics") {
				if logistics != 0 {
					t.Errorf("unit Logistics created twice")
				}
				logistics = u.ID
				if u.Name != "Logistics" {
					t.Errorf("unit name: got %q, want the first spelling %q", u.Name, "Logistics")
				}
			}
		}
		want := map[string]int64{"A": logistics, "B": logistics, "C": logistics, "D": e.retail.ID, "E": e.mfg.ID, "F": 0}
		for _, uc := range e.all() {
			if uc.BusinessUnitID != want[uc.Title] {
				t.Errorf("use case %s: got unit %d, want %d", uc.Title, uc.BusinessUnitID, want[uc.Title])
			}
		}
		if got := e.importAudits(); !slices.Contains(got, "business_unit:"+strconv.FormatInt(logistics, 10)) {
			t.Errorf("audit: got %q, want an import entry for business_unit:%d", got, logistics)
		}

		// The unit now exists: a second import names it without creating it.
		before = e.tally()
		res = e.mustRun("units.csv", csvFile(row("G", "logistics")), transfer.Options{})
		if res.Created != 1 || len(res.NewUnits) != 0 {
			t.Errorf("second import: got created %d, new units %q; want 1 and none", res.Created, res.NewUnits)
		}
		e.wantTally(before, tally{"use_cases": 1, "audit_log": 1}, "second import")
	})
}

// TestImportBlankRows: rows with nothing but white space are skipped,
// neither refused nor created.
func TestImportBlankRows(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		data := []byte("title,stage,tags\nA,idea,\n,,\n  ,\t, \nB,pilot,x\n\"\",\"\",\"\"\n")
		res := e.mustRun("blank.csv", data, transfer.Options{})
		if res.Rows != 5 || res.Valid != 2 || res.Refused != 0 || res.Created != 2 || len(res.Errors) != 0 {
			t.Errorf("got rows/valid/refused/created %d/%d/%d/%d errors %+v, want 5/2/0/2 and none", res.Rows, res.Valid, res.Refused, res.Created, res.Errors)
		}
		if got := e.titles(); !slices.Equal(got, []string{"A", "B"}) {
			t.Errorf("titles: got %q, want [A B]", got)
		}

		// A file of nothing but blank rows, or only a header, is refused
		// as such ("0 rows imported" read as success), and creates nothing.
		for _, data := range []string{"title,stage\n,\n , \n", "title,stage\n"} {
			for _, dry := range []bool{false, true} {
				before := e.tally()
				_, err := e.run("blank.csv", []byte(data), transfer.Options{DryRun: dry})
				if lodestar.ErrorCode(err) != lodestar.EInvalid || !strings.Contains(errMessage(err), "no rows to import") {
					t.Errorf("%q (dry run %v): got %v, want it refused for having no rows", data, dry, err)
				}
				e.wantTally(before, nil, "blank file")
			}
		}
	})
}

// TestImportWrites checks every field of written rows, their computed
// alignment and their audit entries.
func TestImportWrites(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		data := csvFile(
			goodRow("Aligned"),
			map[string]string{"title": "Misaligned", "stage": "", "impacts": "Orphan KPI=3@0.25", "business_unit": "制造"},
		)
		res := e.mustRun("w.csv", data, transfer.Options{})
		if res.Created != 2 || len(res.Errors) != 0 {
			t.Fatalf("got created %d errors %+v, want 2 and none", res.Created, res.Errors)
		}
		ucs := e.all()
		if len(ucs) != 2 {
			t.Fatalf("got %d use cases, want 2", len(ucs))
		}
		a, m := ucs[0], ucs[1]
		if a.Title != "Aligned" || a.TitleZH != "好的用例：Aligned" || a.Description != "Made by the import test." || a.BusinessUnitID != e.retail.ID ||
			a.Stage != lodestar.StagePilot || a.SponsorID != e.sponsor.ID || a.AILeadID != e.lead.ID ||
			a.ValueEstimate != 1200000 || a.CostEstimate != 300000 {
			t.Errorf("aligned row: got %+v", a)
		}
		if want := (lodestar.Feasibility{DataReadiness: 4, TechnicalMaturity: 3, Skills: 2, Integration: 5}); a.Feasibility != want {
			t.Errorf("feasibility: got %+v, want %+v", a.Feasibility, want)
		}
		if !slices.Equal(a.PainPointIDs, []int64{e.checkout.ID}) {
			t.Errorf("pain points: got %v, want [%d] (named twice, once in Chinese)", a.PainPointIDs, e.checkout.ID)
		}
		wantImpacts := []lodestar.Impact{{KPIID: e.conversion.ID, Change: 2.5, Confidence: 0.8}, {KPIID: e.orphan.ID, Change: -1, Confidence: 0.5}}
		if !sameImpacts(a.Impacts, wantImpacts) {
			t.Errorf("impacts: got %+v, want %+v", a.Impacts, wantImpacts)
		}
		if !sameSet(a.Tags, []string{"checkout", "ml", "retail"}) {
			t.Errorf("tags: got %q, want checkout, ml, retail", a.Tags)
		}
		// An impact on a KPI with no goal makes even a full row misaligned.
		orphanReason := lodestar.ReasonKPIWithoutGoal + ":" + strconv.FormatInt(e.orphan.ID, 10)
		if a.Alignment.Status != "misaligned" || !slices.Equal(a.Alignment.Reasons, []string{orphanReason}) {
			t.Errorf("alignment of a row with an orphan KPI: got %+v, want misaligned for kpi_without_goal", a.Alignment)
		}
		if m.Stage != lodestar.StageIdea || m.BusinessUnitID != e.mfg.ID {
			t.Errorf("minimal row: got stage %q unit %d, want idea and %d", m.Stage, m.BusinessUnitID, e.mfg.ID)
		}
		if m.Alignment.Status != "misaligned" || !sameSet(m.Alignment.Reasons, []string{lodestar.ReasonNoSponsor, lodestar.ReasonNoPainPoint, orphanReason}) {
			t.Errorf("minimal row alignment: got %+v, want misaligned: no sponsor, no pain point, KPI without goal", m.Alignment)
		}
		if !sameImpacts(m.Impacts, []lodestar.Impact{{KPIID: e.orphan.ID, Change: 3, Confidence: 0.25}}) {
			t.Errorf("minimal row impacts: got %+v", m.Impacts)
		}

		res = e.mustRun("w.csv", csvFile(with(goodRow("Fully aligned"), "impacts", "转化率=4")), transfer.Options{})
		if res.Created != 1 {
			t.Fatalf("got created %d errors %+v, want 1", res.Created, res.Errors)
		}
		full := e.all()[2]
		if full.Alignment.Status != "aligned" || len(full.Alignment.Reasons) != 0 {
			t.Errorf("alignment: got %+v, want aligned with no reasons", full.Alignment)
		}
		if full.Score <= 0 {
			t.Errorf("score: got %v, want it computed (> 0)", full.Score)
		}

		var want []string
		for _, uc := range e.all() {
			want = append(want, "use_case:"+strconv.FormatInt(uc.ID, 10))
		}
		if got := e.importAudits(); !slices.Equal(got, want) {
			t.Errorf("import audit entries: got %q, want %q", got, want)
		}
	})
}

func sameImpacts(a, b []lodestar.Impact) bool {
	key := func(x lodestar.Impact) string {
		return strconv.FormatInt(x.KPIID, 10) + "=" + strconv.FormatFloat(x.Change, 'g', -1, 64) + "@" + strconv.FormatFloat(x.Confidence, 'g', -1, 64)
	}
	var ka, kb []string
	for _, x := range a {
		ka = append(ka, key(x))
	}
	for _, x := range b {
		kb = append(kb, key(x))
	}
	return sameSet(ka, kb)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
