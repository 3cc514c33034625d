package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/lodestar-hq/lodestar/sdk"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// MaxObservationsBody is the largest NDJSON upload of observations (16
// MiB); larger data goes in several requests or as aggregates.
const MaxObservationsBody = 16 << 20

// maxNDJSONLine bounds one line of an NDJSON upload.
const maxNDJSONLine = 64 << 10

// Inputs for experiments: only what a client may write.
type (
	experimentIn struct {
		UseCaseID          int64                       `json:"use_case_id"`
		Key                string                      `json:"key"`
		Name               string                      `json:"name"`
		Hypothesis         string                      `json:"hypothesis"`
		ControlVersionID   int64                       `json:"control_version_id"`
		TreatmentVersionID int64                       `json:"treatment_version_id"`
		Primary            lodestar.ExperimentMetric   `json:"primary"`
		Guardrails         []lodestar.ExperimentMetric `json:"guardrails"`
		Alpha              float64                     `json:"alpha"`
		MinSample          int64                       `json:"min_sample"`
		TreatmentShare     float64                     `json:"treatment_share"`
		UpdatedAt          *time.Time                  `json:"updated_at"` // only in an update: see stamp
	}
	aggregatesIn struct {
		Data []lodestar.ExperimentAggregate `json:"data"`
	}
	observationIn struct {
		Unit    string              `json:"unit"`
		Variant string              `json:"variant"`
		Metrics map[string]*float64 `json:"metrics"` // (a null is refused, not read as 0)
	}
)

// keptFields are the fields an experiment's PUT may leave out: its key
// cannot change.
func (experimentIn) keptFields() []string { return []string{"key"} }

func (in experimentIn) entity() lodestar.Experiment {
	return lodestar.Experiment{UseCaseID: in.UseCaseID, Key: in.Key, Name: in.Name, Hypothesis: in.Hypothesis,
		ControlVersionID: in.ControlVersionID, TreatmentVersionID: in.TreatmentVersionID, Primary: in.Primary,
		Guardrails: in.Guardrails, Alpha: in.Alpha, MinSample: in.MinSample, TreatmentShare: in.TreatmentShare}
}

// experimentFilter reads the list's use_case_id and status filters.
func experimentFilter(r *http.Request) (lodestar.ExperimentFilter, error) {
	var f lodestar.ExperimentFilter
	if err := onlyFilters(r, "use_case_id", "status"); err != nil {
		return f, err
	}
	var err error
	if f.UseCaseID, err = queryID(r, "use_case_id"); err != nil {
		return f, err
	}
	f.Status = r.URL.Query().Get("status")
	if f.Status != "" && !slices.Contains(lodestar.ExperimentStatuses, f.Status) {
		return f, lodestar.FieldError("status", "status must be draft, running or stopped.")
	}
	return f, nil
}

// experimentRoutes are the experiments' routes: reading needs ModelRead,
// every change EvidenceWrite.
func (s *Server) experimentRoutes() []httpx.Route {
	x := s.Experiments
	list := func(r *http.Request, f lodestar.ExperimentFilter) (Page[*lodestar.Experiment], error) {
		items, err := x.ListExperiments(r.Context(), f)
		if err != nil {
			return Page[*lodestar.Experiment]{}, err
		}
		return pageOfSlice(r, items)
	}
	create := func(r *http.Request, in lodestar.Experiment) (*lodestar.Experiment, error) {
		return x.CreateExperiment(r.Context(), in)
	}
	setStatus := func(ctx context.Context, id int64, in statusIn) (*lodestar.Experiment, error) {
		return x.SetExperimentStatus(ctx, id, in.Status, in.Reason)
	}
	addData := func(ctx context.Context, id int64, in aggregatesIn) (map[string]int, error) {
		if in.Data == nil {
			return nil, lodestar.FieldError("data", "data is required: an array of aggregates.")
		}
		if err := x.AddExperimentAggregates(ctx, id, in.Data); err != nil {
			return nil, err
		}
		return map[string]int{"recorded": len(in.Data)}, nil
	}
	return []httpx.Route{
		{Method: "GET", Pattern: Prefix + "/experiments", Perm: auth.ModelRead, Handler: handle(s, fromQuery(experimentFilter), list, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/experiments", Perm: auth.EvidenceWrite, Handler: handle(s, entityBody[experimentIn], create, http.StatusCreated)},
		{Method: "GET", Pattern: Prefix + "/experiments/{id}", Perm: auth.ModelRead, Handler: handleGet(s, x.FindExperimentByID)},
		{Method: "PUT", Pattern: Prefix + "/experiments/{id}", Perm: auth.EvidenceWrite, Handler: putH[experimentIn](s, x.UpdateExperiment)},
		{Method: "POST", Pattern: Prefix + "/experiments/{id}/status", Perm: auth.EvidenceWrite, Handler: handleID(s, decodeBody[statusIn], setStatus, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/experiments/{id}/data", Perm: auth.EvidenceWrite, Handler: handleID(s, decodeBody[aggregatesIn], addData, http.StatusOK)},
		{Method: "POST", Pattern: Prefix + "/experiments/{id}/observations", Perm: auth.EvidenceWrite, MaxBody: MaxObservationsBody,
			Handler: s.ingestObservations},
		{Method: "GET", Pattern: Prefix + "/experiments/{id}/analysis", Perm: auth.ModelRead, Handler: handleGet(s, x.AnalyzeExperiment)},
		{Method: "GET", Pattern: Prefix + "/experiments/{id}/assignments", Perm: auth.ModelRead, Handler: handleID(s, fromQuery(assignmentUnits), s.assign, http.StatusOK)},
	}
}

// ingestObservations reads an NDJSON body of observations, one JSON object
// per line, and records the valid lines; each refused line is reported.
func (s *Server) ingestObservations(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err == nil {
		err = onlyParams(r)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/x-ndjson" && mt != "application/jsonl") {
		s.fail(w, r, lodestar.Errorf(lodestar.EUnsupported, "Content-Type must be application/x-ndjson or application/jsonl: one JSON object per line."))
		return
	}
	// The body is read whole before the data is recorded: the recording
	// is one transaction, and a client sending slowly must not hold it
	// (on SQLite, the database's one writer) while it sends.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxObservationsBody))
	var res *lodestar.ObservationResult
	if err == nil {
		res, err = s.Experiments.IngestObservations(r.Context(), id, ndjsonSource(bytes.NewReader(body)), false)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = lodestar.Errorf(lodestar.ETooLarge, "The request body is larger than %d bytes; send the observations in several requests.", MaxObservationsBody)
	}
	if err == nil && res != nil {
		translateLines(w, r, res.Rejected)
	}
	s.reply(w, r, http.StatusOK, res, err)
}

// ndjsonSource reads observations from NDJSON: blank lines are skipped; a
// line that is not an observation is a *lodestar.LineError.
func ndjsonSource(body io.Reader) lodestar.ObservationSource {
	br := bufio.NewReaderSize(body, maxNDJSONLine)
	line := 0
	return func() (*lodestar.ExperimentObservation, error) {
		for {
			raw, err := readLine(br)
			if err != nil && (len(raw) == 0 || !errors.Is(err, io.EOF)) {
				if errors.Is(err, errLineTooLong) {
					line++
					return nil, &lodestar.LineError{Line: line, Message: "The line is longer than 64 KiB."}
				}
				return nil, err
			}
			line++
			if line == 1 { // a UTF-8 byte-order mark is not part of the first line
				raw = bytes.TrimPrefix(raw, []byte("\uFEFF"))
			}
			raw = bytes.TrimSpace(raw)
			if len(raw) == 0 {
				if errors.Is(err, io.EOF) {
					return nil, io.EOF
				}
				continue
			}
			return parseObservation(raw, line)
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line without its end; a line over the limit is
// skipped to its end and reported as errLineTooLong.
func readLine(br *bufio.Reader) ([]byte, error) {
	raw, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = br.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		return nil, errLineTooLong
	}
	return raw, err
}

func parseObservation(raw []byte, line int) (*lodestar.ExperimentObservation, error) {
	if !utf8.Valid(raw) {
		// encoding/json would read each bad byte as U+FFFD: distinct
		// units would become one, the second dropped as a repeat.
		return nil, &lodestar.LineError{Line: line, Message: "text is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var in observationIn
	if err := dec.Decode(&in); err != nil {
		return nil, &lodestar.LineError{Line: line, Message: lodestar.ErrorMessage(decodeError(err))}
	}
	// Anything after the object — another value, or a stray '}' or ']'
	// (dec.More reports false on those) — refuses the line.
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return nil, &lodestar.LineError{Line: line, Message: "Each line holds exactly one JSON object."}
	}
	if strings.TrimSpace(in.Unit) == "" {
		return nil, &lodestar.LineError{Line: line, Message: "unit is required: each unit's value of a metric counts once."}
	}
	metrics := make(map[string]float64, len(in.Metrics))
	for name, x := range in.Metrics {
		if x == nil {
			return nil, &lodestar.LineError{Line: line, Message: "metrics." + name + " is null: send a number, or leave the metric out."}
		}
		metrics[name] = *x
	}
	return &lodestar.ExperimentObservation{Line: line, Unit: in.Unit, Variant: in.Variant, Metrics: metrics}, nil
}

// decodeError describes a JSON decoding error of one line as the API
// describes a body's.
func decodeError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return lodestar.Errorf(lodestar.EInvalid, "Malformed JSON at byte %d.", syn.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		return lodestar.Errorf(lodestar.EInvalid, "%s has the wrong type (%s).", typ.Field, typ.Value)
	case errors.As(err, &typ):
		return lodestar.Errorf(lodestar.EInvalid, "The line must be a JSON object, not %s.", typ.Value)
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return lodestar.Errorf(lodestar.EInvalid, "Unknown field %s.", f)
	}
	return lodestar.Errorf(lodestar.EInvalid, "Malformed JSON.")
}

// Assignment is the variant a unit gets, computed by the SDK's Assign, so
// a service in any language can check its own implementation against it.
type Assignment struct {
	Unit    string  `json:"unit"`
	Variant string  `json:"variant"` // control or treatment
	Point   float64 `json:"point"`   // the unit's u in [0, 1)
}

// MaxAssignmentUnits bounds one assignment request.
const MaxAssignmentUnits = 1000

func assignmentUnits(r *http.Request) ([]string, error) {
	if err := onlyParams(r, "unit"); err != nil {
		return nil, err
	}
	units := r.URL.Query()["unit"]
	if len(units) == 0 || len(units) > MaxAssignmentUnits {
		return nil, lodestar.FieldError("unit", "Give 1 to 1,000 unit IDs as unit=…")
	}
	for _, u := range units {
		if u == "" || utf8.RuneCountInString(u) > lodestar.MaxUnitLen {
			return nil, lodestar.FieldError("unit", "A unit ID is 1 to 200 characters, as in the data.")
		}
	}
	return units, nil
}

// assign answers which variant each unit gets in an experiment.
func (s *Server) assign(ctx context.Context, id int64, units []string) (Page[Assignment], error) {
	e, err := s.Experiments.FindExperimentByID(ctx, id)
	if err != nil {
		return Page[Assignment]{}, err
	}
	out := Page[Assignment]{Data: make([]Assignment, 0, len(units)), Total: len(units)}
	for _, u := range units {
		a := Assignment{Unit: u, Variant: "control", Point: sdk.UnitPoint(e.Key, u)}
		if sdk.InTreatment(e.Key, u, e.TreatmentShare) {
			a.Variant = "treatment"
		}
		out.Data = append(out.Data, a)
	}
	return out, nil
}
