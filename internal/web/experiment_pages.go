package web

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/chart"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// experimentRoutes are the experiments' pages: reading needs ModelRead,
// every form and change EvidenceWrite.
func (s *Server) experimentRoutes() []httpx.Route {
	read, write := auth.ModelRead, auth.EvidenceWrite
	return []httpx.Route{
		{Method: "GET", Pattern: "/experiments", Perm: read, Handler: s.experimentList},
		{Method: "GET", Pattern: "/experiments/new", Perm: write, Handler: s.experimentNew},
		{Method: "POST", Pattern: "/experiments", Perm: write, Handler: s.experimentCreate},
		{Method: "GET", Pattern: "/experiments/{id}", Perm: read, Handler: s.experimentShow},
		{Method: "GET", Pattern: "/experiments/{id}/edit", Perm: write, Handler: s.experimentEdit},
		{Method: "POST", Pattern: "/experiments/{id}", Perm: write, Handler: s.experimentUpdate},
		{Method: "POST", Pattern: "/experiments/{id}/status", Perm: write, Handler: s.experimentStatus},
		{Method: "POST", Pattern: "/experiments/{id}/data", Perm: write, Handler: s.experimentUpload, MaxBody: MaxExperimentUpload + 1<<20},
	}
}

// ExperimentLabelKeys lists the catalog keys the experiment pages build at
// run time, for tests.
func ExperimentLabelKeys(verdictCodes []string) []string {
	var out []string
	for _, st := range lodestar.ExperimentStatuses {
		out = append(out, "exp.status."+st)
	}
	for _, d := range []string{lodestar.DecisionShip, lodestar.DecisionDoNotShip, lodestar.DecisionKeepRunning} {
		out = append(out, "exp.decision."+d)
	}
	for _, c := range verdictCodes {
		out = append(out, "exp.verdict."+c)
	}
	for _, g := range []string{lodestar.GuardrailOK, lodestar.GuardrailViolated, lodestar.GuardrailUnsure, lodestar.GuardrailNoData} {
		out = append(out, "exp.guardrail."+g)
	}
	for _, k := range []string{lodestar.MetricMean, lodestar.MetricProportion} {
		out = append(out, "exp.kind."+k)
	}
	return out
}

// expRow is one experiment in the list.
type expRow struct {
	E       *lodestar.Experiment
	UseCase *lodestar.UseCase
}

func (s *Server) experimentList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := lodestar.ExperimentFilter{UseCaseID: entQueryID(q, "use_case_id"), Status: q.Get("status")}
	if !slices.Contains(lodestar.ExperimentStatuses, f.Status) {
		f.Status = ""
	}
	xs, err := s.Experiments.ListExperiments(ctx, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ucs, err := s.allUseCases(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	byID := map[int64]*lodestar.UseCase{}
	for _, uc := range ucs {
		byID[uc.ID] = uc
	}
	var rows []expRow
	for _, e := range xs {
		uc := byID[e.UseCaseID]
		if uc == nil {
			if uc, err = s.UseCases.FindUseCaseByID(ctx, e.UseCaseID); err != nil {
				s.Error(w, r, err)
				return
			}
		}
		rows = append(rows, expRow{e, uc})
	}
	p := s.page(r, "exp.title", "risk")
	p.Form = url.Values{"use_case_id": {entIDValue(f.UseCaseID)}, "status": {f.Status}}
	p.Data = struct {
		Rows     []expRow
		UseCases []*lodestar.UseCase
		Statuses []string
	}{rows, ucs, lodestar.ExperimentStatuses}
	s.render(w, r, http.StatusOK, "experiments", p)
}

// expVersion is a model version offered in the form.
type expVersion struct {
	ID    int64
	Label string
}

// expGuardrailRow is one guardrail row of the form, with its errors.
type expGuardrailRow struct {
	I                                     int
	Name, Kind, Direction, MaxDegradation string
	// Key prefixes the field keys of a named row's errors
	// ("guardrails[0]."); "" for a row without a name.
	Key string
}

// expGuardrailRows is how many guardrail rows the form offers at least.
const expGuardrailRows = 3

func (s *Server) experimentNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "exp.new", "risk")
	p.Form = url.Values{"use_case_id": {r.URL.Query().Get("use_case_id")}, "alpha": {"0.05"}, "treatment_share": {"0.5"},
		"min_sample": {"0"}, "primary_kind": {lodestar.MetricProportion}, "primary_direction": {lodestar.DirectionUp}}
	s.renderExperimentForm(w, r, http.StatusOK, p, 0)
}

func (s *Server) experimentEdit(w http.ResponseWriter, r *http.Request) {
	e, ok := entFind(s, w, r, s.Experiments.FindExperimentByID)
	if !ok {
		return
	}
	p := s.page(r, "exp.edit", "risk")
	p.Form = experimentForm(e)
	s.renderExperimentForm(w, r, http.StatusOK, p, e.ID)
}

// experimentForm is an experiment as its form's values.
func experimentForm(e *lodestar.Experiment) url.Values {
	f := url.Values{"use_case_id": {entIDValue(e.UseCaseID)}, "key": {e.Key}, "name": {e.Name}, "hypothesis": {e.Hypothesis},
		"control_version_id": {entIDValue(e.ControlVersionID)}, "treatment_version_id": {entIDValue(e.TreatmentVersionID)},
		"primary_name": {e.Primary.Name}, "primary_kind": {e.Primary.Kind}, "primary_direction": {e.Primary.Direction},
		"alpha": {fmtFloat(e.Alpha)}, "min_sample": {strconv.FormatInt(e.MinSample, 10)}, "treatment_share": {fmtFloat(e.TreatmentShare)},
		"updated_at": {stamp(e.UpdatedAt)}}
	for i, g := range e.Guardrails {
		n := strconv.Itoa(i)
		f.Set("g"+n+"_name", g.Name)
		f.Set("g"+n+"_kind", g.Kind)
		f.Set("g"+n+"_direction", g.Direction)
		f.Set("g"+n+"_max", fmtFloat(g.MaxDegradation))
	}
	return f
}

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func (s *Server) renderExperimentForm(w http.ResponseWriter, r *http.Request, status int, p *Page, id int64) {
	ctx := r.Context()
	ucs, err := s.allUseCases(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ucID, _ := strconv.ParseInt(p.Form.Get("use_case_id"), 10, 64)
	versions, err := s.experimentVersions(ctx, ucID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Guardrail rows as posted; service errors name guardrails by their
	// position among the named ones.
	var rows []expGuardrailRow
	named := 0
	for i := 0; ; i++ {
		n := "g" + strconv.Itoa(i) + "_"
		if i >= expGuardrailRows && !p.Form.Has(n+"name") {
			break
		}
		row := expGuardrailRow{I: i, Name: p.Form.Get(n + "name"), Kind: p.Form.Get(n + "kind"), Direction: p.Form.Get(n + "direction"),
			MaxDegradation: p.Form.Get(n + "max")}
		if strings.TrimSpace(row.Name) != "" {
			row.Key = fmt.Sprintf("guardrails[%d].", named)
			named++
		}
		rows = append(rows, row)
		if i > 20 {
			break
		}
	}
	if len(rows) > 0 && strings.TrimSpace(rows[len(rows)-1].Name) != "" {
		rows = append(rows, expGuardrailRow{I: len(rows)})
	}
	p.Data = struct {
		ID         int64
		UseCases   []*lodestar.UseCase
		Versions   []expVersion
		Guardrails []expGuardrailRow
		Kinds      []string
		Directions []string
	}{id, ucs, versions, rows, []string{lodestar.MetricProportion, lodestar.MetricMean}, []string{lodestar.DirectionUp, lodestar.DirectionDown}}
	s.render(w, r, status, "experiment_form", p)
}

// experimentVersions offers the model versions of a use case's models (of
// every use case for 0), labelled by model key and version.
func (s *Server) experimentVersions(ctx context.Context, useCaseID int64) ([]expVersion, error) {
	ms, err := s.Models.ListModels(ctx, useCaseID)
	if err != nil {
		return nil, err
	}
	var out []expVersion
	for _, m := range ms {
		vs, err := s.Models.ListModelVersions(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			out = append(out, expVersion{ID: v.ID, Label: m.Key + " " + v.Version})
		}
	}
	return out, nil
}

// experimentFromForm reads the form; fields that do not parse are noted
// in f's errors.
func experimentFromForm(f *entForm) lodestar.Experiment {
	e := lodestar.Experiment{UseCaseID: f.id("use_case_id"), Key: f.str("key"), Name: f.str("name"), Hypothesis: f.str("hypothesis"),
		ControlVersionID: f.id("control_version_id"), TreatmentVersionID: f.id("treatment_version_id"),
		Primary: lodestar.ExperimentMetric{Name: f.str("primary_name"), Kind: f.str("primary_kind"), Direction: f.str("primary_direction")},
		Alpha:   f.optDecimal("alpha"), MinSample: f.whole("min_sample"), TreatmentShare: f.optDecimal("treatment_share"),
		Guardrails: []lodestar.ExperimentMetric{}}
	for i := 0; i <= 20; i++ {
		n := "g" + strconv.Itoa(i) + "_"
		if strings.TrimSpace(f.str(n+"name")) == "" {
			continue
		}
		g := lodestar.ExperimentMetric{Name: f.str(n + "name"), Kind: f.str(n + "kind"),
			Direction: f.str(n + "direction"), MaxDegradation: f.optDecimal(n + "max")}
		// A max that does not parse is named as the service names its
		// own errors, by the guardrail's place among the named ones:
		// the form shows them on that row.
		if msg, bad := f.errs[n+"max"]; bad {
			delete(f.errs, n+"max")
			f.errs[fmt.Sprintf("guardrails[%d].max_degradation", len(e.Guardrails))] = msg
		}
		e.Guardrails = append(e.Guardrails, g)
	}
	return e
}

// optDecimal reads an optional decimal number; empty is zero.
func (f *entForm) optDecimal(name string) float64 {
	if entNumber(f.r.PostFormValue(name)) == "" {
		return 0
	}
	return f.decimal(name)
}

func (s *Server) experimentCreate(w http.ResponseWriter, r *http.Request) { s.experimentSave(w, r, 0) }

func (s *Server) experimentUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := entPathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.experimentSave(w, r, id)
}

func (s *Server) experimentSave(w http.ResponseWriter, r *http.Request, id int64) {
	f := newEntForm(r)
	in := experimentFromForm(f)
	save := func(ctx context.Context) (*lodestar.Experiment, error) {
		if id == 0 {
			return s.Experiments.CreateExperiment(ctx, in)
		}
		return s.Experiments.UpdateExperiment(ctx, id, in)
	}
	// An edit is based on the experiment as the form was opened
	// (updated_at): one changed since is refused (409), what was typed
	// kept, rather than overwrite that change.
	ctx := basedOn(r, id)
	var e *lodestar.Experiment
	var err error
	if len(f.errs) > 0 {
		// The service checks the fields that did parse too, writing
		// nothing, so every bad field is named at once.
		err = checkAlso(ctx, f.errs, "The experiment could not be saved; check the fields.", func(ctx context.Context) error {
			_, err := save(ctx)
			return err
		})
	} else {
		e, err = save(ctx)
	}
	if err != nil {
		title := "exp.new"
		if id != 0 {
			title = "exp.edit"
		}
		s.refused(w, r, err, title, "risk", r.PostForm, func(w http.ResponseWriter, r *http.Request, status int, p *Page) {
			s.renderExperimentForm(w, r, status, p, id)
		})
		return
	}
	s.redirect(w, r, "/experiments/"+strconv.FormatInt(e.ID, 10), "flash.experiment_saved")
}

func (s *Server) experimentShow(w http.ResponseWriter, r *http.Request) {
	s.renderExperiment(w, r, http.StatusOK, s.page(r, "exp.one", "risk"))
}

// expMetricRow is one metric of the analysis, formatted for the page.
type expMetricRow struct {
	R                                 lodestar.MetricResult
	Guardrail                         bool
	Status                            string // guardrails: ok, violated, unsure, no_data
	Control, Treatment                string // means or rates
	Diff, DiffCI, Relative, RelCI, P  string
	ControlN, TreatmentN, MaxDegraded string
}

func (s *Server) renderExperiment(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	ctx := r.Context()
	e, ok := entFind(s, w, r, s.Experiments.FindExperimentByID)
	if !ok {
		return
	}
	uc, err := s.UseCases.FindUseCaseByID(ctx, e.UseCaseID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var versions [2]*lodestar.ModelVersion
	var models [2]*lodestar.Model
	for i, id := range []int64{e.ControlVersionID, e.TreatmentVersionID} {
		if versions[i], err = s.Models.FindModelVersionByID(ctx, id); err == nil {
			models[i], err = s.Models.FindModelByID(ctx, versions[i].ModelID)
		}
		if err != nil {
			s.Error(w, r, err)
			return
		}
	}
	a, err := s.Experiments.AnalyzeExperiment(ctx, e.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	loc := p.ID.Locale
	rows := []expMetricRow{s.expMetricRow(loc, a.Primary, false, "")}
	for _, g := range a.Guardrails {
		row := s.expMetricRow(loc, g.MetricResult, true, g.Status)
		row.MaxDegraded = s.pct(loc, g.Metric.MaxDegradation, false)
		rows = append(rows, row)
	}
	var svg template.HTML
	var bars []chart.Interval
	for _, row := range rows {
		if row.R.Relative == nil {
			continue
		}
		tone := ""
		good := (row.R.Relative.Value > 0) == (row.R.Metric.Direction == lodestar.DirectionUp)
		if row.R.Significant && good {
			tone = "good"
		} else if row.R.Significant {
			tone = "bad"
		}
		bar := chart.Interval{Label: row.R.Metric.Name, Value: row.R.Relative.Value, Lo: row.R.Relative.Lo,
			Hi: row.R.Relative.Hi, Text: row.Relative + " " + row.RelCI, Tone: tone, HasLimit: row.Guardrail, Limit: row.R.Metric.MaxDegradation}
		if row.R.Metric.Direction == lodestar.DirectionUp {
			bar.Limit = -bar.Limit
		}
		bars = append(bars, bar)
	}
	if len(bars) > 0 {
		// Round ticks read as such: "+10%", not "+10.00%".
		svg = chart.Intervals(p.T("exp.chart_label"), bars, func(x float64) string {
			out := s.I18n.NumberUpTo(loc, 100*x, 2) + "%"
			if x > 0 {
				out = "+" + out
			}
			return out
		})
	}
	var srm struct{ P, Observed0, Observed1, Expected0, Expected1 string }
	if a.SRM != nil {
		srm.P = "p = " + s.pval(loc, a.SRM.P)
		if a.SRM.P < 1e-4 {
			srm.P = "p " + s.pval(loc, a.SRM.P)
		}
		srm.Observed0, srm.Observed1 = s.I18n.Int(loc, a.SRM.Observed[0]), s.I18n.Int(loc, a.SRM.Observed[1])
		srm.Expected0, srm.Expected1 = s.I18n.Number(loc, a.SRM.Expected[0], 0), s.I18n.Number(loc, a.SRM.Expected[1], 0)
	}
	p.Data = struct {
		E          *lodestar.Experiment
		UseCase    *lodestar.UseCase
		Versions   [2]*lodestar.ModelVersion
		Models     [2]*lodestar.Model
		A          *lodestar.ExperimentAnalysis
		Rows       []expMetricRow
		Chart      template.HTML
		SRM        struct{ P, Observed0, Observed1, Expected0, Expected1 string }
		Alpha      string
		Share      string
		MaxUpload  string
		NextStatus string
		MinSample  string
		LineErrors []lodestar.LineError
	}{e, uc, versions, models, a, rows, svg, srm, s.I18n.Number(loc, e.Alpha, entDecimals(e.Alpha)), s.pct(loc, e.TreatmentShare, false),
		"16 MiB", nextExperimentStatus(e.Status), s.I18n.Int(loc, e.MinSample), lineErrors(p.Fields)}
	s.render(w, r, status, "experiment", p)
}

// lineErrors lists an upload's refused lines ("line N" fields) in order.
func lineErrors(fields map[string]string) []lodestar.LineError {
	var out []lodestar.LineError
	for k, msg := range fields {
		if n, ok := strings.CutPrefix(k, "line "); ok {
			line, _ := strconv.Atoi(n)
			out = append(out, lodestar.LineError{Line: line, Message: msg})
		}
	}
	slices.SortFunc(out, func(a, b lodestar.LineError) int { return a.Line - b.Line })
	return out
}

func nextExperimentStatus(st string) string {
	switch st {
	case lodestar.ExperimentDraft:
		return lodestar.ExperimentRunning
	case lodestar.ExperimentRunning:
		return lodestar.ExperimentStopped
	}
	return ""
}

// expMetricRow formats one metric's comparison for the locale.
func (s *Server) expMetricRow(loc string, m lodestar.MetricResult, guardrail bool, status string) expMetricRow {
	row := expMetricRow{R: m, Guardrail: guardrail, Status: status,
		ControlN: s.I18n.Int(loc, m.Control.N), TreatmentN: s.I18n.Int(loc, m.Treatment.N)}
	if m.Error != "" {
		return row
	}
	if m.Metric.Kind == lodestar.MetricProportion {
		row.Control, row.Treatment = s.pct(loc, m.Control.Mean, false), s.pct(loc, m.Treatment.Mean, false)
		// A difference of two rates is in percentage points: +0.29 pp
		// beside the relative +8.74%, not a second "+0.29%".
		row.Diff = s.pp(loc, m.Diff.Value)
		row.DiffCI = "[" + s.pp(loc, m.Diff.Lo) + ", " + s.pp(loc, m.Diff.Hi) + "]"
	} else {
		d := decimalsFor(m.Control.Mean, m.Treatment.Mean)
		row.Control, row.Treatment = s.num(loc, m.Control.Mean, d, false), s.num(loc, m.Treatment.Mean, d, false)
		d = decimalsFor(m.Diff.Lo, m.Diff.Hi)
		row.Diff = s.num(loc, m.Diff.Value, d, true)
		row.DiffCI = "[" + s.num(loc, m.Diff.Lo, d, true) + ", " + s.num(loc, m.Diff.Hi, d, true) + "]"
	}
	if m.Relative != nil {
		row.Relative = s.pct(loc, m.Relative.Value, true)
		row.RelCI = "[" + s.pct(loc, m.Relative.Lo, true) + ", " + s.pct(loc, m.Relative.Hi, true) + "]"
	}
	row.P = s.pval(loc, m.P)
	return row
}

// pct formats a fraction as a percentage with two decimals, signed when
// asked.
func (s *Server) pct(loc string, x float64, signed bool) string {
	out := s.I18n.Number(loc, 100*x, 2) + "%"
	if signed && x > 0 {
		out = "+" + out
	}
	return out
}

// pp formats a difference of two rates (fractions) in percentage points,
// signed: "+0.29 pp", "+0.29 个百分点".
func (s *Server) pp(loc string, x float64) string {
	n := s.I18n.Number(loc, 100*x, 2)
	if x > 0 {
		n = "+" + n
	}
	return s.I18n.T(loc, "exp.pp", n)
}

// decimalsFor is how many decimals show values of the size of xs with
// about three significant digits: two for the largest at 1 or more,
// more for smaller ones.
func decimalsFor(xs ...float64) int {
	m := 0.0
	for _, x := range xs {
		m = math.Max(m, math.Abs(x))
	}
	if m == 0 || m >= 1 {
		return 2
	}
	return min(8, 2-int(math.Floor(math.Log10(m))))
}

// num formats a value with d decimals, signed when asked.
func (s *Server) num(loc string, x float64, d int, signed bool) string {
	out := s.I18n.Number(loc, x, d)
	if signed && x > 0 {
		out = "+" + out
	}
	return out
}

// pval formats a p-value: four decimals, or "< 0.0001".
func (s *Server) pval(loc string, p float64) string {
	if p < 1e-4 {
		return "< " + s.I18n.Number(loc, 0.0001, 4)
	}
	return s.I18n.Number(loc, p, 4)
}

func (s *Server) experimentStatus(w http.ResponseWriter, r *http.Request) {
	e, ok := entFind(s, w, r, s.Experiments.FindExperimentByID)
	if !ok {
		return
	}
	if _, err := s.Experiments.SetExperimentStatus(r.Context(), e.ID, r.PostFormValue("status"), r.PostFormValue("reason")); err != nil {
		s.refused(w, r, err, "exp.one", "risk", r.PostForm, s.renderExperiment)
		return
	}
	s.redirect(w, r, "/experiments/"+strconv.FormatInt(e.ID, 10), "flash.experiment_status")
}
