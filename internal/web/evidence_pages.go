package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/chart"
	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// evidenceRoutes are the pages of fairness audits and explanation
// reports: upload forms and uploads need evidence.write (32 MiB at most),
// reading and exports model.read.
func (s *Server) evidenceRoutes() []httpx.Route {
	read, write := auth.ModelRead, auth.EvidenceWrite
	return []httpx.Route{
		{Method: "GET", Pattern: "/model-versions/{id}/fairness-audits/new", Perm: write, Handler: s.fairnessNew},
		{Method: "POST", Pattern: "/model-versions/{id}/fairness-audits", Perm: write, Handler: s.fairnessCreate, MaxBody: lodestar.MaxEvidenceUpload},
		{Method: "GET", Pattern: "/fairness-audits/{id}", Perm: read, Handler: s.fairnessShow},
		{Method: "GET", Pattern: "/fairness-audits/{id}/export", Perm: read, Handler: s.fairnessExport},
		{Method: "GET", Pattern: "/model-versions/{id}/explanations/new", Perm: write, Handler: s.explanationNew},
		{Method: "POST", Pattern: "/model-versions/{id}/explanations", Perm: write, Handler: s.explanationCreate, MaxBody: lodestar.MaxEvidenceUpload},
		{Method: "GET", Pattern: "/explanations/{id}", Perm: read, Handler: s.explanationShow},
		{Method: "GET", Pattern: "/explanations/{id}/export", Perm: read, Handler: s.explanationExport},
	}
}

// versionEvidence is the evidence section of a model version's page.
type versionEvidence struct {
	Audits       []*lodestar.FairnessAudit
	Explanations []*lodestar.ExplanationReport
}

func (s *Server) versionEvidence(ctx context.Context, versionID int64) (*versionEvidence, error) {
	if s.Evidence == nil {
		return &versionEvidence{}, nil
	}
	var ev versionEvidence
	var err error
	if ev.Audits, err = s.Evidence.ListFairnessAudits(ctx, versionID); err != nil {
		return nil, err
	}
	ev.Explanations, err = s.Evidence.ListExplanations(ctx, versionID)
	return &ev, err
}

// uploadForm is what an upload page shows: the version it attaches to.
type uploadForm struct {
	V         *lodestar.ModelVersion
	M         *lodestar.Model
	Encodings []string
}

func (s *Server) renderUpload(name string) entRender {
	return func(w http.ResponseWriter, r *http.Request, status int, p *Page) {
		v, ok := entFind(s, w, r, s.Models.FindModelVersionByID)
		if !ok {
			return
		}
		m, err := s.Models.FindModelByID(r.Context(), v.ModelID)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		p.Data = uploadForm{V: v, M: m, Encodings: []string{"utf-8", "gb18030", "gbk", "windows-1252", "latin1"}}
		s.render(w, r, status, name, p)
	}
}

func (s *Server) fairnessNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "evidence.fairness_new", "risk")
	p.Form = map[string][]string{"bootstrap": {"1000"}, "seed": {"1"}, "level": {"0.95"}}
	s.renderUpload("fairness_new")(w, r, http.StatusOK, p)
}

func (s *Server) explanationNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "evidence.explanation_new", "risk")
	p.Form = map[string][]string{"rows_shown": {"5"}}
	s.renderUpload("explanation_new")(w, r, http.StatusOK, p)
}

// uploaded reads a file part, or, failing that, the text pasted into the
// field name+"_text". The file name is "" for pasted text.
func uploaded(r *http.Request, name string) ([]byte, string, error) {
	f, hdr, err := r.FormFile(name)
	if err == nil {
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return nil, "", lodestar.FieldError(name, "The file could not be read.")
		}
		return b, hdr.Filename, nil
	}
	return []byte(r.PostFormValue(name + "_text")), "", nil
}

func formFail(fields map[string]string) error {
	return &lodestar.Error{Code: lodestar.EInvalid, Message: "The evidence could not be computed; check the fields.", Fields: fields}
}

func (s *Server) fairnessCreate(w http.ResponseWriter, r *http.Request) {
	id, err := entPathID(r)
	var a *lodestar.FairnessAudit
	if err == nil {
		err = func() error {
			params, fields := evidence.FairnessParamsFromForm(r.PostFormValue)
			data, name, err := uploaded(r, "file")
			if err != nil {
				return err
			}
			if len(fields) > 0 {
				return formFail(fields)
			}
			if name == "" {
				name = "pasted.csv"
			}
			a, err = s.Evidence.CreateFairnessAudit(r.Context(), id, lodestar.FairnessAuditInput{Title: r.PostFormValue("title"),
				FileName: name, Data: data, Params: params})
			return err
		}()
	}
	if err != nil {
		s.refused(w, r, err, "evidence.fairness_new", "risk", r.PostForm, s.renderUpload("fairness_new"))
		return
	}
	s.redirect(w, r, "/fairness-audits/"+strconv.FormatInt(a.ID, 10), "flash.evidence_saved")
}

func (s *Server) explanationCreate(w http.ResponseWriter, r *http.Request) {
	id, err := entPathID(r)
	var e *lodestar.ExplanationReport
	if err == nil {
		err = func() error {
			params, fields := evidence.ExplanationParamsFromForm(r.PostFormValue)
			model, modelName, err := uploaded(r, "model")
			if err != nil {
				return err
			}
			data, dataName, err := uploaded(r, "data")
			if err != nil {
				return err
			}
			if len(fields) > 0 {
				return formFail(fields)
			}
			if modelName == "" {
				modelName = "pasted-model.json"
			}
			if dataName == "" {
				dataName = "pasted.csv"
			}
			e, err = s.Evidence.CreateExplanation(r.Context(), id, lodestar.ExplanationInput{Title: r.PostFormValue("title"),
				ModelFileName: modelName, Model: model, DataFileName: dataName, Data: data, Params: params})
			return err
		}()
	}
	if err != nil {
		s.refused(w, r, err, "evidence.explanation_new", "risk", r.PostForm, s.renderUpload("explanation_new"))
		return
	}
	s.redirect(w, r, "/explanations/"+strconv.FormatInt(e.ID, 10), "flash.evidence_saved")
}

// fmtRate formats a rate for the page; undefined is "—".
func fmtRate(p *Page, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return p.Num(v, 3)
}

func fmtEstimate(p *Page, e fairness.Estimate) string {
	s := fmtRate(p, e.Value)
	if e.CI != nil && !math.IsNaN(e.CI.Lo) && !math.IsNaN(e.CI.Hi) {
		s += " [" + fmtRate(p, e.CI.Lo) + ", " + fmtRate(p, e.CI.Hi) + "]"
	}
	return s
}

// fairnessRow is one group's line of the audit's table, formatted.
type fairnessRow struct {
	Group     string
	Reference bool
	Adverse   bool
	N, TP, FP int64
	TN, FN    int64
	Cells     []string // base rate, selection, TPR, FPR, FNR, PPV, accuracy
	Impact    string
}

// fairnessView is what fairness_audit.html shows.
type fairnessView struct {
	A           *lodestar.FairnessAudit
	V           *lodestar.ModelVersion
	M           *lodestar.Model
	Rep         *fairness.Report
	Rows        []fairnessRow
	Overall     fairnessRow
	Charts      []template.HTML
	Disparities [][2]string // catalog key, formatted estimate
	Below       []string
	BelowText   string
	RuleKey     string // "given", "highest" or "highest_favourable"
	// Negative is true when the negative prediction is the favourable
	// outcome: the impact ratios and the four-fifths rule are on its rate.
	Negative  bool
	LevelPct  string
	RowsText  string
	EOGap     string
	Threshold string
	Command   string
	Python    string
}

// evidenceParent finds the version and model a piece of evidence belongs to.
func (s *Server) evidenceParent(ctx context.Context, versionID int64) (*lodestar.ModelVersion, *lodestar.Model, error) {
	v, err := s.Models.FindModelVersionByID(ctx, versionID)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.Models.FindModelByID(ctx, v.ModelID)
	return v, m, err
}

func (s *Server) fairnessShow(w http.ResponseWriter, r *http.Request) {
	a, ok := entFind(s, w, r, s.Evidence.FindFairnessAuditByID)
	if !ok {
		return
	}
	v, m, err := s.evidenceParent(r.Context(), a.ModelVersionID)
	var rep fairness.Report
	if err == nil {
		err = json.Unmarshal(a.Result, &rep)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := s.page(r, "evidence.fairness_audit", "risk")
	view := fairnessView{A: a, V: v, M: m, Rep: &rep, EOGap: fmtRate(p, lodestar.EqualizedOddsGapLimit)}
	row := func(g fairness.GroupMetrics) fairnessRow {
		fr := fairnessRow{Group: g.Group, N: g.N, TP: g.TP, FP: g.FP, TN: g.TN, FN: g.FN, Impact: fmtEstimate(p, g.ImpactRatio)}
		for _, f := range evidence.FairnessFigures(g) {
			fr.Cells = append(fr.Cells, fmtEstimate(p, f.E))
		}
		return fr
	}
	for _, g := range rep.Groups {
		fr := row(g)
		fr.Reference, fr.Adverse = g.Group == rep.Reference, g.AdverseImpact
		view.Rows = append(view.Rows, fr)
		if g.AdverseImpact {
			view.Below = append(view.Below, g.Group)
		}
	}
	view.BelowText = strings.Join(view.Below, ", ")
	view.Negative = rep.Favourable == fairness.FavourableNegative.String()
	switch rep.ReferenceRule {
	case fairness.RuleGiven:
		view.RuleKey = "given"
	case fairness.RuleHighestFavourable:
		view.RuleKey = "highest_favourable"
	default:
		view.RuleKey = "highest"
	}
	if rep.Bootstrap != nil {
		view.LevelPct = p.Num(100*rep.Bootstrap.Level, 0) + "%"
	}
	view.RowsText = p.bundle.Int(p.ID.Locale, a.Rows)
	view.Overall = row(rep.Overall)
	view.Overall.Impact = ""
	tick := func(v float64) string { return p.Num(v, 2) }
	// The first chart shows the rate the four-fifths rule compares, so its
	// red bars are the short ones: the selection rate, or when the negative
	// prediction is favourable its rate, 1 − selection rate (interval
	// [1 − hi, 1 − lo]).
	first := struct {
		key string
		get func(fairness.GroupMetrics) fairness.Estimate
	}{"evidence.metric.selection_rate", func(g fairness.GroupMetrics) fairness.Estimate { return g.SelectionRate }}
	if view.Negative {
		first.key = "evidence.metric.favourable_rate"
		first.get = func(g fairness.GroupMetrics) fairness.Estimate {
			e := fairness.Estimate{Value: 1 - g.SelectionRate.Value}
			if ci := g.SelectionRate.CI; ci != nil {
				e.CI = &fairness.Interval{Lo: 1 - ci.Hi, Hi: 1 - ci.Lo, Undefined: ci.Undefined}
			}
			return e
		}
	}
	for _, c := range []struct {
		key string
		get func(fairness.GroupMetrics) fairness.Estimate
	}{
		first,
		{"evidence.metric.fpr", func(g fairness.GroupMetrics) fairness.Estimate { return g.FPR }},
		{"evidence.metric.tpr", func(g fairness.GroupMetrics) fairness.Estimate { return g.TPR }},
	} {
		var bars []chart.IntervalBar
		for _, g := range rep.Groups {
			e := c.get(g)
			b := chart.IntervalBar{Label: g.Group, Value: e.Value, Lo: math.NaN(), Hi: math.NaN(), Text: fmtEstimate(p, e)}
			if e.CI != nil {
				b.Lo, b.Hi = e.CI.Lo, e.CI.Hi
			}
			if g.AdverseImpact {
				b.Class = "bad"
			}
			bars = append(bars, b)
		}
		view.Charts = append(view.Charts, template.HTML(`<figure><figcaption>`+template.HTMLEscapeString(p.T(c.key))+`</figcaption>`)+
			chart.IntervalBars(p.T(c.key), 1, tick, bars)+template.HTML(`</figure>`))
	}
	view.Disparities = [][2]string{
		{"evidence.metric.dp_difference", fmtEstimate(p, rep.DemographicParityDifference)},
		{"evidence.metric.dp_ratio", fmtEstimate(p, rep.DemographicParityRatio)},
		{"evidence.metric.eo_difference", fmtEstimate(p, rep.EqualizedOddsDifference)},
		{"evidence.metric.eop_difference", fmtEstimate(p, rep.EqualOpportunityDifference)},
		{"evidence.metric.min_impact", fmtEstimate(p, rep.MinImpactRatio)},
	}
	if a.Params.Threshold != nil {
		view.Threshold = strconv.FormatFloat(*a.Params.Threshold, 'g', -1, 64)
	}
	view.Command, view.Python = fairnessRecipe(a)
	p.Data = view
	s.render(w, r, http.StatusOK, "fairness_audit", p)
}

// shellQuote quotes a value for a POSIX shell when it needs it.
func shellQuote(v string) string {
	if v != "" && strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.#/") == "" {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// shellCommand writes a lodestar command line for a POSIX shell, one
// flag per line.
func shellCommand(args []string) string {
	var b strings.Builder
	b.WriteString("lodestar " + args[0])
	for i := 1; i < len(args); i++ {
		if strings.HasPrefix(args[i], "--") {
			b.WriteString(" \\\n    " + args[i])
			if args[i] != "--stratified" && i+1 < len(args) { // the one flag without a value
				i++
				b.WriteString(" " + shellQuote(args[i]))
			}
		}
	}
	return b.String()
}

// fairnessRecipe is how an auditor reproduces an audit: the lodestar
// fairness command on the same file, and the same figures with pandas and
// fairlearn.
func fairnessRecipe(a *lodestar.FairnessAudit) (cli, python string) {
	pr := a.Params
	cli = shellCommand(evidence.FairnessCLIArgs(a.FileName, pr))
	col := func(spec string) string {
		if n, ok := strings.CutPrefix(spec, "#"); ok {
			if i, err := strconv.Atoi(n); err == nil {
				return fmt.Sprintf("df.columns[%d]", i-1)
			}
		}
		return strconv.Quote(spec)
	}
	pos := func(v string) string {
		if v == "" {
			return `.astype(str).str.lower().isin(["1", "1.0", "true", "t", "yes", "y", "positive", "pos"])`
		}
		return " == " + strconv.Quote(v)
	}
	pred := "df[" + col(pr.PredictionColumn) + "]" + pos(cmpOr(pr.PositivePrediction, pr.PositiveLabel))
	if pr.ScoreColumn != "" && pr.Threshold != nil { // (the service stores none without the other)
		pred = "pd.to_numeric(df[" + col(pr.ScoreColumn) + "]) >= " + strconv.FormatFloat(*pr.Threshold, 'g', -1, 64)
	}
	impact := "print(\"impact ratio\", mf.by_group[\"selection_rate\"] / mf.by_group[\"selection_rate\"].max())"
	if pr.Favourable == "negative" {
		// The negative prediction is the favourable outcome: the impact
		// ratio compares its rate, 1 − selection rate.
		impact = "favourable_rate = 1 - mf.by_group[\"selection_rate\"]  # the negative prediction is favourable\n" +
			"print(\"impact ratio\", favourable_rate / favourable_rate.max())"
	}
	python = "import pandas as pd\n" +
		"from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate, false_positive_rate, equalized_odds_difference\n" +
		"df = pd.read_csv(" + strconv.Quote(a.FileName) + ", dtype=str, keep_default_na=False)\n" +
		"y_true = df[" + col(pr.LabelColumn) + "]" + pos(pr.PositiveLabel) + "\n" +
		"y_pred = " + pred + "\n" +
		"g = df[" + col(pr.GroupColumn) + "]\n" +
		"mf = MetricFrame(metrics={\"selection_rate\": selection_rate, \"tpr\": true_positive_rate, \"fpr\": false_positive_rate},\n" +
		"                 y_true=y_true, y_pred=y_pred, sensitive_features=g)\n" +
		"print(mf.by_group)\n" +
		"print(\"equalized odds difference\", equalized_odds_difference(y_true, y_pred, sensitive_features=g))\n" +
		impact
	return cli, python
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// explanationView is what explanation.html shows.
type explanationView struct {
	E        *lodestar.ExplanationReport
	V        *lodestar.ModelVersion
	M        *lodestar.Model
	Res      *evidence.ExplanationResult
	Chart    template.HTML
	Top      int
	RowsText string
	BiasText string
	// AdditivityText is the largest |bias + Σ SHAP − margin|: zero up to
	// rounding, shown so a reader sees the check was made.
	AdditivityText string
	Features       []explainFeatureRow
	Rows           []explainRowView
	Command        string
	Python         string
}

type explainFeatureRow struct {
	Feature string
	Value   string
	Cells   []string // SHAP value in each kept row
}

type explainRowView struct {
	Line                     int
	Prediction, Margin, Bias string
}

// TopFeatures is how many features the importance chart shows.
const TopFeatures = 15

func (s *Server) explanationShow(w http.ResponseWriter, r *http.Request) {
	e, ok := entFind(s, w, r, s.Evidence.FindExplanationByID)
	if !ok {
		return
	}
	v, m, err := s.evidenceParent(r.Context(), e.ModelVersionID)
	var res evidence.ExplanationResult
	if err == nil {
		err = json.Unmarshal(e.Result, &res)
	}
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := s.page(r, "evidence.explanation", "risk")
	view := explanationView{E: e, V: v, M: m, Res: &res, RowsText: p.bundle.Int(p.ID.Locale, e.Rows), BiasText: p.Num(res.Bias, 4),
		AdditivityText: strconv.FormatFloat(res.MaxAdditivityError, 'g', 2, 64)}
	num := func(x float64) string { return p.Num(x, 4) }
	maxImp := 0.0
	var bars []chart.IntervalBar
	for i, f := range res.Importance {
		maxImp = math.Max(maxImp, f.Importance)
		if i < TopFeatures {
			bars = append(bars, chart.IntervalBar{Label: f.Feature, Value: f.Importance, Lo: math.NaN(), Hi: math.NaN(), Text: num(f.Importance)})
		}
	}
	view.Top = len(bars)
	// The axis's ticks are round steps (0.2, 0.4 …), written with the
	// decimals they have; the bars' values keep their four.
	view.Chart = chart.IntervalBars(p.T("evidence.importance_chart"), maxImp, p.Measure, bars)
	index := map[string]int{}
	for j, f := range res.Features {
		index[f] = j
	}
	for _, f := range res.Importance {
		fr := explainFeatureRow{Feature: f.Feature, Value: num(f.Importance)}
		for _, row := range res.Rows {
			fr.Cells = append(fr.Cells, num(row.SHAP[index[f.Feature]]))
		}
		view.Features = append(view.Features, fr)
	}
	for _, row := range res.Rows {
		view.Rows = append(view.Rows, explainRowView{Line: row.Line, Prediction: num(row.Prediction), Margin: num(row.Margin), Bias: num(res.Bias)})
	}
	view.Command = shellCommand(evidence.ExplainCLIArgs(e.ModelFileName, e.DataFileName, e.Params))
	view.Python = "import numpy as np, pandas as pd, xgboost as xgb\n" +
		"bst = xgb.Booster(model_file=" + strconv.Quote(e.ModelFileName) + ")\n" +
		"X = pd.read_csv(" + strconv.Quote(e.DataFileName) + ").reindex(columns=bst.feature_names)\n" +
		"contribs = bst.predict(xgb.DMatrix(X), pred_contribs=True)  # last column: bias\n" +
		"print(dict(zip(bst.feature_names, np.abs(contribs[:, :-1]).mean(axis=0))))"
	p.Data = view
	s.render(w, r, http.StatusOK, "explanation", p)
}

// sendDownload writes an export as an attachment, or the error page.
func (s *Server) sendDownload(w http.ResponseWriter, r *http.Request, d *evidence.Download, err error) {
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", d.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.FileName}))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(d.Body)
}

func (s *Server) fairnessExport(w http.ResponseWriter, r *http.Request) {
	a, ok := entFind(s, w, r, s.Evidence.FindFairnessAuditByID)
	if !ok {
		return
	}
	d, err := evidence.ExportFairness(a, r.URL.Query().Get("format"))
	s.sendDownload(w, r, d, err)
}

func (s *Server) explanationExport(w http.ResponseWriter, r *http.Request) {
	e, ok := entFind(s, w, r, s.Evidence.FindExplanationByID)
	if !ok {
		return
	}
	d, err := evidence.ExportExplanation(e, r.URL.Query().Get("format"))
	s.sendDownload(w, r, d, err)
}
