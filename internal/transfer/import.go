package transfer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// Fields are the use-case fields an import fills, by the API's names.
// business_unit takes a unit's name (English or Chinese), sponsor and
// ai_lead an e-mail, pain_points pain-point titles and tags words, each
// list separated by ";"; impacts take "KPI name=change@confidence" items
// separated by ";" (confidence optional, default 0.5).
var Fields = []string{"title", "title_zh", "description", "business_unit", "stage", "sponsor", "ai_lead",
	"value_estimate", "cost_estimate", "data_readiness", "technical_maturity", "skills", "integration",
	"pain_points", "impacts", "tags"}

// computed are export columns an import recognises and leaves alone.
var computed = []string{"id", "feasibility", "risk_tier", "score", "alignment", "alignment_reasons", "created_at", "updated_at"}

// Options steer an import.
type Options struct {
	// Map names, per field, the source column: a header name or "#N" for
	// the N-th column, or "" to leave the field out. Fields not in Map are
	// matched to a header of the same name, ignoring case.
	Map           map[string]string
	CreateMissing bool // create unknown business units instead of refusing their rows
	SkipInvalid   bool // write the valid rows and list the rest
	DryRun        bool // check everything, write nothing
}

// ParseMap reads "Source column=field,…" into a field → column map.
func ParseMap(s string) (map[string]string, error) {
	return ParseMapEntries(strings.Split(s, ","))
}

// ParseMapEntries reads mappings one per entry ("Source column=field"; a
// map file's lines, where a column name may hold a comma), split at the
// last '=' (no field name holds one). Blank entries are skipped; a field
// mapped twice, across all entries, is refused.
func ParseMapEntries(entries []string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range entries {
		if strings.TrimSpace(part) == "" {
			continue
		}
		i := strings.LastIndexByte(part, '=')
		ok := i >= 0
		col, field := part, ""
		if ok {
			col, field = part[:i], part[i+1:]
		}
		col, field = strings.TrimSpace(col), strings.TrimSpace(field)
		if !ok || col == "" || field == "" {
			return nil, lodestar.FieldError("map", fmt.Sprintf("Mapping %q must read \"Source column=field\".", clip(part)))
		}
		if !slices.Contains(Fields, field) {
			return nil, lodestar.FieldError("map", fmt.Sprintf("Unknown field %q; use one of %s.", clip(field), strings.Join(Fields, ", ")))
		}
		if _, dup := out[field]; dup {
			return nil, lodestar.FieldError("map", fmt.Sprintf("Field %q is mapped twice.", field))
		}
		out[field] = col
	}
	return out, nil
}

// RowError is one refused row.
type RowError struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// Result is what an import did, or would do on a dry run.
type Result struct {
	Columns  map[string]int         `json:"columns"`   // field → column index used
	Ignored  []string               `json:"ignored"`   // source columns no field uses
	Rows     int                    `json:"rows"`      // data rows read
	Valid    int                    `json:"valid"`     // rows that passed every check
	Refused  int                    `json:"refused"`   // rows with at least one problem
	Created  int                    `json:"created"`   // use cases written (0 on a dry run or when refused)
	NewUnits []string               `json:"new_units"` // business units created, or to be created
	Errors   []RowError             `json:"errors"`
	Preview  []*lodestar.NewUseCase `json:"-"`
}

// resolveColumns decides which column feeds each field.
func resolveColumns(header []string, m map[string]string) (map[string]int, []string, error) {
	cols := map[string]int{}
	used := map[int]bool{}
	for _, f := range Fields {
		src, explicit := m[f]
		if !explicit {
			src = f
		} else if src == "" {
			continue // explicitly not imported
		}
		idx, err := findColumn(header, src, explicit)
		if err != nil {
			return nil, nil, err
		}
		if idx >= 0 {
			cols[f] = idx
			used[idx] = true
		}
	}
	if _, ok := cols["title"]; !ok {
		return nil, nil, lodestar.FieldError("map", "No column gives the title; map one with \"Column name=title\".")
	}
	var ignored []string
	for i, h := range header {
		if !used[i] && !slices.Contains(computed, strings.ToLower(h)) {
			ignored = append(ignored, h)
		}
	}
	return cols, ignored, nil
}

// findColumn finds src among the header: "#N" by position, else by name
// ignoring case; an explicit name must exist and must be unique.
func findColumn(header []string, src string, explicit bool) (int, error) {
	if n, ok := strings.CutPrefix(src, "#"); ok {
		i, err := strconv.Atoi(n)
		if err != nil || i < 1 || i > len(header) {
			return -1, lodestar.FieldError("map", fmt.Sprintf("Column %s does not exist; the file has %d columns.", src, len(header)))
		}
		return i - 1, nil
	}
	var hits []int
	for i, h := range header {
		if strings.EqualFold(h, src) {
			hits = append(hits, i)
		}
	}
	switch {
	case len(hits) > 1:
		return -1, lodestar.FieldError("map", fmt.Sprintf("Column name %q appears %d times (columns %s); map it by position, e.g. \"#%d=field\".",
			clip(src), len(hits), joinPositions(hits), hits[0]+1))
	case len(hits) == 0 && explicit:
		return -1, lodestar.FieldError("map", fmt.Sprintf("No column is named %q.", clip(src)))
	case len(hits) == 0:
		return -1, nil
	}
	return hits[0], nil
}

func joinPositions(idx []int) string {
	var s []string
	for _, i := range idx {
		s = append(s, "#"+strconv.Itoa(i+1))
	}
	return strings.Join(s, ", ")
}

// lookups resolve names in an import to IDs. A name two live records
// share maps to ambiguous: the row is refused rather than linked to
// either of them.
type lookups struct {
	units    map[string]int64   // lower-cased English and Chinese names, live only
	archived map[string]bool    // lower-cased names of archived units
	users    map[string]int64   // e-mail
	kpis     map[string]int64   // lower-cased names (both languages), live only
	pains    map[string]int64   // lower-cased titles (both languages), live only, of every unit
	kpiIDs   map[string][]int64 // lower-cased name → the live KPIs holding it, for a refusal to name
	painIDs  map[string][]int64 // lower-cased title → the live pain points holding it
	// A pain point's title is unique among the live pain points of its
	// business unit (the store's rule), so a row's pain point is looked
	// up in the row's unit first: by unit, then as pains and painIDs.
	unitPains   map[int64]map[string]int64
	unitPainIDs map[int64]map[string][]int64
	existing    map[string]named // dupKey of each name of every live use case → it
}

// named is a live use case as the duplicate check names it.
type named struct {
	id             int64
	title, titleZH string
}

// quoted is the use case's names as a refusal quotes them: its title and,
// when it has one, its Chinese title ("Chatbot" / "聊天机器人").
func (n named) quoted() string {
	q := strconv.Quote(clip(n.title))
	if n.titleZH != "" {
		q += " / " + strconv.Quote(clip(n.titleZH))
	}
	return q
}

// dupKey is what makes two use cases the same for an import: a name,
// trimmed and ignoring case, within one business unit (0: none; a unit
// to be created is named instead). A use case has a key per name, title
// and Chinese title: two share a name if any key of one is a key of the
// other, so a row whose title is a live use case's Chinese title (or the
// other way round) is that use case again.
func dupKey(unitID int64, newUnit, title string) string {
	u := strconv.FormatInt(unitID, 10)
	if newUnit != "" {
		u = "new:" + strings.ToLower(newUnit)
	}
	return u + "\x00" + strings.ToLower(strings.TrimSpace(title))
}

const ambiguous = -1

// hold notes that record id has name (lower-cased; blank names are not
// noted), so a refusal of a name several hold can say which hold it.
func hold(m map[string][]int64, name string, id int64) {
	if name == "" {
		return
	}
	k := strings.ToLower(name)
	if !slices.Contains(m[k], id) {
		m[k] = append(m[k], id)
	}
}

// idList writes IDs as "3, 7".
func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

// add maps name (lower-cased; blank names are not mapped) to id, or to
// ambiguous when another record has it already.
func add(m map[string]int64, name string, id int64) {
	if name == "" {
		return
	}
	k := strings.ToLower(name)
	if old, ok := m[k]; ok && old != id {
		id = ambiguous
	}
	m[k] = id
}

func loadLookups(ctx context.Context, svc Services) (*lookups, error) {
	l := &lookups{units: map[string]int64{}, archived: map[string]bool{}, users: map[string]int64{}, kpis: map[string]int64{}, pains: map[string]int64{},
		kpiIDs: map[string][]int64{}, painIDs: map[string][]int64{}, unitPains: map[int64]map[string]int64{}, unitPainIDs: map[int64]map[string][]int64{}}
	units, err := svc.ListBusinessUnits(ctx, lodestar.ListFilter{Archived: true})
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		if u.Archived {
			l.archived[strings.ToLower(u.Name)] = true
			if u.NameZH != "" {
				l.archived[strings.ToLower(u.NameZH)] = true
			}
			continue
		}
		add(l.units, u.Name, u.ID)
		add(l.units, u.NameZH, u.ID)
	}
	users, err := svc.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		if !u.Disabled {
			l.users[u.Email] = u.ID
		}
	}
	kpis, err := svc.ListKPIs(ctx, lodestar.ListFilter{})
	if err != nil {
		return nil, err
	}
	for _, k := range kpis {
		add(l.kpis, k.Name, k.ID)
		add(l.kpis, k.NameZH, k.ID)
		hold(l.kpiIDs, k.Name, k.ID)
		hold(l.kpiIDs, k.NameZH, k.ID)
	}
	pains, err := svc.ListPainPoints(ctx, lodestar.ListFilter{})
	if err != nil {
		return nil, err
	}
	for _, p := range pains {
		add(l.pains, p.Title, p.ID)
		add(l.pains, p.TitleZH, p.ID)
		hold(l.painIDs, p.Title, p.ID)
		hold(l.painIDs, p.TitleZH, p.ID)
		if l.unitPains[p.BusinessUnitID] == nil {
			l.unitPains[p.BusinessUnitID], l.unitPainIDs[p.BusinessUnitID] = map[string]int64{}, map[string][]int64{}
		}
		add(l.unitPains[p.BusinessUnitID], p.Title, p.ID)
		add(l.unitPains[p.BusinessUnitID], p.TitleZH, p.ID)
		hold(l.unitPainIDs[p.BusinessUnitID], p.Title, p.ID)
		hold(l.unitPainIDs[p.BusinessUnitID], p.TitleZH, p.ID)
	}
	l.existing = map[string]named{}
	err = each(ctx, svc, lodestar.UseCaseFilter{}, func(uc *lodestar.UseCase) error {
		n := named{uc.ID, strings.TrimSpace(uc.Title), strings.TrimSpace(uc.TitleZH)}
		for _, name := range []string{n.title, n.titleZH} {
			k := dupKey(uc.BusinessUnitID, "", name)
			if _, ok := l.existing[k]; name != "" && !ok {
				l.existing[k] = n
			}
		}
		return nil
	})
	return l, err
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseRow turns one row into a use case, listing every problem. A row
// naming an unknown business unit gets unit set to that name.
func parseRow(rec []string, cols map[string]int, l *lookups) (in lodestar.NewUseCase, unit string, errs []RowError) {
	get := func(f string) string {
		if i, ok := cols[f]; ok && i < len(rec) {
			return unformula(strings.TrimSpace(rec[i]))
		}
		return ""
	}
	bad := func(f, reason string) { errs = append(errs, RowError{Field: f, Reason: reason}) }
	in.Title, in.TitleZH, in.Description, in.Stage = get("title"), get("title_zh"), get("description"), strings.ToLower(get("stage"))
	if in.Stage != "" && !portfolio.ValidStage(in.Stage) {
		bad("stage", fmt.Sprintf("unknown stage %q", clip(get("stage"))))
	}
	if v := get("business_unit"); v != "" {
		id, ok := l.units[strings.ToLower(v)]
		switch {
		case ok && id == ambiguous:
			bad("business_unit", fmt.Sprintf("several business units are named %q; rename one", clip(v)))
		case ok:
			in.BusinessUnitID = id
		case l.archived[strings.ToLower(v)]:
			bad("business_unit", fmt.Sprintf("business unit %q is archived", clip(v)))
		default:
			// A unit to create: the store's rules for its name, checked
			// here so that a dry run refuses what a real run would.
			if err := store.CheckBusinessUnitName(v); err != nil {
				bad("business_unit", fmt.Sprintf("new business unit %q: %s", clip(v), lodestar.ErrorFields(err)["name"]))
			} else {
				unit = v
			}
		}
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"sponsor", &in.SponsorID}, {"ai_lead", &in.AILeadID}} {
		if v := get(f.name); v != "" {
			if id, ok := l.users[lodestar.NormalizeEmail(v)]; ok {
				*f.dst = id
			} else {
				bad(f.name, fmt.Sprintf("no active user with e-mail %q", clip(v)))
			}
		}
	}
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"value_estimate", &in.ValueEstimate}, {"cost_estimate", &in.CostEstimate}} {
		if v := strings.NewReplacer(",", "", " ", "", "¥", "", "￥", "").Replace(get(f.name)); v != "" {
			// Whole numbers exactly: through a float64, one above 2^53
			// came back rounded. "1.5e3" and "1000.0" still read.
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) {
				x, ferr := strconv.ParseFloat(v, 64)
				if ferr == nil && x == math.Trunc(x) && math.Abs(x) < 1<<53 {
					n, err = int64(x), nil
				}
			}
			if err != nil {
				bad(f.name, fmt.Sprintf("%q is not a whole amount", clip(get(f.name))))
			}
			*f.dst = n
		}
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"data_readiness", &in.Feasibility.DataReadiness}, {"technical_maturity", &in.Feasibility.TechnicalMaturity},
		{"skills", &in.Feasibility.Skills}, {"integration", &in.Feasibility.Integration}} {
		if v := get(f.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				bad(f.name, fmt.Sprintf("%q is not a score from 1 to 5", clip(v)))
			}
			*f.dst = n
		}
	}
	for _, p := range splitList(get("pain_points")) {
		// The row's unit's pain point of that title, as the store keeps
		// titles unique within a unit; a title the row's unit does not
		// hold (or a row without a unit, or with one to be created) is
		// looked up across units, where two units may share it.
		key := strings.ToLower(p)
		id, ok := l.unitPains[in.BusinessUnitID][key]
		ids := l.unitPainIDs[in.BusinessUnitID][key]
		if in.BusinessUnitID == 0 || !ok {
			id, ok = l.pains[key]
			ids = l.painIDs[key]
		}
		switch {
		case ok && id == ambiguous:
			bad("pain_points", fmt.Sprintf("several live pain points are titled %q (IDs %s); rename one", clip(p), idList(ids)))
		case ok:
			in.PainPointIDs = append(in.PainPointIDs, id)
		default:
			bad("pain_points", fmt.Sprintf("no pain point titled %q", clip(p)))
		}
	}
	for _, item := range splitList(get("impacts")) {
		name, rest, ok := strings.Cut(item, "=")
		if !ok {
			bad("impacts", fmt.Sprintf("%q must read \"KPI name=change@confidence\"", clip(item)))
			continue
		}
		key := strings.ToLower(strings.TrimSpace(name))
		id, known := l.kpis[key]
		if !known {
			bad("impacts", fmt.Sprintf("no live KPI named %q", clip(strings.TrimSpace(name))))
			continue
		}
		if id == ambiguous {
			bad("impacts", fmt.Sprintf("several live KPIs are named %q (IDs %s); rename one", clip(strings.TrimSpace(name)), idList(l.kpiIDs[key])))
			continue
		}
		chg, conf, hasConf := strings.Cut(rest, "@")
		imp := lodestar.Impact{KPIID: id, Confidence: 0.5}
		var err error
		if imp.Change, err = strconv.ParseFloat(strings.TrimSpace(chg), 64); err != nil {
			bad("impacts", fmt.Sprintf("change %q is not a number", clip(chg)))
		}
		if hasConf {
			if imp.Confidence, err = strconv.ParseFloat(strings.TrimSpace(conf), 64); err != nil {
				bad("impacts", fmt.Sprintf("confidence %q is not a number", clip(conf)))
			}
		}
		in.Impacts = append(in.Impacts, imp)
	}
	for _, t := range strings.FieldsFunc(get("tags"), func(r rune) bool { return r == ';' || r == ',' }) {
		if t = strings.TrimSpace(t); t != "" {
			in.Tags = append(in.Tags, t)
		}
	}
	// The service's own checks, so a dry run refuses what a real run would.
	// They name the API's fields ("feasibility.skills", "impacts[0].change");
	// report each by the import's field, unless that field is already
	// refused above (a change that is not a number is not also "zero").
	if err := store.ValidateNewUseCase(&in); err != nil {
		reported := map[string]bool{}
		for _, e := range errs {
			reported[e.Field] = true
		}
		for f, msg := range lodestar.ErrorFields(err) {
			if f = importField(f); !reported[f] {
				errs = append(errs, RowError{Field: f, Reason: msg})
			}
		}
	}
	slices.SortFunc(errs, func(a, b RowError) int {
		return cmp.Or(strings.Compare(a.Field, b.Field), strings.Compare(a.Reason, b.Reason))
	})
	return in, unit, errs
}

// importField maps a field the service names to the import field it
// came from: "feasibility.skills" to "skills", "impacts[0].change" to
// "impacts".
func importField(f string) string {
	f = strings.TrimPrefix(f, "feasibility.")
	if i := strings.IndexAny(f, "[."); i > 0 {
		f = f[:i]
	}
	return f
}

// Importer is the store's all-or-nothing batch write.
type Importer interface {
	ImportUseCases(ctx context.Context, newUnits []string, rows []store.ImportRow) (int, error)
}

// Import reads t and creates its use cases: all of them, or none when any
// row is refused (unless SkipInvalid). Every refused row is reported with
// its line and reason.
func Import(ctx context.Context, svc Services, imp Importer, t *Table, opt Options) (*Result, error) {
	cols, ignored, err := resolveColumns(t.Header, opt.Map)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(t.Rows, func(rec []string) bool { return !isBlank(rec) }) {
		// "0 rows imported" with success read as done; it is a file cut
		// short or the wrong sheet.
		return nil, lodestar.Errorf(lodestar.EInvalid, "The file has a header line but no rows to import.")
	}
	l, err := loadLookups(ctx, svc)
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: cols, Ignored: ignored, Rows: len(t.Rows), Errors: []RowError{}, NewUnits: []string{}}
	var rows []store.ImportRow
	newUnit := map[string]bool{}
	seen := map[string]int{} // dupKey → the line that has it
	for i, rec := range t.Rows {
		if isBlank(rec) {
			continue
		}
		in, unit, errs := parseRow(rec, cols, l)
		if unit != "" && !opt.CreateMissing {
			errs = append(errs, RowError{Field: "business_unit", Reason: fmt.Sprintf("no business unit named %q (use --create-missing to create it)", clip(unit))})
		}
		// The same file imported twice, or an export imported back, would
		// double the inventory: a row that names, in either language, a
		// live use case's title or Chinese title in its unit is refused
		// (SkipInvalid then imports only what is new), and so is a valid
		// row sharing a name with an earlier valid row.
		if in.Title != "" {
			keys, fields := []string{dupKey(in.BusinessUnitID, unit, in.Title)}, []string{"title"}
			if strings.TrimSpace(in.TitleZH) != "" {
				keys, fields = append(keys, dupKey(in.BusinessUnitID, unit, in.TitleZH)), append(fields, "title_zh")
			}
			for j, k := range keys {
				if uc, ok := l.existing[k]; ok {
					reason := fmt.Sprintf("a use case titled %s already exists in this business unit (ID %d); it is not imported twice", uc.quoted(), uc.id)
					if in.BusinessUnitID == 0 && unit == "" {
						reason = fmt.Sprintf("a use case titled %s already exists among the use cases with no business unit (ID %d); it is not imported twice", uc.quoted(), uc.id)
					}
					errs = append(errs, RowError{Field: fields[j], Reason: reason})
					break
				}
			}
			for j, k := range keys {
				if line, ok := seen[k]; ok && len(errs) == 0 {
					errs = append(errs, RowError{Field: fields[j], Reason: fmt.Sprintf("the same title and business unit as line %d", line)})
				}
			}
			if len(errs) == 0 {
				for _, k := range keys {
					seen[k] = t.Lines[i]
				}
			}
		}
		if len(errs) > 0 {
			res.Refused++
			for _, e := range errs {
				e.Line = t.Lines[i]
				res.Errors = append(res.Errors, e)
			}
			continue
		}
		if unit != "" && !newUnit[strings.ToLower(unit)] {
			newUnit[strings.ToLower(unit)] = true
			res.NewUnits = append(res.NewUnits, unit)
		}
		rows = append(rows, store.ImportRow{Line: t.Lines[i], In: in, Unit: unit})
		res.Preview = append(res.Preview, &rows[len(rows)-1].In)
	}
	res.Valid = len(rows)
	if opt.DryRun || (len(res.Errors) > 0 && !opt.SkipInvalid) || len(rows) == 0 {
		return res, nil
	}
	if res.Created, err = imp.ImportUseCases(ctx, res.NewUnits, rows); err != nil {
		return nil, err
	}
	return res, nil
}

// unformula drops the apostrophe formulaSafe puts before a cell that
// would read as a formula.
func unformula(c string) string {
	if defused(c) {
		return c[1:]
	}
	return c
}

func isBlank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// clip shortens a cell quoted in a message: a row's reason names the
// value at fault, and a 10 MB cell must not make a 10 MB answer or page.
func clip(v string) string {
	const most = 80
	if utf8.RuneCountInString(v) <= most {
		return v
	}
	r := []rune(v)
	return string(r[:most-1]) + "…"
}
