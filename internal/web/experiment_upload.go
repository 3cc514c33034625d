package web

import (
	"errors"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// MaxExperimentUpload is the largest CSV file of experiment data the page
// takes (16 MiB).
const MaxExperimentUpload = 16 << 20

// experimentUpload records a CSV file of experiment data, all of it or
// none. The file is read by internal/tabular (UTF-8 with or without BOM,
// GB18030 or Windows-1252 detected; comma, semicolon or tab; LF or CRLF;
// RFC 4180 quotes) and holds either observations — columns variant,
// metric, value and optionally unit (a unit's value of a metric counts
// once) — or aggregates — columns variant, metric, n and either sum and
// sum_squares (means) or successes (proportions).
func (s *Server) experimentUpload(w http.ResponseWriter, r *http.Request) {
	e, ok := entFind(s, w, r, s.Experiments.FindExperimentByID)
	if !ok {
		return
	}
	err := s.readExperimentUpload(r, e)
	if err != nil {
		s.refused(w, r, err, "exp.one", "risk", nil, s.renderExperiment)
		return
	}
	s.redirect(w, r, "/experiments/"+strconv.FormatInt(e.ID, 10), "flash.experiment_data")
}

func (s *Server) readExperimentUpload(r *http.Request, e *lodestar.Experiment) error {
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return lodestar.FieldError("file", "Choose a CSV file.")
	}
	defer file.Close()
	if hdr.Size > MaxExperimentUpload {
		return lodestar.Errorf(lodestar.ETooLarge, "The file is larger than 16 MiB.")
	}
	tr, err := tabular.Open(io.LimitReader(file, MaxExperimentUpload), tabular.Options{})
	if err != nil {
		return lodestar.FieldError("file", err.Error())
	}
	col := func(name string) int {
		i, err := tr.Column(name)
		if err != nil {
			return -1
		}
		return i
	}
	variant, metric := col("variant"), col("metric")
	if variant < 0 || metric < 0 {
		return lodestar.FieldError("file", "The file needs the columns variant and metric, then value (observations) or n with sum and sum_squares or successes (aggregates).")
	}
	if value := col("value"); value >= 0 {
		next := observationRows(tr, col("unit"), variant, metric, value)
		_, err := s.Experiments.IngestObservations(r.Context(), e.ID, next, true)
		return err
	}
	if col("n") < 0 {
		return lodestar.FieldError("file", "The file needs the columns variant and metric, then value (observations) or n with sum and sum_squares or successes (aggregates).")
	}
	return s.uploadAggregates(r, e, tr, variant, metric, col("n"), col("sum"), col("sum_squares"), col("successes"))
}

// observationRows reads the observation rows of a CSV file; a row whose
// value is not a number is a refused line, a file that cannot be read
// stops the upload.
func observationRows(tr *tabular.Reader, unit, variant, metric, value int) lodestar.ObservationSource {
	return func() (*lodestar.ExperimentObservation, error) {
		rec, line, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		if err != nil {
			return nil, lodestar.FieldError("file", err.Error())
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(rec[value]), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, &lodestar.LineError{Line: line, Message: "value must be a number."}
		}
		o := &lodestar.ExperimentObservation{Line: line, Variant: strings.TrimSpace(rec[variant]),
			Metrics: map[string]float64{strings.TrimSpace(rec[metric]): x}}
		if unit >= 0 {
			o.Unit = strings.TrimSpace(rec[unit])
		}
		return o, nil
	}
}

var dataField = regexp.MustCompile(`^data\[(\d+)\]\.(.+)$`)

// uploadAggregates records a CSV file of aggregates, naming refused rows
// by their line.
func (s *Server) uploadAggregates(r *http.Request, e *lodestar.Experiment, tr *tabular.Reader, variant, metric, n, sum, sumSq, successes int) error {
	var data []lodestar.ExperimentAggregate
	var lines []int
	fields := map[string]string{}
	cell := func(rec []string, i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	for {
		rec, line, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return lodestar.FieldError("file", err.Error())
		}
		if len(data) >= 1000 {
			return lodestar.FieldError("file", "At most 1,000 aggregates at once.")
		}
		a := lodestar.ExperimentAggregate{Variant: cell(rec, variant), Metric: cell(rec, metric)}
		key := "line " + strconv.Itoa(line)
		if a.N, err = strconv.ParseInt(cell(rec, n), 10, 64); err != nil {
			fields[key] = "n must be a whole number."
		}
		for _, f := range []struct {
			col int
			dst **float64
		}{{sum, &a.Sum}, {sumSq, &a.SumSquares}} {
			if v := cell(rec, f.col); v != "" {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					fields[key] = "sum and sum_squares must be numbers."
				}
				*f.dst = &x
			}
		}
		if v := cell(rec, successes); v != "" {
			k, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				fields[key] = "successes must be a whole number."
			}
			a.Successes = &k
		}
		data = append(data, a)
		lines = append(lines, line)
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "Some lines cannot be recorded, so nothing was recorded; see each line.", Fields: fields}
	}
	if len(data) == 0 {
		return lodestar.FieldError("file", "The file holds no rows.")
	}
	err := s.Experiments.AddExperimentAggregates(r.Context(), e.ID, data)
	var le *lodestar.Error
	if errors.As(err, &le) && le.Code == lodestar.EInvalid {
		out := map[string]string{}
		for k, msg := range le.Fields {
			if m := dataField.FindStringSubmatch(k); m != nil {
				i, _ := strconv.Atoi(m[1])
				out["line "+strconv.Itoa(lines[i])] = msg
			} else {
				out[k] = msg
			}
		}
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "Some lines cannot be recorded, so nothing was recorded; see each line.", Fields: out}
	}
	return err
}
