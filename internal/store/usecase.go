package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// MaxPageSize is the largest page any list returns.
const MaxPageSize = 200

const useCaseColumns = `id, title, title_zh, description, COALESCE(business_unit_id, 0), COALESCE(sponsor_id, 0),
	COALESCE(ai_lead_id, 0), stage, stage_changed_at, value_estimate, cost_estimate, f_data, f_tech, f_skills,
	f_integration, tags, risk_tier, alignment, alignment_reasons, score, archived, created_by, created_at, updated_at`

func scanUseCase(s interface{ Scan(...any) error }) (*lodestar.UseCase, error) {
	u := &lodestar.UseCase{}
	var tags, reasons string
	f := &u.Feasibility
	err := s.Scan(&u.ID, &u.Title, &u.TitleZH, &u.Description, &u.BusinessUnitID, &u.SponsorID, &u.AILeadID,
		&u.Stage, sqldb.Time{T: &u.StageChangedAt}, &u.ValueEstimate, &u.CostEstimate,
		&f.DataReadiness, &f.TechnicalMaturity, &f.Skills, &f.Integration, &tags, &u.RiskTier,
		&u.Alignment.Status, &reasons, &u.Score, &u.Archived, &u.CreatedBy, sqldb.Time{T: &u.CreatedAt}, sqldb.Time{T: &u.UpdatedAt})
	if err != nil {
		return nil, err
	}
	u.Tags, u.Alignment.Reasons = []string{}, []string{}
	if tags != "" {
		if err := json.Unmarshal([]byte(tags), &u.Tags); err != nil {
			return nil, fmt.Errorf("use case %d tags: %w", u.ID, err)
		}
	}
	if reasons != "" {
		u.Alignment.Reasons = strings.Split(reasons, ",")
	}
	u.PainPointIDs, u.Impacts = []int64{}, []lodestar.Impact{}
	return u, nil
}

func checkLen(fields map[string]string, name, v string, max int, required bool) {
	n := utf8.RuneCountInString(v)
	switch {
	case required && n == 0:
		fields[name] = "This field is required."
	case n > max:
		fields[name] = fmt.Sprintf("At most %d characters.", max)
	}
}

// ValidateNewUseCase trims and checks the input's own fields, naming each
// bad one. References to other records are checked in the transaction.
func ValidateNewUseCase(in *lodestar.NewUseCase) error {
	fields := map[string]string{}
	in.Title = strings.TrimSpace(in.Title)
	in.TitleZH = strings.TrimSpace(in.TitleZH)
	in.Description = strings.TrimSpace(in.Description)
	if in.Title == "" {
		fields["title"] = "Title is required."
	} else if utf8.RuneCountInString(in.Title) > 200 {
		fields["title"] = "Title must be at most 200 characters."
	}
	checkLen(fields, "title_zh", in.TitleZH, 200, false)
	if utf8.RuneCountInString(in.Description) > 10000 {
		fields["description"] = "Description must be at most 10,000 characters."
	}
	if in.Stage != "" && !portfolio.ValidStage(in.Stage) {
		fields["stage"] = "Unknown stage; use one of idea, assessment, approved, pilot, scaling, operating, rejected, retired."
	}
	for name, v := range map[string]int64{"value_estimate": in.ValueEstimate, "cost_estimate": in.CostEstimate} {
		switch {
		case v < 0:
			fields[name] = "Must not be negative."
		case v > lodestar.MaxEstimate: // see MaxEstimate: the portfolio sums these
			fields[name] = "Must be at most 1,000,000,000,000."
		}
	}
	f := in.Feasibility
	for name, v := range map[string]int{"feasibility.data_readiness": f.DataReadiness, "feasibility.technical_maturity": f.TechnicalMaturity,
		"feasibility.skills": f.Skills, "feasibility.integration": f.Integration} {
		if v < 0 || v > 5 {
			fields[name] = "Scores run from 1 to 5 (0 or absent: not scored)."
		}
	}
	seenKPI := map[int64]bool{}
	for i, imp := range in.Impacts {
		key := fmt.Sprintf("impacts[%d]", i)
		switch {
		case imp.KPIID <= 0:
			fields[key+".kpi_id"] = "Choose a KPI."
		case seenKPI[imp.KPIID]:
			fields[key+".kpi_id"] = "This KPI is listed twice."
		case imp.Change == 0 || math.IsNaN(imp.Change) || math.IsInf(imp.Change, 0):
			fields[key+".change"] = "The promised change must be a non-zero number."
		case imp.Confidence < 0 || imp.Confidence > 1 || math.IsNaN(imp.Confidence):
			fields[key+".confidence"] = "Confidence runs from 0 to 1."
		}
		seenKPI[imp.KPIID] = true
	}
	// Repeated pain points are dropped when written (writeUseCase), not
	// here, so a bad one is named by its index in the input.
	var tags []string
	seenTag := map[string]bool{}
	for _, t := range in.Tags {
		t = strings.TrimSpace(t)
		if t == "" || seenTag[t] {
			continue
		}
		if utf8.RuneCountInString(t) > 40 {
			fields["tags"] = "Each tag is at most 40 characters."
		}
		// Lists of tags are written with these between them (the form,
		// import and export): a tag holding one would come back as two.
		if strings.ContainsAny(t, ",;") {
			fields["tags"] = "A tag may not hold a comma or a semicolon."
		}
		seenTag[t] = true
		tags = append(tags, t)
	}
	if len(tags) > 20 {
		fields["tags"] = "At most 20 tags."
	}
	in.Tags = tags
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The use case could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

// checkRefs verifies that every record the input names exists and is
// usable, naming the field of each that is not.
func checkRefs(ctx context.Context, tx *sqldb.Tx, in *lodestar.NewUseCase, before *lodestar.UseCase) (map[int64]int64, error) {
	// What the use case holds already stays, even once archived or
	// disabled (an impact on a KPI archived since is history); only what
	// the change adds must be live.
	held := map[string]bool{}
	if before != nil {
		held[fmt.Sprint("unit", before.BusinessUnitID)] = true
		held[fmt.Sprint("sponsor", before.SponsorID)] = true // (each in its own slot:
		held[fmt.Sprint("lead", before.AILeadID)] = true     // a disabled lead is not a new sponsor)
		for _, id := range before.PainPointIDs {
			held[fmt.Sprint("pain", id)] = true
		}
		for _, imp := range before.Impacts {
			held[fmt.Sprint("kpi", imp.KPIID)] = true
		}
	}
	fields := map[string]string{}
	var dbErr error
	exists := func(kind, field, q string, id int64, msg string) {
		if id == 0 || dbErr != nil || held[fmt.Sprint(kind, id)] {
			return
		}
		var n int
		if err := tx.QueryRowContext(ctx, q, id).Scan(&n); err != nil {
			dbErr = err // a failing database is not the caller's mistake
		} else if n == 0 {
			fields[field] = msg
		}
	}
	exists("unit", "business_unit_id", `SELECT COUNT(*) FROM business_units WHERE id = ? AND archived = `+falseLit(tx), in.BusinessUnitID, "No such business unit, or it is archived.")
	exists("sponsor", "sponsor_id", `SELECT COUNT(*) FROM users WHERE id = ? AND disabled = `+falseLit(tx), in.SponsorID, "No such active user.")
	exists("lead", "ai_lead_id", `SELECT COUNT(*) FROM users WHERE id = ? AND disabled = `+falseLit(tx), in.AILeadID, "No such active user.")
	for i, id := range in.PainPointIDs {
		exists("pain", fmt.Sprintf("pain_point_ids[%d]", i), `SELECT COUNT(*) FROM pain_points WHERE id = ? AND archived = `+falseLit(tx), id, "No such pain point, or it is archived.")
	}
	if dbErr != nil {
		return nil, dbErr
	}
	goals := map[int64]int64{}
	for i, imp := range in.Impacts {
		var goal int64
		var archived bool
		// (Shared-locked on PostgreSQL: a KPI moved under a goal at the
		// same moment waits for this write, and its alignment refresh
		// then sees this impact; else each misses the other's change.)
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(goal_id, 0), archived FROM kpis WHERE id = ?`+forShare(tx), imp.KPIID).Scan(&goal, &archived)
		switch {
		case isNoRows(err):
			fields[fmt.Sprintf("impacts[%d].kpi_id", i)] = "No such KPI."
		case err != nil:
			return nil, err
		case archived && !held[fmt.Sprint("kpi", imp.KPIID)]:
			fields[fmt.Sprintf("impacts[%d].kpi_id", i)] = "This KPI is archived."
		default:
			goals[imp.KPIID] = goal
		}
	}
	if len(fields) > 0 {
		return nil, &lodestar.Error{Code: lodestar.EInvalid, Message: "The use case could not be saved; check the fields.", Fields: fields}
	}
	return goals, nil
}

// forShare locks the rows a PostgreSQL query reads against change until
// the transaction ends (SQLite's writers are one at a time already).
func forShare(tx *sqldb.Tx) string {
	if tx.Dialect() == sqldb.Postgres {
		return " FOR SHARE"
	}
	return ""
}

// falseLit is the dialect's literal for false in boolean columns.
func falseLit(tx *sqldb.Tx) string {
	if tx.Dialect() == sqldb.Postgres {
		return "FALSE"
	}
	return "0"
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// sameTitle is how two titles are the same for the duplicate rule:
// trimmed, ignoring case as strings.ToLower folds it (the import's rule).
func sameTitle(a, b string) bool {
	return strings.ToLower(strings.TrimSpace(a)) == strings.ToLower(strings.TrimSpace(b))
}

// titled is a live record that holds a name another write wants: its ID
// and its names in both languages, for the refusal to quote.
type titled struct {
	ID             int64
	Title, TitleZH string
}

// names quotes a record's title, and its Chinese title when it has one:
// `"Retail user-profile system" / "零售用户画像系统"`.
func (t *titled) names() string {
	if strings.TrimSpace(t.TitleZH) == "" {
		return fmt.Sprintf("%q", strings.TrimSpace(t.Title))
	}
	return fmt.Sprintf("%q / %q", strings.TrimSpace(t.Title), strings.TrimSpace(t.TitleZH))
}

// sharesName reports whether a record titled title and titleZH holds one
// of names, in either language (a blank name is no name).
func sharesName(title, titleZH string, names []string) bool {
	for _, n := range names {
		if strings.TrimSpace(n) == "" {
			continue
		}
		if sameTitle(title, n) || strings.TrimSpace(titleZH) != "" && sameTitle(titleZH, n) {
			return true
		}
	}
	return false
}

// liveUseCaseNamed returns the live (not archived) use case other than
// except in business unit unit (0: none) whose title or Chinese title is
// one of names (blank ones skipped), or nil: two use cases of a unit may
// not share a name in either language. The search column, lower-cased in
// Go when written, is the title, a line break, the Chinese title and a
// line break: it narrows the rows; sharesName decides.
func liveUseCaseNamed(ctx context.Context, tx *sqldb.Tx, unit, except int64, names ...string) (*titled, error) {
	var likes []string
	args := []any{unit, except}
	for _, n := range names {
		n = likeEscaper.Replace(strings.ToLower(strings.TrimSpace(n)))
		if n == "" {
			continue
		}
		likes = append(likes, `search LIKE ? ESCAPE '\'`, `search LIKE ? ESCAPE '\'`)
		args = append(args, n+"\n%", "%\n"+n+"\n%")
	}
	if len(likes) == 0 {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, title, title_zh FROM use_cases WHERE COALESCE(business_unit_id, 0) = ? AND archived = `+falseLit(tx)+
		` AND id <> ? AND (`+strings.Join(likes, " OR ")+`) ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t titled
		if err := rows.Scan(&t.ID, &t.Title, &t.TitleZH); err != nil {
			return nil, err
		}
		if sharesName(t.Title, t.TitleZH, names) {
			return &t, nil
		}
	}
	return nil, rows.Err()
}

// lockUseCaseTitles makes the writes that may add a title to a business
// unit take turns on PostgreSQL (SQLite's writers do already), so two at
// once cannot both find the title free: the import's lock, as imports
// check the same rule.
func lockUseCaseTitles(ctx context.Context, tx *sqldb.Tx) error {
	if tx.Dialect() != sqldb.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, lockImport)
	return err
}

// duplicateTitle is the 409 for a write that would share a name with
// live record t of business unit unit (0: none), format saying what
// exists (its names, its ID): inUnit's when the record has a unit,
// noUnit's when it has none, which "in this business unit" misdescribed.
// The field is the one of the write's names (title, else title_zh) that
// t holds.
func duplicateTitle(inUnit, noUnit string, unit int64, t *titled, title string) error {
	format := inUnit
	if unit == 0 {
		format = noUnit
	}
	msg := fmt.Sprintf(format, t.names(), t.ID)
	field := "title_zh"
	if sharesName(t.Title, t.TitleZH, []string{title}) {
		field = "title"
	}
	return &lodestar.Error{Code: lodestar.EConflict, Message: msg, Fields: map[string]string{field: msg}}
}

// changedNames returns the names of an edit the duplicate rule checks:
// all of them on a move, else those that changed (blank: not checked).
func changedNames(title, titleZH, beforeTitle, beforeZH string, moved bool) (string, string) {
	if moved {
		return title, titleZH
	}
	if sameTitle(title, beforeTitle) {
		title = ""
	}
	if sameTitle(titleZH, beforeZH) {
		titleZH = ""
	}
	return title, titleZH
}

// refuseDuplicateUseCase is the rule imports apply, applied to every
// write: no two live use cases of a business unit share a name — title or
// Chinese title, either against either, ignoring case — so that the web,
// the API and an import agree. The 409 names the one that exists, in
// both languages. A blank name is not checked (an edit passes only the
// names it changes).
func refuseDuplicateUseCase(ctx context.Context, tx *sqldb.Tx, title, titleZH string, unit, except int64) error {
	t, err := liveUseCaseNamed(ctx, tx, unit, except, title, titleZH)
	if err != nil || t == nil {
		return err
	}
	return duplicateTitle("A use case titled %s already exists in this business unit (ID %d).",
		"A use case titled %s already exists among the use cases with no business unit (ID %d).", unit, t, title)
}

// CreateUseCase implements lodestar.UseCaseService.
func (s *Store) CreateUseCase(ctx context.Context, in lodestar.NewUseCase) (*lodestar.UseCase, error) {
	if err := ValidateNewUseCase(&in); err != nil {
		return nil, err
	}
	if in.Stage == "" {
		in.Stage = lodestar.StageIdea
	}
	var uc *lodestar.UseCase
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := lockUseCaseTitles(ctx, tx); err != nil {
			return err
		}
		goals, err := checkRefs(ctx, tx, &in, nil)
		if err != nil {
			return err
		}
		if err := refuseDuplicateUseCase(ctx, tx, in.Title, in.TitleZH, in.BusinessUnitID, 0); err != nil {
			return err
		}
		now := sqldb.FormatTime(tx.Now)
		live := ""
		if portfolio.Live(in.Stage) {
			live = now
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO use_cases (title, description, created_by, created_at, updated_at,
			stage, stage_changed_at, live_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Title, in.Description, lodestar.ActorFrom(ctx).ID, now, now, in.Stage, now, live).Scan(&id)
		if err != nil {
			return err
		}
		if err := writeUseCase(ctx, tx, id, &in, goals, "unassessed"); err != nil {
			return err
		}
		if uc, err = loadUseCase(ctx, tx, id); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "use_case", EntityID: id, After: uc})
		return err
	})
	return uc, wrap("create use case", err)
}

// writeUseCase stores the input's fields, links and computed values.
func writeUseCase(ctx context.Context, tx *sqldb.Tx, id int64, in *lodestar.NewUseCase, goals map[int64]int64, riskTier string) error {
	tags, _ := json.Marshal(in.Tags)
	if len(in.Tags) == 0 {
		tags = nil
	}
	al := portfolio.Align(portfolio.Facts{HasSponsor: in.SponsorID != 0, PainPoints: len(in.PainPointIDs), ImpactKPIGoal: goals})
	f := in.Feasibility
	_, err := tx.ExecContext(ctx, `UPDATE use_cases SET title = ?, title_zh = ?, description = ?, business_unit_id = ?,
		sponsor_id = ?, ai_lead_id = ?, value_estimate = ?, cost_estimate = ?, f_data = ?, f_tech = ?, f_skills = ?,
		f_integration = ?, tags = ?, alignment = ?, alignment_reasons = ?, score = ?, feasibility = ?, search = ?, updated_at = ? WHERE id = ?`,
		in.Title, in.TitleZH, in.Description, nullID(in.BusinessUnitID), nullID(in.SponsorID), nullID(in.AILeadID),
		in.ValueEstimate, in.CostEstimate, f.DataReadiness, f.TechnicalMaturity, f.Skills, f.Integration, string(tags),
		al.Status, strings.Join(al.Reasons, ","), portfolio.Score(in.ValueEstimate, in.CostEstimate, f, riskTier),
		portfolio.FeasibilityMean(f), strings.ToLower(in.Title+"\n"+in.TitleZH+"\n"+in.Description), sqldb.FormatTime(tx.Now), id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM use_case_pain_points WHERE use_case_id = ?`, id); err != nil {
		return err
	}
	seenPP := map[int64]bool{}
	for _, pp := range in.PainPointIDs {
		if seenPP[pp] {
			continue
		}
		seenPP[pp] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO use_case_pain_points (use_case_id, pain_point_id) VALUES (?, ?)`, id, pp); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM use_case_impacts WHERE use_case_id = ?`, id); err != nil {
		return err
	}
	for _, imp := range in.Impacts {
		if _, err := tx.ExecContext(ctx, `INSERT INTO use_case_impacts (use_case_id, kpi_id, change, confidence) VALUES (?, ?, ?, ?)`,
			id, imp.KPIID, imp.Change, imp.Confidence); err != nil {
			return err
		}
	}
	return nil
}

// refreshAlignment recomputes the stored alignment of every use case that
// impacts kpiID, after the KPI's goal or archive state changed.
func refreshAlignment(ctx context.Context, tx *sqldb.Tx, kpiID int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT use_case_id FROM use_case_impacts WHERE kpi_id = ?`, kpiID)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		uc, err := loadUseCase(ctx, tx, id)
		if err != nil {
			return err
		}
		goals := map[int64]int64{}
		for _, imp := range uc.Impacts {
			var g int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(goal_id, 0) FROM kpis WHERE id = ?`, imp.KPIID).Scan(&g); err != nil {
				return err
			}
			goals[imp.KPIID] = g
		}
		al := portfolio.Align(portfolio.Facts{HasSponsor: uc.SponsorID != 0, PainPoints: len(uc.PainPointIDs), ImpactKPIGoal: goals})
		if _, err := tx.ExecContext(ctx, `UPDATE use_cases SET alignment = ?, alignment_reasons = ? WHERE id = ?`,
			al.Status, strings.Join(al.Reasons, ","), id); err != nil {
			return err
		}
	}
	return nil
}

func loadUseCase(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.UseCase, error) {
	uc, err := scanUseCase(tx.QueryRowContext(ctx, `SELECT `+useCaseColumns+` FROM use_cases WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Use case")
	} else if err != nil {
		return nil, err
	}
	if err := loadLinks(ctx, tx.QueryContext, []*lodestar.UseCase{uc}); err != nil {
		return nil, err
	}
	return uc, nil
}

// loadLinks fills pain point IDs and impacts for a page of use cases with
// two queries.
func loadLinks[R interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}](ctx context.Context, query func(context.Context, string, ...any) (R, error), ucs []*lodestar.UseCase) error {
	if len(ucs) == 0 {
		return nil
	}
	byID := map[int64]*lodestar.UseCase{}
	marks := make([]string, len(ucs))
	args := make([]any, len(ucs))
	for i, u := range ucs {
		byID[u.ID] = u
		marks[i], args[i] = "?", u.ID
	}
	in := strings.Join(marks, ",")
	rows, err := query(ctx, `SELECT use_case_id, pain_point_id FROM use_case_pain_points WHERE use_case_id IN (`+in+`) ORDER BY pain_point_id`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var uc, pp int64
		if err := rows.Scan(&uc, &pp); err != nil {
			rows.Close()
			return err
		}
		byID[uc].PainPointIDs = append(byID[uc].PainPointIDs, pp)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = query(ctx, `SELECT use_case_id, kpi_id, change, confidence FROM use_case_impacts WHERE use_case_id IN (`+in+`) ORDER BY kpi_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uc int64
		var imp lodestar.Impact
		if err := rows.Scan(&uc, &imp.KPIID, &imp.Change, &imp.Confidence); err != nil {
			return err
		}
		byID[uc].Impacts = append(byID[uc].Impacts, imp)
	}
	return rows.Err()
}

// UpdateUseCase implements lodestar.UseCaseService: it replaces the use
// case's fields and links; the stage is left to ChangeStage.
func (s *Store) UpdateUseCase(ctx context.Context, id int64, in lodestar.NewUseCase) (*lodestar.UseCase, error) {
	if err := ValidateNewUseCase(&in); err != nil {
		return nil, err
	}
	var after *lodestar.UseCase
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		// The KPIs it will impact first, then the use case: the order a
		// KPI's update takes (its row, then the use cases its alignment
		// refresh writes), so the two cannot deadlock on PostgreSQL.
		if tx.Dialect() == sqldb.Postgres && len(in.Impacts) > 0 {
			var ids []int64
			for _, imp := range in.Impacts {
				ids = append(ids, imp.KPIID)
			}
			slices.Sort(ids)
			for _, k := range slices.Compact(ids) {
				if _, err := tx.ExecContext(ctx, `SELECT 1 FROM kpis WHERE id = ? FOR SHARE`, k); err != nil {
					return err
				}
			}
		}
		if err := tx.LockRow(ctx, "use_cases", id); err != nil {
			return err
		}
		before, err := loadUseCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Archived { // as for a stage change: archived is read-only until restored
			return lodestar.Errorf(lodestar.EConflict, "The use case is archived.")
		}
		if err := checkBasedOn(ctx, before); err != nil {
			return err
		}
		if in.Stage != "" && in.Stage != before.Stage {
			return lodestar.FieldError("stage", "Change the stage with a stage change, which records why.")
		}
		goals, err := checkRefs(ctx, tx, &in, before)
		if err != nil {
			return err
		}
		// A rename (in either language) or a move may not make a
		// duplicate; an edit of a use case that already shares a name
		// (made before the rule) may, so a rename checks only the names
		// it changes, and a move both.
		title, titleZH := changedNames(in.Title, in.TitleZH, before.Title, before.TitleZH, in.BusinessUnitID != before.BusinessUnitID)
		if title != "" || titleZH != "" {
			if err := lockUseCaseTitles(ctx, tx); err != nil {
				return err
			}
			if err := refuseDuplicateUseCase(ctx, tx, title, titleZH, in.BusinessUnitID, id); err != nil {
				return err
			}
		}
		if err := writeUseCase(ctx, tx, id, &in, goals, before.RiskTier); err != nil {
			return err
		}
		if after, err = loadUseCase(ctx, tx, id); err != nil {
			return err
		}
		if unchanged(before, after) { // as update: no change, no entry
			after = before
			return errUnchanged
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "update", EntityType: "use_case", EntityID: id, Before: before, After: after})
		return err
	})
	if errors.Is(err, errUnchanged) {
		err = nil
	}
	return after, wrap("update use case", err)
}

// FindUseCaseByID implements lodestar.UseCaseService.
func (s *Store) FindUseCaseByID(ctx context.Context, id int64) (*lodestar.UseCase, error) {
	uc, err := scanUseCase(s.DB.QueryRow(ctx, `SELECT `+useCaseColumns+` FROM use_cases WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Use case")
	} else if err != nil {
		return nil, wrap("find use case", err)
	}
	return uc, wrap("find use case", loadLinks(ctx, s.DB.Query, []*lodestar.UseCase{uc}))
}

var useCaseSorts = map[string]string{
	"score": "score ASC, id ASC", "-score": "score DESC, id DESC", "title": "title ASC, id ASC", "-title": "title DESC, id DESC",
	"value": "value_estimate ASC, id ASC", "-value": "value_estimate DESC, id DESC",
	"feasibility": "feasibility ASC, id ASC", "-feasibility": "feasibility DESC, id DESC",
	"updated": "updated_at ASC, id ASC", "-updated": "updated_at DESC, id DESC",
	"cost": "cost_estimate ASC, id ASC", "-cost": "cost_estimate DESC, id DESC",
}

// UseCaseSorts lists the accepted sort keys.
func UseCaseSorts() []string {
	return []string{"score", "-score", "title", "-title", "value", "-value", "feasibility", "-feasibility", "cost", "-cost", "updated", "-updated"}
}

// FindUseCases implements lodestar.UseCaseService.
func (s *Store) FindUseCases(ctx context.Context, f lodestar.UseCaseFilter) ([]*lodestar.UseCase, int, error) {
	if f.Limit <= 0 || f.Limit > MaxPageSize {
		return nil, 0, lodestar.FieldError("limit", "limit must be between 1 and 200.")
	}
	order := "id DESC"
	if f.Sort != "" {
		o, ok := useCaseSorts[f.Sort]
		if !ok {
			return nil, 0, lodestar.FieldError("sort", "Unknown sort; use one of "+strings.Join(UseCaseSorts(), ", ")+".")
		}
		order = o
	}
	if f.Stage != "" && !portfolio.ValidStage(f.Stage) {
		return nil, 0, lodestar.FieldError("stage", "Unknown stage; use one of idea, assessment, approved, pilot, scaling, operating, rejected, retired.")
	}
	if f.Alignment != "" && f.Alignment != "aligned" && f.Alignment != "misaligned" {
		return nil, 0, lodestar.FieldError("alignment", "alignment must be aligned or misaligned.")
	}
	var w filterSQL
	useCaseWhere(&w, f)
	var total int
	if err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM use_cases`+w.sql(), w.args...).Scan(&total); err != nil {
		return nil, 0, wrap("count use cases", err)
	}
	if f.After > 0 && f.Sort == "" {
		w.add("id < ?", f.After)
	}
	cond, args := w.sql(), w.args
	// Pick the page's IDs first, which indexes can answer without reading
	// whole rows, then read just those rows.
	page := `SELECT id FROM use_cases` + cond + ` ORDER BY ` + order + ` LIMIT ?`
	args = append(args, f.Limit)
	if f.Offset > 0 {
		page += ` OFFSET ?`
		args = append(args, f.Offset)
	}
	q := `SELECT ` + useCaseColumns + ` FROM use_cases WHERE id IN (` + page + `) ORDER BY ` + order
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, wrap("find use cases", err)
	}
	defer rows.Close()
	out := []*lodestar.UseCase{}
	for rows.Next() {
		uc, err := scanUseCase(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, uc)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	return out, total, wrap("find use cases", loadLinks(ctx, s.DB.Query, out))
}

// likeEscaper makes a search text match literally inside LIKE.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ChangeStage implements lodestar.UseCaseService. Based on the stage the
// use case was seen in (lodestar.WithFrom), it is refused if the use case
// has left that stage since.
func (s *Store) ChangeStage(ctx context.Context, id int64, to, reason string) (*lodestar.UseCase, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 2000 {
		return nil, lodestar.FieldError("reason", "At most 2,000 characters.")
	}
	var after *lodestar.UseCase
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.LockRow(ctx, "use_cases", id); err != nil {
			return err
		}
		before, err := loadUseCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Archived {
			return lodestar.Errorf(lodestar.EConflict, "The use case is archived.")
		}
		// Based on a stage it has left (a page opened before someone
		// else's decision), the change would silently reverse that one.
		if err := checkFrom(ctx, tx, "use_case", id, before.Stage, lodestar.Stages,
			"Unknown stage; use one of idea, assessment, approved, pilot, scaling, operating, rejected, retired.", func(by string, at time.Time) error {
				return lodestar.ErrStageChangedSince(before.Stage, by, at, before)
			}, "create", "import", "change_stage"); err != nil {
			return err
		}
		if err := portfolio.CheckTransition(before.Stage, to, reason); err != nil {
			return err
		}
		now := sqldb.FormatTime(tx.Now)
		if _, err := tx.ExecContext(ctx, `UPDATE use_cases SET stage = ?, stage_changed_at = ?, updated_at = ? WHERE id = ?`, to, now, now, id); err != nil {
			return err
		}
		if to == lodestar.StagePilot {
			// Go-live is the first entry into pilot; value realisation counts from it.
			if _, err := tx.ExecContext(ctx, `UPDATE use_cases SET live_since = ? WHERE id = ? AND live_since = ''`, now, id); err != nil {
				return err
			}
		}
		actor := lodestar.ActorFrom(ctx)
		if _, err := tx.ExecContext(ctx, `INSERT INTO stage_changes (use_case_id, from_stage, to_stage, actor_id, actor, reason, at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, id, before.Stage, to, actor.ID, actor.Label, reason, now); err != nil {
			return err
		}
		if after, err = loadUseCase(ctx, tx, id); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "change_stage", EntityType: "use_case", EntityID: id, Before: before, After: after})
		return err
	})
	return after, wrap("change stage", err)
}

// SetRiskTier implements lodestar.UseCaseService: the tier must be an
// assessed one (not "unassessed") and come with a reason, which the
// audit entry keeps beside the use case.
func (s *Store) SetRiskTier(ctx context.Context, id int64, tier, reason string) (*lodestar.UseCase, error) {
	reason = strings.TrimSpace(reason)
	if _, ok := portfolio.RiskFactor[tier]; tier == "unassessed" || !ok && tier != "prohibited" {
		return nil, lodestar.FieldError("risk_tier", "Risk tier must be minimal, limited, high or prohibited.")
	}
	if reason == "" {
		return nil, lodestar.FieldError("reason", "Say why the use case has this risk tier.")
	}
	if utf8.RuneCountInString(reason) > 2000 {
		return nil, lodestar.FieldError("reason", "At most 2,000 characters.")
	}
	var after *lodestar.UseCase
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.LockRow(ctx, "use_cases", id); err != nil {
			return err
		}
		before, err := loadUseCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Archived {
			return lodestar.Errorf(lodestar.EConflict, "The use case is archived.")
		}
		score := portfolio.Score(before.ValueEstimate, before.CostEstimate, before.Feasibility, tier)
		if _, err := tx.ExecContext(ctx, `UPDATE use_cases SET risk_tier = ?, score = ?, updated_at = ? WHERE id = ?`,
			tier, score, sqldb.FormatTime(tx.Now), id); err != nil {
			return err
		}
		if after, err = loadUseCase(ctx, tx, id); err != nil {
			return err
		}
		// The use case's fields and the reason, side by side. (Not a
		// struct embedding the use case: its MarshalJSON would be the
		// whole struct's, and the reason left out.)
		assessed, err := withField(after, "risk_reason", reason)
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "assess_risk", EntityType: "use_case", EntityID: id, Before: before,
			After: assessed})
		return err
	})
	return after, wrap("set risk tier", err)
}

// StageHistory implements lodestar.UseCaseService, oldest first.
func (s *Store) StageHistory(ctx context.Context, id int64) ([]*lodestar.StageChange, error) {
	rows, err := s.DB.Query(ctx, `SELECT use_case_id, from_stage, to_stage, actor_id, actor, reason, at FROM stage_changes
		WHERE use_case_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, wrap("stage history", err)
	}
	defer rows.Close()
	out := []*lodestar.StageChange{}
	for rows.Next() {
		c := &lodestar.StageChange{}
		if err := rows.Scan(&c.UseCaseID, &c.From, &c.To, &c.ActorID, &c.Actor, &c.Reason, sqldb.Time{T: &c.At}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LiveSince returns when a use case first went live (entered pilot).
func (s *Store) LiveSince(ctx context.Context, id int64) (string, error) {
	var live string
	err := s.DB.QueryRow(ctx, `SELECT live_since FROM use_cases WHERE id = ?`, id).Scan(&live)
	if isNoRows(err) {
		return "", notFound("Use case")
	}
	return live, wrap("live since", err)
}

// ArchiveUseCase implements lodestar.UseCaseService.
func (s *Store) ArchiveUseCase(ctx context.Context, id int64, archived bool) (*lodestar.UseCase, error) {
	var after *lodestar.UseCase
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.LockRow(ctx, "use_cases", id); err != nil {
			return err
		}
		before, err := loadUseCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if before.Archived == archived {
			return lodestar.Errorf(lodestar.EConflict, "Nothing to change.")
		}
		// Restored, it is live again: not beside a live one sharing one
		// of its names, made while it was archived (the rule every write
		// keeps).
		if !archived {
			if err := lockUseCaseTitles(ctx, tx); err != nil {
				return err
			}
			if err := refuseDuplicateUseCase(ctx, tx, before.Title, before.TitleZH, before.BusinessUnitID, id); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE use_cases SET archived = ?, updated_at = ? WHERE id = ?`, archived, sqldb.FormatTime(tx.Now), id); err != nil {
			return err
		}
		if after, err = loadUseCase(ctx, tx, id); err != nil {
			return err
		}
		action := "archive"
		if !archived {
			action = "unarchive"
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: action, EntityType: "use_case", EntityID: id, Before: before, After: after})
		return err
	})
	return after, wrap("archive use case", err)
}

// withField is v's JSON object with one more field, name: value. Its
// numbers are kept as written (json.Number), never rounded through float64.
func withField(v any, name string, value any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	m[name] = value
	return m, nil
}
