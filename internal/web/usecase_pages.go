package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/dataset"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

const useCasePage = 50

// useCaseFilterFrom reads the list filters from a query string; a bad
// value is dropped rather than refused, since it came from a link.
func useCaseFilterFrom(q url.Values) lodestar.UseCaseFilter {
	f := lodestar.UseCaseFilter{Query: q.Get("q"), Limit: useCasePage}
	f.BusinessUnitID, _ = strconv.ParseInt(q.Get("business_unit_id"), 10, 64)
	if portfolio.ValidStage(q.Get("stage")) {
		f.Stage = q.Get("stage")
	}
	if a := q.Get("alignment"); a == "aligned" || a == "misaligned" {
		f.Alignment = a
	}
	// active=1: work still under way only, rejected and retired left out
	// (the dashboard's rule for its misaligned count, which links here).
	f.Active = q.Get("active") == "1"
	f.Sort = q.Get("sort")
	switch f.Sort {
	case "", "-score", "score", "title", "-title", "-value", "-feasibility", "-updated":
	default:
		f.Sort = ""
	}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	f.Offset = max(0, f.Offset)
	if f.Sort == "" {
		f.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
		f.Offset = 0
	}
	return f
}

func (s *Server) useCaseList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := useCaseFilterFrom(q)
	ucs, total, err := s.UseCases.FindUseCases(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lk, err := s.loadLookups(r.Context(), false)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	next := url.Values{}
	for k, v := range q {
		next[k] = v
	}
	more := len(ucs) == f.Limit
	if f.Sort == "" && more {
		next.Set("after", strconv.FormatInt(ucs[len(ucs)-1].ID, 10))
	} else if more {
		next.Set("offset", strconv.Itoa(f.Offset+f.Limit))
	}
	p := s.page(r, "usecases.title", "strategy")
	p.Form = q
	// Links are built whole here: a query string put after a literal '?'
	// in a template is escaped again ("after%3d2"), and lost.
	export := map[string]template.URL{}
	for _, format := range []string{"csv", "xlsx", "json"} {
		v := filterQuery(q)
		v.Set("format", format)
		export[format] = template.URL("/use-cases/export?" + v.Encode())
	}
	p.Data = struct {
		Items  []*lodestar.UseCase
		Total  int
		Next   template.URL // the next page's link
		More   bool
		L      *lookups
		Stages []string
		Export map[string]template.URL // the export links, with the list's filters
	}{ucs, total, template.URL("/use-cases?" + next.Encode()), more, lk, lodestar.Stages, export}
	s.render(w, r, http.StatusOK, "usecases", p)
}

// useCaseForm is what the new and edit templates show.
type useCaseForm struct {
	ID      int64
	In      lodestar.NewUseCase
	Pains   map[int64]bool
	Impacts []impactRow
	Tags    string
	L       *lookups
	Stages  []string
	Scores  []int
}

type impactRow struct {
	I                  int
	KPIID              int64
	Change, Confidence string
}

// formFor builds the form view for an input, with two blank impact rows
// to add more.
func formFor(id int64, in lodestar.NewUseCase, l *lookups, raw url.Values) useCaseForm {
	f := useCaseForm{ID: id, In: in, Pains: map[int64]bool{}, L: l, Stages: lodestar.Stages[:6], Scores: []int{1, 2, 3, 4, 5},
		Tags: strings.Join(in.Tags, ", ")}
	for _, pp := range in.PainPointIDs {
		f.Pains[pp] = true
	}
	i := 0
	var typed []int // the form rows the impacts came from, in order
	if raw != nil {
		typed = impactRows(raw)
	}
	for _, imp := range in.Impacts {
		row := impactRow{I: i, KPIID: imp.KPIID, Change: strconv.FormatFloat(imp.Change, 'f', -1, 64), Confidence: strconv.FormatFloat(imp.Confidence, 'f', -1, 64)}
		if i < len(typed) { // keep what was typed in its row, even when it did not parse
			row.Change, row.Confidence = raw.Get(fmt.Sprintf("impact_change_%d", typed[i])), raw.Get(fmt.Sprintf("impact_confidence_%d", typed[i]))
		}
		f.Impacts = append(f.Impacts, row)
		i++
	}
	for n := 0; n < 2; n++ {
		f.Impacts = append(f.Impacts, impactRow{I: i})
		i++
	}
	return f
}

func inputOf(uc *lodestar.UseCase) lodestar.NewUseCase {
	return lodestar.NewUseCase{Title: uc.Title, TitleZH: uc.TitleZH, Description: uc.Description, BusinessUnitID: uc.BusinessUnitID,
		SponsorID: uc.SponsorID, AILeadID: uc.AILeadID, Stage: uc.Stage, PainPointIDs: uc.PainPointIDs, Impacts: uc.Impacts,
		ValueEstimate: uc.ValueEstimate, CostEstimate: uc.CostEstimate, Feasibility: uc.Feasibility, Tags: uc.Tags}
}

// impactRows returns the form's impact rows that name a KPI, in order:
// impact n of the input (and the service's "impacts[n]" errors) is row
// impactRows(form)[n] of the form, as rows without a KPI are skipped.
func impactRows(form url.Values) []int {
	var rows []int
	for i := 0; i < 50; i++ {
		name := fmt.Sprintf("impact_kpi_%d", i)
		if _, sent := form[name]; !sent {
			break
		}
		if _, err := strconv.ParseInt(strings.TrimSpace(form.Get(name)), 10, 64); err == nil {
			rows = append(rows, i)
		}
	}
	return rows
}

// parseUseCaseForm reads the form; fields that do not parse are reported
// by name, as the service reports its own.
func parseUseCaseForm(r *http.Request) (lodestar.NewUseCase, map[string]string) {
	fields := map[string]string{}
	id := func(name string) int64 {
		v := strings.TrimSpace(r.PostFormValue(name))
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			fields[name] = "Choose from the list."
			return 0
		}
		return n
	}
	money := func(name string) int64 {
		v := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue(name)), ",", "")
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			fields[name] = "Enter a whole amount, e.g. 1200000."
			return 0
		}
		return n
	}
	score := func(name string) int {
		v := r.PostFormValue(name)
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			fields["feasibility."+strings.TrimPrefix(name, "f_")] = "Scores run from 1 to 5 (0 or absent: not scored)."
			return 0
		}
		return n
	}
	in := lodestar.NewUseCase{Title: r.PostFormValue("title"), TitleZH: r.PostFormValue("title_zh"), Description: r.PostFormValue("description"),
		BusinessUnitID: id("business_unit_id"), SponsorID: id("sponsor_id"), AILeadID: id("ai_lead_id"), Stage: r.PostFormValue("stage"),
		ValueEstimate: money("value_estimate"), CostEstimate: money("cost_estimate"),
		Feasibility: lodestar.Feasibility{DataReadiness: score("f_data_readiness"), TechnicalMaturity: score("f_technical_maturity"),
			Skills: score("f_skills"), Integration: score("f_integration")}}
	for _, v := range r.PostForm["pain_point_ids"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.PainPointIDs = append(in.PainPointIDs, n)
		}
	}
	for _, i := range impactRows(r.PostForm) {
		kpi, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(fmt.Sprintf("impact_kpi_%d", i))), 10, 64)
		imp := lodestar.Impact{KPIID: kpi}
		key := fmt.Sprintf("impacts[%d].", len(in.Impacts))
		imp.Change = impactNumber(r.PostFormValue(fmt.Sprintf("impact_change_%d", i)), fields, key+"change", "The promised change must be a non-zero number.")
		imp.Confidence = 0.5
		if conf := r.PostFormValue(fmt.Sprintf("impact_confidence_%d", i)); strings.TrimSpace(conf) != "" {
			imp.Confidence = impactNumber(conf, fields, key+"confidence", "Confidence runs from 0 to 1.")
		}
		in.Impacts = append(in.Impacts, imp)
	}
	for _, t := range strings.Split(r.PostFormValue("tags"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			in.Tags = append(in.Tags, t)
		}
	}
	return in, fields
}

// impactNumber reads an impact's number as the other forms read one
// (dataset.ParseTyped): a finite decimal, not NaN, an infinity, 1e999,
// hexadecimal (0x1p3) or digits grouped by underscores, which
// strconv.ParseFloat takes; one so close to 0 that it reads as 0 (1e-999)
// is refused as such. A bad value puts msg on field and reads as 0.
func impactNumber(v string, fields map[string]string, field, msg string) float64 {
	x, ok, underflow := dataset.ParseTyped(v)
	switch {
	case underflow:
		fields[field] = "Too small to store: a number this close to 0 reads as 0."
	case !ok:
		fields[field] = msg
	}
	if !ok {
		return 0
	}
	return x
}

// renderUseCaseForm shows the use-case form; basedOn is the version the
// form is opened on (the record's UpdatedAt, stamped), or as sent back.
func (s *Server) renderUseCaseForm(w http.ResponseWriter, r *http.Request, status int, id int64, in lodestar.NewUseCase, raw url.Values, basedOn string, err error) {
	lk, lerr := s.loadLookups(r.Context(), true)
	if lerr != nil {
		s.Error(w, r, lerr)
		return
	}
	title := "usecases.new"
	if id != 0 {
		title = "usecases.edit"
	}
	p := s.page(r, title, "strategy")
	if err != nil {
		p.Error = lodestar.ErrorMessage(err)
		p.Fields = lodestar.ErrorFields(err)
	}
	p.Data = formFor(id, in, lk, raw)
	p.Form = url.Values{"updated_at": {basedOn}}
	s.render(w, r, status, "usecase_form", p)
}

func (s *Server) useCaseNew(w http.ResponseWriter, r *http.Request) {
	s.renderUseCaseForm(w, r, http.StatusOK, 0, lodestar.NewUseCase{}, nil, "", nil)
}

func (s *Server) useCaseEdit(w http.ResponseWriter, r *http.Request) {
	uc, ok := s.useCaseFromPath(w, r)
	if !ok {
		return
	}
	// The version read with the values shown: read apart, a save made
	// between the two reads would be undone without a word.
	s.renderUseCaseForm(w, r, http.StatusOK, uc.ID, inputOf(uc), nil, stamp(uc.UpdatedAt), nil)
}

// saveUseCase creates (id 0) or updates a use case from the form.
func (s *Server) saveUseCase(w http.ResponseWriter, r *http.Request, id int64) {
	in, fields := parseUseCaseForm(r)
	if id == 0 {
		// The form offers the stages a use case may start in; one sent
		// anyway is refused here, with the others the service finds.
		if serr := lodestar.CheckStartStage(in.Stage); serr != nil {
			fields["stage"] = lodestar.ErrorFields(serr)["stage"]
		}
	}
	save := func(ctx context.Context) (*lodestar.UseCase, error) {
		if id == 0 {
			return s.UseCases.CreateUseCase(ctx, in)
		}
		return s.UseCases.UpdateUseCase(ctx, id, in)
	}
	var err error
	var uc *lodestar.UseCase
	if len(fields) > 0 {
		// The service checks the fields that did parse too, writing
		// nothing, so every bad field is named at once.
		err = checkAlso(basedOn(r, id), fields, "The use case could not be saved; check the fields.", func(ctx context.Context) error {
			_, err := save(ctx)
			return err
		})
	} else {
		uc, err = save(basedOn(r, id))
	}
	if err != nil {
		code := lodestar.ErrorCode(err)
		if code != lodestar.EInvalid && code != lodestar.EConflict {
			s.Error(w, r, err)
			return
		}
		s.renderUseCaseForm(w, r, httpx.StatusOf(code), id, in, r.PostForm, r.PostFormValue("updated_at"), err)
		return
	}
	s.redirect(w, r, "/use-cases/"+strconv.FormatInt(uc.ID, 10), "flash.usecase_saved")
}

func (s *Server) useCaseCreate(w http.ResponseWriter, r *http.Request) { s.saveUseCase(w, r, 0) }

func (s *Server) useCaseUpdate(w http.ResponseWriter, r *http.Request) {
	uc, ok := s.useCaseFromPath(w, r)
	if !ok {
		return
	}
	s.saveUseCase(w, r, uc.ID)
}

// useCaseFromPath loads the {id} use case or answers 404.
func (s *Server) useCaseFromPath(w http.ResponseWriter, r *http.Request) (*lodestar.UseCase, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Error(w, r, lodestar.Errorf(lodestar.ENotFound, "Use case not found."))
		return nil, false
	}
	uc, err := s.UseCases.FindUseCaseByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return nil, false
	}
	return uc, true
}

// reasonView is one alignment reason, with the KPI it names if any.
type reasonView struct {
	Key string
	KPI *lodestar.KPI
}

// reasons turns alignment reason codes into catalog keys.
func reasons(codes []string, l *lookups) []reasonView {
	var out []reasonView
	for _, c := range codes {
		code, arg, _ := strings.Cut(c, ":")
		rv := reasonView{Key: "alignment." + code}
		if arg != "" {
			id, _ := strconv.ParseInt(arg, 10, 64)
			rv.KPI = l.KPI(id)
		}
		out = append(out, rv)
	}
	return out
}

func (s *Server) useCaseShow(w http.ResponseWriter, r *http.Request) {
	uc, ok := s.useCaseFromPath(w, r)
	if !ok {
		return
	}
	s.renderUseCase(w, r, http.StatusOK, uc, nil)
}

func (s *Server) renderUseCase(w http.ResponseWriter, r *http.Request, status int, uc *lodestar.UseCase, stageErr error) {
	ctx := r.Context()
	lk, err := s.loadLookups(ctx, true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	hist, err := s.UseCases.StageHistory(ctx, uc.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	real, err := s.Portfolio.Realisation(ctx, uc.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	models, err := s.modelRows(ctx, uc.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	tasks, err := s.Monitors.ListRetrainingTasks(ctx, uc.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	state, err := s.useCaseModelState(ctx, uc, models)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := s.page(r, "usecases.title", "strategy")
	if stageErr != nil {
		p.Error = lodestar.ErrorMessage(stageErr)
		p.Fields = lodestar.ErrorFields(stageErr)
		p.Form = r.PostForm
	}
	liveAt, _ := time.Parse(time.DateOnly, real.LiveSince)
	p.Data = struct {
		UC       *lodestar.UseCase
		L        *lookups
		Reasons  []reasonView
		History  []*lodestar.StageChange
		Next     []string
		Real     *lodestar.Realisation
		Charts   []realChart
		FeasMean float64
		Models   []modelRow
		// TaskTable lists the retraining tasks opened on the use case.
		TaskTable taskTable
		// LiveAt is the go-live day, for the locale's date format.
		LiveAt time.Time
		// Ended says the use case was retired or rejected: its realisation
		// is history, shown without a live status.
		Ended bool
		// Shortfall is how much the yearly cost exceeds the value (0 when
		// it does not): the score floors the net value at 0, which would
		// hide a negative return.
		Shortfall int64
		// State is what its models say of the use case, for its header.
		State ucModelState
	}{uc, lk, reasons(uc.Alignment.Reasons, lk), hist, nextStages(uc.Stage), real, realCharts(p, real), portfolio.FeasibilityMean(uc.Feasibility), models,
		taskTable{Rows: s.taskRows(ctx, tasks, false), Model: true},
		liveAt, uc.Stage == lodestar.StageRetired || uc.Stage == lodestar.StageRejected, max(0, uc.CostEstimate-uc.ValueEstimate), state}
	s.render(w, r, status, "usecase", p)
}

// ucModelState is what a use case's models say of it, shown in its
// header: a green "aligned" alone would hide a model switched off.
type ucModelState struct {
	// Switched are the models whose switch is off or on fallback.
	Switched []modelRow
	// Alerts are the models with open alerts, each with its count.
	Alerts []ucModelAlerts
	// UnassessedLive: a model serves in production while the use case's
	// risk is not assessed.
	UnassessedLive bool
	// StageBehind names a model serving a version in production (its
	// switch on) while the use case is at a stage before its pilot ("" when
	// none): a live version during a pilot is what a pilot is.
	StageBehind string
}

type ucModelAlerts struct {
	M    modelRow
	Open int
}

// useCaseModelState reads the switches, open alerts and production
// versions of a use case's models against its stage and risk tier.
func (s *Server) useCaseModelState(ctx context.Context, uc *lodestar.UseCase, rows []modelRow) (ucModelState, error) {
	var st ucModelState
	early := map[string]bool{lodestar.StageIdea: true, lodestar.StageAssessment: true, lodestar.StageApproved: true}
	for _, row := range rows {
		held := row.Switch != nil && (row.Switch.State == lodestar.SwitchOff || row.Switch.State == lodestar.SwitchFallback)
		if held {
			st.Switched = append(st.Switched, row)
		}
		open, err := s.Monitors.ListAlerts(ctx, row.M.ID, true)
		if err != nil {
			return st, err
		}
		if len(open) > 0 {
			st.Alerts = append(st.Alerts, ucModelAlerts{M: row, Open: len(open)})
		}
		if row.Live != nil {
			if uc.RiskTier == "" || uc.RiskTier == "unassessed" {
				st.UnassessedLive = true
			}
			// A model switched off or on its fallback serves no version:
			// nothing to move the use case on for.
			if early[uc.Stage] && !held && st.StageBehind == "" {
				st.StageBehind = row.M.Key
			}
		}
	}
	return st, nil
}

// nextStages lists the stages a use case may move to from stage.
func nextStages(stage string) []string {
	var out []string
	for _, to := range lodestar.Stages {
		if portfolio.CheckTransition(stage, to, "x") == nil {
			out = append(out, to)
		}
	}
	return out
}

func (s *Server) useCaseStage(w http.ResponseWriter, r *http.Request) {
	uc, ok := s.useCaseFromPath(w, r)
	if !ok {
		return
	}
	_, err := s.UseCases.ChangeStage(fromForm(r), uc.ID, r.PostFormValue("stage"), r.PostFormValue("reason"))
	if err != nil {
		if c := lodestar.ErrorCode(err); c != lodestar.EInvalid && c != lodestar.EConflict {
			s.Error(w, r, err)
			return
		}
		status := http.StatusBadRequest
		if cur, ok := lodestar.ErrorCurrent(err).(*lodestar.UseCase); ok {
			// Refused as based on a stage it has left: the page shows
			// the use case as it is now, what was typed kept.
			status, uc = http.StatusConflict, cur
		}
		s.renderUseCase(w, r, status, uc, err)
		return
	}
	s.redirect(w, r, "/use-cases/"+strconv.FormatInt(uc.ID, 10), "flash.stage_changed")
}

func (s *Server) useCaseArchive(w http.ResponseWriter, r *http.Request) {
	uc, ok := s.useCaseFromPath(w, r)
	if !ok {
		return
	}
	archived, err := entArchivedFlag(r)
	if err == nil {
		_, err = s.UseCases.ArchiveUseCase(r.Context(), uc.ID, archived)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.redirect(w, r, "/use-cases/"+strconv.FormatInt(uc.ID, 10), "flash.usecase_saved")
}

// filterQuery keeps the list's filters (not its paging) for links.
func filterQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range []string{"q", "business_unit_id", "stage", "alignment", "active", "sort"} {
		if v := q.Get(k); v != "" {
			out.Set(k, v)
		}
	}
	return out
}
