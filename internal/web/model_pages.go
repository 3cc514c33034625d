package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/dataset"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// modelRoutes are the model registry's pages.
func (s *Server) modelRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/models", Perm: auth.ModelRead, Handler: s.modelList},
		{Method: "POST", Pattern: "/models", Perm: auth.ModelWrite, Handler: s.modelCreate},
		{Method: "GET", Pattern: "/models/{id}", Perm: auth.ModelRead, Handler: s.modelShow},
		{Method: "POST", Pattern: "/models/{id}/versions", Perm: auth.ModelWrite, Handler: s.modelVersionCreate},
		{Method: "GET", Pattern: "/model-versions/{id}", Perm: auth.ModelRead, Handler: s.modelVersionShow},
		{Method: "POST", Pattern: "/model-versions/{id}/card", Perm: auth.ModelWrite, Handler: s.modelCardUpdate},
		{Method: "POST", Pattern: "/model-versions/{id}/status", Perm: auth.ModelWrite, Handler: s.modelStatus},
		{Method: "POST", Pattern: "/model-versions/{id}/provenance", Perm: auth.ModelWrite, Handler: s.modelProvenanceUpdate},
		{Method: "POST", Pattern: "/models/{id}/switch", Perm: auth.SwitchFlip, Handler: s.modelSwitch},
	}
}

type modelRow struct {
	M       *lodestar.Model
	UseCase *lodestar.UseCase
	Latest  *lodestar.ModelVersion // the newest version, whatever its status
	Live    *lodestar.ModelVersion // the newest version in production, if any
	// Serving are the versions in production, newest first: going live
	// does not move the one before out of production (a canary), and
	// both serve.
	Serving []*lodestar.ModelVersion
	Switch  *lodestar.Switch // the human intervention switch, if the model has one
}

func (s *Server) modelList(w http.ResponseWriter, r *http.Request) {
	s.renderModels(w, r, http.StatusOK, s.page(r, "models.title", "risk"))
}

func (s *Server) renderModels(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	ctx := r.Context()
	rows, err := s.modelRows(ctx, 0)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ucs, err := s.allUseCases(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.Data = struct {
		Rows     []modelRow
		UseCases []*lodestar.UseCase
	}{rows, ucs}
	s.render(w, r, status, "models", p)
}

// modelRows lists the models of a use case (0: of all), each with its use
// case, newest and live versions and switch.
func (s *Server) modelRows(ctx context.Context, useCaseID int64) ([]modelRow, error) {
	ms, err := s.Models.ListModels(ctx, useCaseID)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	sws, err := s.Switches.ListSwitches(ctx)
	if err != nil {
		return nil, err
	}
	switches := make(map[string]*lodestar.Switch, len(sws))
	for _, sw := range sws {
		switches[sw.Key] = sw
	}
	var rows []modelRow
	for _, m := range ms {
		row := modelRow{M: m, Switch: switches[m.Key]}
		if row.UseCase, err = s.UseCases.FindUseCaseByID(ctx, m.UseCaseID); err != nil {
			return nil, err
		}
		vs, err := s.Models.ListModelVersions(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		if len(vs) > 0 {
			row.Latest = vs[0]
		}
		for _, v := range vs {
			if v.Status == lodestar.ModelProduction {
				row.Serving = append(row.Serving, v)
			}
		}
		if len(row.Serving) > 0 {
			row.Live = row.Serving[0]
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (s *Server) modelCreate(w http.ResponseWriter, r *http.Request) {
	// A use case that does not parse ("abc", "12x") is refused as such,
	// not read as none (which the service names as "choose one").
	f := newEntForm(r)
	in := lodestar.Model{UseCaseID: f.id("use_case_id"), Key: r.PostFormValue("key"),
		Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
	var m *lodestar.Model
	var err error
	if len(f.errs) > 0 {
		// The service checks the other fields too, writing nothing.
		err = checkAlso(r.Context(), f.errs, "The model could not be saved; check the fields.", func(ctx context.Context) error {
			_, err := s.Models.CreateModel(ctx, in)
			return err
		})
	} else {
		m, err = s.Models.CreateModel(r.Context(), in)
	}
	if err != nil {
		s.refused(w, r, err, "models.title", "risk", r.PostForm, s.renderModels)
		return
	}
	// The new model's switch reaches the switch streams already open, whose
	// snapshots do not have it (a fail-closed client answered off for it).
	if s.PublishSwitch != nil {
		if sw, err := s.Switches.FindSwitch(r.Context(), m.Key); err == nil {
			s.PublishSwitch(sw)
		}
	}
	s.redirect(w, r, "/models/"+strconv.FormatInt(m.ID, 10), "flash.model_saved")
}

func (s *Server) modelShow(w http.ResponseWriter, r *http.Request) {
	s.renderModel(w, r, http.StatusOK, s.page(r, "models.one", "risk"))
}

func (s *Server) renderModel(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	m, ok := entFind(s, w, r, s.Models.FindModelByID)
	if !ok {
		return
	}
	uc, err := s.UseCases.FindUseCaseByID(r.Context(), m.UseCaseID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	vs, err := s.Models.ListModelVersions(r.Context(), m.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sw, err := s.Switches.FindSwitch(r.Context(), m.Key)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Every switch, for the chain of fallbacks: whether the model this
	// one falls back to serves, and which models fall back to this one.
	all, err := s.Switches.ListSwitches(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	unregistered, err := s.Events.UnregisteredEventVersions(r.Context(), m.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	flips, err := s.switchFlips(r.Context(), m.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Its open alerts, counted: whoever comes to flip the switch sees
	// there is something to look at on the health page.
	open, err := s.Monitors.ListAlerts(r.Context(), m.ID, true)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	more := max(0, len(unregistered)-maxUnregisteredShown)
	p.Data = struct {
		M            *lodestar.Model
		UseCase      *lodestar.UseCase
		Versions     []*lodestar.ModelVersion
		Switch       *lodestar.Switch
		Live         bool // a version is in production: the switch on, the model serves
		Flips        []switchFlip
		States       []string
		Unregistered []lodestar.VersionEvents
		MoreVersions int
		OpenAlerts   int
		Switches     map[string]*lodestar.Switch // every switch by key: is the fallback serving?
		FallbackOf   []string                    // the models at fallback to this one
	}{m, uc, vs, sw, inProduction(vs), flips, []string{lodestar.SwitchOn, lodestar.SwitchOff, lodestar.SwitchFallback}, unregistered[:len(unregistered)-more], more, len(open),
		switchesByKey(all), fallingBackTo(m.Key, all)}
	s.render(w, r, status, "model", p)
}

// inProduction reports whether one of the versions is in production: a
// model with none (none yet, or all retired) serves nothing, whatever
// its switch says.
func inProduction(vs []*lodestar.ModelVersion) bool {
	for _, v := range vs {
		if v.Status == lodestar.ModelProduction {
			return true
		}
	}
	return false
}

// SwitchBadge shows a switch's state as a badge. A switch on, for a model
// with no version in production (live false), says that nothing serves
// rather than that the model does.
func (p *Page) SwitchBadge(sw *lodestar.Switch, live bool) template.HTML {
	class, key := "switch-"+sw.State, "switch.state."+sw.State
	if sw.State == lodestar.SwitchOn && !live {
		class, key = "switch-idle", "switch.state.on_idle"
	}
	return template.HTML(`<span class="badge ` + html.EscapeString(class) + `">` + html.EscapeString(p.T(key)) + `</span>`)
}

// InProduction reports whether the row's model has a version in production.
func (r modelRow) InProduction() bool { return r.Live != nil }

// maxUnregisteredShown bounds the model page's list of unregistered
// versions (a service sending a fresh version string with each event
// would make thousands); the API lists them all.
const maxUnregisteredShown = 20

// switchFlip is one flip of a model's switch as its audit entry holds it.
type switchFlip struct {
	At       time.Time
	Actor    string
	From, To *lodestar.Switch
}

// Unchanged reports whether the flip left the switch as it was (the
// reason recorded, nothing else).
func (f switchFlip) Unchanged() bool {
	return f.From.State == f.To.State && f.From.Fallback == f.To.Fallback
}

// SwitchState names a switch's state in a flip's "from → to": on, off,
// or the fallback with what it serves instead.
func (p *Page) SwitchState(sw *lodestar.Switch) string {
	if sw.State == lodestar.SwitchFallback && sw.Fallback != "" {
		return p.T("switch.from_to.fallback_to", sw.Fallback)
	}
	switch sw.State {
	case lodestar.SwitchOn, lodestar.SwitchOff, lodestar.SwitchFallback:
		return p.T("switch.from_to." + sw.State)
	}
	return sw.State
}

// SwitchVia names how a flip was made: on the web pages, through the API
// or from the shell; "not recorded" for flips made before it was.
func (p *Page) SwitchVia(via string) string {
	switch via {
	case lodestar.ViaWeb, lodestar.ViaAPI, lodestar.ViaCLI:
		return p.T("switch.via." + via)
	}
	return p.T("switch.via.unknown")
}

// SwitchViaNote says, after who last flipped a switch, how they did:
// "" when it is not recorded.
func (p *Page) SwitchViaNote(via string) string {
	switch via {
	case lodestar.ViaWeb, lodestar.ViaAPI, lodestar.ViaCLI:
		return p.T("switch.last_via." + via)
	}
	return ""
}

// SwitchLast says who last flipped a switch and how, as the locale
// writes it: "Last flipped by Wang Fang (on the web page)", and in Chinese
// "最近一次切换：王芳（网页操作）" without spaces around the full-width colon
// and brackets.
func (p *Page) SwitchLast(sw *lodestar.Switch) template.HTML {
	return p.TH("switch.last_line", p.Person(sw.ChangedBy), p.SwitchViaNote(sw.Via))
}

// maxFlipsShown is how many of a switch's flips its model page lists;
// the audit log has them all.
const maxFlipsShown = 20

// switchFlips reads the latest flips of a model's switch, newest first,
// from the audit log (each entry holds the switch before and after).
func (s *Server) switchFlips(ctx context.Context, modelID int64) ([]switchFlip, error) {
	evs, err := s.Audit.FindEvents(ctx, lodestar.AuditFilter{Action: "flip", EntityType: "switch",
		EntityID: strconv.FormatInt(modelID, 10), Limit: maxFlipsShown})
	if err != nil {
		return nil, err
	}
	flips := make([]switchFlip, 0, len(evs))
	for _, ev := range evs {
		f := switchFlip{At: ev.At, Actor: ev.Actor, From: &lodestar.Switch{}, To: &lodestar.Switch{}}
		if json.Unmarshal([]byte(ev.Before), f.From) != nil || json.Unmarshal([]byte(ev.After), f.To) != nil {
			continue // not a switch's entry: nothing to show of it
		}
		flips = append(flips, f)
	}
	return flips, nil
}

// versionChange is one entry of a model version's history as its audit
// entry holds it: made, moved from one status to another (why), or its
// card or provenance changed (which fields).
type versionChange struct {
	At       time.Time
	Actor    string
	Kind     string // "create", "status", "card" or "provenance"
	From, To string // statuses
	Reason   string
	// Fields are the card's or the provenance's changed fields (their
	// catalog keys less "card." or "provenance.").
	Fields []string
}

// maxVersionChanges is how many entries a version's page lists; the
// audit log has them all.
const maxVersionChanges = 50

// versionHistory reads a model version's history, newest first, from the
// audit log: each entry holds the version before and after.
func (s *Server) versionHistory(ctx context.Context, versionID int64) ([]versionChange, error) {
	evs, err := s.Audit.FindEvents(ctx, lodestar.AuditFilter{EntityType: "model_version",
		EntityID: strconv.FormatInt(versionID, 10), Limit: maxVersionChanges})
	if err != nil {
		return nil, err
	}
	out := make([]versionChange, 0, len(evs))
	for _, ev := range evs {
		var before, after lodestar.ModelVersion
		if json.Unmarshal([]byte(ev.After), &after) != nil {
			continue // not a version's entry: nothing to show of it
		}
		c := versionChange{At: ev.At, Actor: ev.Actor, To: after.Status}
		switch ev.Action {
		case "create":
			c.Kind = "create"
		case "set_status":
			if json.Unmarshal([]byte(ev.Before), &before) != nil {
				continue
			}
			c.Kind, c.From, c.Reason = "status", before.Status, after.StatusReason
		case "update_card":
			if json.Unmarshal([]byte(ev.Before), &before) != nil {
				continue
			}
			c.Kind, c.Fields = "card", cardChanges(before.Card, after.Card)
		case "update_provenance":
			if json.Unmarshal([]byte(ev.Before), &before) != nil {
				continue
			}
			c.Kind, c.Fields = "provenance", provenanceChanges(before.Provenance, after.Provenance)
		default:
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// cardChanges names the fields that differ between two model cards (as
// the card's JSON names them), in the card's order.
func cardChanges(a, b lodestar.ModelCard) []string {
	var out []string
	for _, f := range []struct {
		key  string
		x, y string
	}{
		{"intended_use", a.IntendedUse, b.IntendedUse}, {"out_of_scope_use", a.OutOfScopeUse, b.OutOfScopeUse},
		{"training_data", a.TrainingData, b.TrainingData},
	} {
		if f.x != f.y {
			out = append(out, f.key)
		}
	}
	if !maps.Equal(a.EvaluationMetrics, b.EvaluationMetrics) {
		out = append(out, "evaluation_metrics")
	}
	if a.Limitations != b.Limitations {
		out = append(out, "limitations")
	}
	if a.EthicalConsiderations != b.EthicalConsiderations {
		out = append(out, "ethical_considerations")
	}
	return out
}

// provenanceChanges names the fields that differ between two
// provenances (as their JSON names them), in their order.
func provenanceChanges(a, b lodestar.Provenance) []string {
	var out []string
	for _, f := range []struct {
		key  string
		x, y string
	}{
		{"artifact_uri", a.ArtifactURI, b.ArtifactURI}, {"artifact_sha256", a.ArtifactSHA256, b.ArtifactSHA256},
		{"source_commit", a.SourceCommit, b.SourceCommit}, {"training_run", a.TrainingRun, b.TrainingRun},
	} {
		if f.x != f.y {
			out = append(out, f.key)
		}
	}
	return out
}

// HTTPLink is s when it is an http(s) URL with a host, the only links the
// pages make of what users record (an artifact URI, a training run);
// "" otherwise, so javascript:, data: and the rest stay text.
func (p *Page) HTTPLink(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return s
}

// ShortDigest is a digest's first 12 characters, as a table shows it
// (the page shows the whole on demand).
func (p *Page) ShortDigest(s string) string {
	if len(s) <= 12 {
		return s
	}
	return s[:12]
}

// DigestGroups cuts a digest into groups of 16 characters, which a page
// shows with a break allowed between them (copied, they are one word).
func (p *Page) DigestGroups(s string) []string {
	var out []string
	for len(s) > 16 {
		out = append(out, s[:16])
		s = s[16:]
	}
	return append(out, s)
}

// cardFromForm reads a model card; metrics come as "name = value" lines.
// A line that does not parse is refused as the service refuses a card.
func cardFromForm(r *http.Request) (lodestar.ModelCard, error) {
	c := lodestar.ModelCard{IntendedUse: r.PostFormValue("intended_use"), OutOfScopeUse: r.PostFormValue("out_of_scope_use"),
		TrainingData: r.PostFormValue("training_data"), Limitations: r.PostFormValue("limitations"),
		EthicalConsiderations: r.PostFormValue("ethical_considerations"), EvaluationMetrics: map[string]float64{}}
	fields := map[string]string{}
	// The lines that do not parse, by number, so a card of twenty metrics
	// says which to mend.
	// A number is read as JSON reads one (a finite decimal: not NaN, an
	// infinity or hexadecimal); one so close to 0 that it reads as 0
	// (1e-999) is refused by its own lines, not stored as 0.
	var bad, tiny []string
	// The lines each metric is on: one named twice ("auc" for validation
	// and for test) is refused, not left to the last line.
	lines := map[string][]string{}
	var names []string
	for i, line := range strings.Split(r.PostFormValue("metrics"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		x, number, underflow := dataset.ParseTyped(val)
		switch {
		case !ok || strings.TrimSpace(name) == "" || !number && !underflow:
			bad = append(bad, strconv.Itoa(i+1))
			continue
		case underflow:
			tiny = append(tiny, strconv.Itoa(i+1))
			continue
		}
		name = strings.TrimSpace(name)
		if lines[name] == nil {
			names = append(names, name)
		}
		lines[name] = append(lines[name], strconv.Itoa(i+1))
		c.EvaluationMetrics[name] = x
	}
	twice := slices.IndexFunc(names, func(n string) bool { return len(lines[n]) > 1 })
	switch {
	case len(bad) > 0:
		fields["card.evaluation_metrics"] = fmt.Sprintf("Write each metric as name = number, e.g. auc = 0.91 (line %s).", strings.Join(bad, ", "))
	case len(tiny) > 0:
		fields["card.evaluation_metrics"] = fmt.Sprintf("Too small to store: a number this close to 0 reads as 0 (line %s).", strings.Join(tiny, ", "))
	case twice >= 0:
		n := names[twice]
		fields["card.evaluation_metrics"] = fmt.Sprintf("Metric %s is given more than once (line %s): give each metric once, under a name of its own (e.g. %s_test).", n, strings.Join(lines[n], ", "), n)
	}
	if len(fields) > 0 {
		return c, &lodestar.Error{Code: lodestar.EInvalid, Message: "The model card could not be saved; check the fields.", Fields: fields}
	}
	return c, nil
}

// provenanceFromForm reads a version's provenance from the fields of the
// "provenance-fields" template; the service checks it.
func provenanceFromForm(r *http.Request) lodestar.Provenance {
	return lodestar.Provenance{ArtifactURI: r.PostFormValue("artifact_uri"), ArtifactSHA256: r.PostFormValue("artifact_sha256"),
		SourceCommit: r.PostFormValue("source_commit"), TrainingRun: r.PostFormValue("training_run")}
}

// modelVersionCreate adds a version with its provenance and card. A card
// whose metrics do not parse is refused with the service's refusals of
// the other fields too (checkAlso), a bad provenance among them.
func (s *Server) modelVersionCreate(w http.ResponseWriter, r *http.Request) {
	m, ok := entFind(s, w, r, s.Models.FindModelByID)
	if !ok {
		return
	}
	card, err := cardFromForm(r)
	in := lodestar.ModelVersion{Version: r.PostFormValue("version"), Card: card, Provenance: provenanceFromForm(r)}
	var v *lodestar.ModelVersion
	if err == nil {
		v, err = s.Models.CreateModelVersion(r.Context(), m.ID, in)
	} else {
		err = checkAlso(r.Context(), lodestar.ErrorFields(err), "The version could not be added; check the fields.", func(ctx context.Context) error {
			_, err := s.Models.CreateModelVersion(ctx, m.ID, in)
			return err
		})
	}
	if err != nil {
		s.refused(w, r, err, "models.one", "risk", r.PostForm, s.renderModel)
		return
	}
	s.redirect(w, r, "/model-versions/"+strconv.FormatInt(v.ID, 10), "flash.model_version_saved")
}

func (s *Server) modelVersionShow(w http.ResponseWriter, r *http.Request) {
	s.renderVersion(w, r, http.StatusOK, s.page(r, "models.version", "risk"))
}

func (s *Server) renderVersion(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	v, ok := entFind(s, w, r, s.Models.FindModelVersionByID)
	if !ok {
		return
	}
	m, err := s.Models.FindModelByID(r.Context(), v.ModelID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var next []string
	for _, st := range lodestar.ModelStatuses {
		if portfolio.CheckModelTransition(v.Status, st, "x") == nil {
			next = append(next, st)
		}
	}
	// The stored card, with what was posted over it: a refused card keeps
	// what was typed, and a refused status change (its own form) keeps
	// the stored card on the page rather than blank fields a Save would
	// store.
	var metrics []string
	for k, x := range v.Card.EvaluationMetrics {
		metrics = append(metrics, k+" = "+strconv.FormatFloat(x, 'f', -1, 64))
	}
	slices.Sort(metrics)
	form := url.Values{"intended_use": {v.Card.IntendedUse}, "out_of_scope_use": {v.Card.OutOfScopeUse},
		"training_data": {v.Card.TrainingData}, "limitations": {v.Card.Limitations},
		"ethical_considerations": {v.Card.EthicalConsiderations}, "metrics": {strings.Join(metrics, "\n")},
		"artifact_uri": {v.Provenance.ArtifactURI}, "artifact_sha256": {v.Provenance.ArtifactSHA256},
		"source_commit": {v.Provenance.SourceCommit}, "training_run": {v.Provenance.TrainingRun},
		// The card's and the provenance's forms are based on the version
		// as shown; a refused edit's form keeps the one it was sent with,
		// so a version changed meanwhile is not overwritten by a second
		// Save either: the page shows its current card and provenance.
		"updated_at": {stamp(v.UpdatedAt)}}
	for k, vs := range p.Form {
		form[k] = vs
	}
	p.Form = form
	ev, err := s.versionEvidence(r.Context(), v.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// The A/B experiments this version takes part in, as control or
	// treatment: its evidence from live traffic.
	var exps []*lodestar.Experiment
	if s.Experiments != nil {
		all, err := s.Experiments.ListExperiments(r.Context(), lodestar.ExperimentFilter{UseCaseID: m.UseCaseID})
		if err != nil {
			s.Error(w, r, err)
			return
		}
		for _, e := range all {
			if e.ControlVersionID == v.ID || e.TreatmentVersionID == v.ID {
				exps = append(exps, e)
			}
		}
	}
	history, err := s.versionHistory(r.Context(), v.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	uc, err := s.UseCases.FindUseCaseByID(r.Context(), m.UseCaseID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	mons, err := s.versionMonitors(r.Context(), m.ID, v.Version)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.Data = struct {
		V           *lodestar.ModelVersion
		M           *lodestar.Model
		UseCase     *lodestar.UseCase
		Monitors    []versionMonitor
		Next        []string
		Evidence    *versionEvidence
		Experiments []*lodestar.Experiment
		History     []versionChange
	}{v, m, uc, mons, next, ev, exps, history}
	s.render(w, r, status, "model_version", p)
}

// modelCardUpdate replaces a version's card, based on the version as the
// form was opened (updated_at): one changed since is refused (409) with
// what was typed kept. Metrics that do not parse are refused with the
// service's refusal too (checkAlso), a version changed since among them.
func (s *Server) modelCardUpdate(w http.ResponseWriter, r *http.Request) {
	v, ok := entFind(s, w, r, s.Models.FindModelVersionByID)
	if !ok {
		return
	}
	ctx := basedOn(r, v.ID)
	card, err := cardFromForm(r)
	if err == nil {
		_, err = s.Models.UpdateModelCard(ctx, v.ID, card)
	} else {
		err = checkAlso(ctx, lodestar.ErrorFields(err), lodestar.ErrorMessage(err), func(ctx context.Context) error {
			_, err := s.Models.UpdateModelCard(ctx, v.ID, card)
			return err
		})
	}
	s.versionDone(w, r, v, err)
}

// modelProvenanceUpdate replaces a version's provenance, while it is in
// development (the service refuses it after), based on the version as the
// form was opened (updated_at): one changed since is refused (409) with
// what was typed kept.
func (s *Server) modelProvenanceUpdate(w http.ResponseWriter, r *http.Request) {
	v, ok := entFind(s, w, r, s.Models.FindModelVersionByID)
	if !ok {
		return
	}
	_, err := s.Models.UpdateModelProvenance(basedOn(r, v.ID), v.ID, provenanceFromForm(r))
	s.versionDone(w, r, v, err)
}

func (s *Server) modelStatus(w http.ResponseWriter, r *http.Request) {
	v, ok := entFind(s, w, r, s.Models.FindModelVersionByID)
	if !ok {
		return
	}
	_, err := s.Models.SetModelVersionStatus(fromForm(r), v.ID, r.PostFormValue("status"), r.PostFormValue("reason"))
	s.versionDone(w, r, v, err)
}

// versionDone redirects to the version after a change, or shows the page
// again with the refusal.
func (s *Server) versionDone(w http.ResponseWriter, r *http.Request, v *lodestar.ModelVersion, err error) {
	if err == nil {
		s.redirect(w, r, "/model-versions/"+strconv.FormatInt(v.ID, 10), "flash.model_version_saved")
		return
	}
	s.refused(w, r, err, "models.version", "risk", r.PostForm, s.renderVersion)
}

// The messages after a flip, by the switch's state: it changed, or the
// flip left it as it was (the reason recorded, nothing else).
var (
	switchFlipped = map[string]string{lodestar.SwitchOn: "flash.switch_now.on", lodestar.SwitchOff: "flash.switch_now.off",
		lodestar.SwitchFallback: "flash.switch_now.fallback"}
	switchUnchanged = map[string]string{lodestar.SwitchOn: "flash.switch_same.on", lodestar.SwitchOff: "flash.switch_same.off",
		lodestar.SwitchFallback: "flash.switch_same.fallback"}
)

// modelSwitch flips the model's human intervention switch.
func (s *Server) modelSwitch(w http.ResponseWriter, r *http.Request) {
	m, ok := entFind(s, w, r, s.Models.FindModelByID)
	if !ok {
		return
	}
	// The form carries the version of the switch the page showed: a flip
	// from a page opened before someone else's flip is refused rather than
	// undo it. (A version that does not parse is no version the switch
	// has: refused the same way, with the page as it is now.)
	ctx := r.Context()
	if v := r.PostFormValue("switch_version"); v != "" {
		n, _ := strconv.ParseInt(v, 10, 64)
		ctx = lodestar.WithSwitchVersion(ctx, n)
	}
	// What it was, for the message: a flip to the state the switch
	// already had (the form opens on it) must not read as a change.
	prev, err := s.Switches.FindSwitch(ctx, m.Key)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if v, ok := lodestar.SwitchVersionFrom(ctx); ok && v > prev.Version {
		// A version the switch never had (the page edited, or the
		// database restored to before flips the page saw): refused as a
		// stale one too. The store's refusal names the field "version",
		// which on this page is the version registration form's.
		s.refused(w, r, lodestar.ErrSwitchFlippedSince(v, prev), "models.one", "risk", r.PostForm, s.renderModel)
		return
	}
	// The form opens with the switch's fallback filled in: left there as
	// it was, in a flip to on or off, it names no fallback (the service
	// would refuse it as one named for a state that has none). A fallback
	// typed in is still the service's to judge.
	state, fallback := r.PostFormValue("state"), r.PostFormValue("fallback")
	if state != lodestar.SwitchFallback && prev.Fallback != "" && strings.TrimSpace(fallback) == prev.Fallback {
		fallback = ""
	}
	sw, err := s.Switches.FlipSwitch(ctx, m.Key, state, fallback, r.PostFormValue("reason"))
	if err == nil {
		if s.PublishSwitch != nil {
			s.PublishSwitch(sw)
		}
		unchanged := prev.State == sw.State && prev.Fallback == sw.Fallback
		flash := switchFlipped[sw.State]
		if unchanged {
			flash = switchUnchanged[sw.State]
		}
		if sw.State == lodestar.SwitchOn {
			// On, with no version in production, serves nothing: the
			// message must not say the model serves.
			vs, err := s.Models.ListModelVersions(r.Context(), m.ID)
			if err != nil {
				s.Error(w, r, err)
				return
			}
			if !inProduction(vs) {
				flash = "flash.switch_now.on_idle"
				if unchanged {
					flash = "flash.switch_same.on_idle"
				}
			}
		}
		s.redirect(w, r, "/models/"+strconv.FormatInt(m.ID, 10), flash)
		return
	}
	s.refused(w, r, err, "models.one", "risk", r.PostForm, s.renderModel)
}

// allUseCases lists every live use case by title, a page at a time (the
// store gives at most 200 at once): a form choosing one offers them all.
func (s *Server) allUseCases(ctx context.Context) ([]*lodestar.UseCase, error) {
	var all []*lodestar.UseCase
	f := lodestar.UseCaseFilter{Limit: 200, Sort: "title"}
	for {
		page, _, err := s.UseCases.FindUseCases(ctx, f)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			return all, nil
		}
		f.Offset += len(page)
	}
}

// versionMonitor is a monitor watching a model version, with how many of
// its alerts are open: the version page links each to its place on the
// model's health page.
type versionMonitor struct {
	M    *lodestar.Monitor
	Open int
}

// versionMonitors lists the monitors of model modelID that watch version.
func (s *Server) versionMonitors(ctx context.Context, modelID int64, version string) ([]versionMonitor, error) {
	mons, err := s.Monitors.ListMonitors(ctx, modelID)
	if err != nil {
		return nil, err
	}
	open, err := s.Monitors.ListAlerts(ctx, modelID, true)
	if err != nil {
		return nil, err
	}
	var out []versionMonitor
	for _, mon := range mons {
		if mon.Version != version {
			continue
		}
		vm := versionMonitor{M: mon}
		for _, a := range open {
			if a.MonitorID == mon.ID {
				vm.Open++
			}
		}
		out = append(out, vm)
	}
	return out, nil
}
