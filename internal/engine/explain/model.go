// Package explain explains model predictions.
//
// For XGBoost tree ensembles it computes exact SHAP values with TreeSHAP
// (Lundberg, Erion and Lee 2018, "Consistent Individualized Feature
// Attribution for Tree Ensembles", Algorithm 2): polynomial time, per row
// one value per feature plus a bias term (the expected value of the model's
// margin), equal to xgboost's Booster.predict(pred_contribs=True). Models
// are read from the JSON format that Booster.save_model("m.json") writes.
// For any other model reachable over HTTP it computes permutation
// importance (see PermutationImportance).
//
// To give the same numbers as xgboost, the engine does what xgboost does:
// feature values are rounded to float32 before they are compared with the
// float32 split conditions; a row goes left when x < condition, and takes
// the node's default branch when the value is missing (NaN); SHAP values
// are in margin space (log-odds for binary:logistic); the bias includes
// base_score mapped to margin space through the objective's link.
// Arithmetic is float64, where xgboost uses float32, so the two agree to
// float32 rounding (the tests require 1e-5).
package explain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Model is an XGBoost tree ensemble with a single output (binary
// classification or regression).
type Model struct {
	// Objective is xgboost's objective name, such as "binary:logistic".
	Objective string
	// FeatureNames are the names the model was trained with; nil when it
	// was trained without names, in which case data columns are matched by
	// position.
	FeatureNames []string
	// NumFeature is the number of input features.
	NumFeature int
	// BaseScore is learner_model_param.base_score as stored, in the
	// objective's output space (a probability for binary:logistic).
	BaseScore float64
	// BaseMargin is BaseScore in margin space: logit(BaseScore) for the
	// logistic objectives, log(BaseScore) for the log-link ones.
	BaseMargin float64
	// Version is the xgboost version that saved the model.
	Version []int

	link     link
	trees    []tree
	maxDepth int
	expected float64 // BaseMargin + Σ tree expectations: the SHAP bias
}

// node is one tree node. Leaves have left < 0 and carry value.
type node struct {
	left, right, dflt int32
	feature           int32
	cond              float32 // split: go left when x < cond
	value             float64 // leaf value (already scaled by eta)
	cover             float64 // sum of hessians: weights the SHAP expectations
}

// tree is one regression tree.
type tree struct {
	nodes    []node
	depth    int     // edges on the longest root-to-leaf path
	expected float64 // cover-weighted mean leaf value
}

// link maps between xgboost's output space and margin space.
type link struct {
	name      string // identity, logistic, log
	toMargin  func(float64) float64
	transform func(float64) float64
}

var (
	identity = link{"identity", func(v float64) float64 { return v }, func(v float64) float64 { return v }}
	logistic = link{"logistic", func(p float64) float64 { return -math.Log(1/p - 1) }, sigmoid}
	// binary:logitraw outputs the margin and, as xgboost 1.7 shows (see
	// testdata), takes base_score as a margin too.
	logitRaw = link{"identity (logistic loss)", func(v float64) float64 { return v }, func(v float64) float64 { return v }}
	logLink  = link{"log", math.Log, math.Exp}
)

func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

// objectives lists the supported objectives and their links, checked
// against xgboost by the reference tests (testdata/make_models.py covers
// all but reg:squaredlogerror and reg:absoluteerror, whose link is the
// identity as for reg:squarederror).
var objectives = map[string]link{
	"reg:squarederror":     identity,
	"reg:linear":           identity, // the pre-1.0 name of reg:squarederror
	"reg:squaredlogerror":  identity,
	"reg:pseudohubererror": identity,
	"reg:absoluteerror":    identity,
	"binary:logistic":      logistic,
	"reg:logistic":         logistic,
	"binary:logitraw":      logitRaw,
	"count:poisson":        logLink,
	"reg:gamma":            logLink,
	"reg:tweedie":          logLink,
}

// LoadFile reads a model saved by XGBoost's Booster.save_model("m.json").
func LoadFile(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Load reads a model from r; see Parse.
func Load(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// ErrNotXGBoost is returned (wrapped) for input that is not an XGBoost
// JSON model.
var ErrNotXGBoost = errors.New("not an XGBoost JSON model")

// Parse decodes an XGBoost JSON model and checks that it is well formed:
// every array the right length, children in range, no cycles, split
// features below num_feature.
func Parse(b []byte) (*Model, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if t := bytes.TrimSpace(b); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%w: expected a JSON object (models saved as .ubj or .model are binary; save with a .json name)", ErrNotXGBoost)
	}
	var f fileJSON
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotXGBoost, err)
	}
	if f.Learner == nil || f.Learner.GradientBooster == nil {
		return nil, fmt.Errorf("%w: no learner.gradient_booster", ErrNotXGBoost)
	}
	l := f.Learner
	m := &Model{Objective: l.Objective.Name, Version: f.Version}
	gb := l.GradientBooster
	switch gb.Name {
	case "gbtree":
	case "dart", "gblinear":
		return nil, fmt.Errorf("booster %q is not supported (gbtree only)", gb.Name)
	default:
		return nil, fmt.Errorf("%w: unknown booster %q", ErrNotXGBoost, gb.Name)
	}
	var ok bool
	if m.link, ok = objectives[m.Objective]; !ok {
		return nil, fmt.Errorf("objective %q is not supported (supported: binary:logistic, binary:logitraw, reg:logistic, reg:squarederror, reg:squaredlogerror, reg:pseudohubererror, reg:absoluteerror, count:poisson, reg:gamma, reg:tweedie)", m.Objective)
	}
	p := l.ModelParam
	if n, err := paramInt(p.NumClass, 0); err != nil || n > 1 {
		return nil, fmt.Errorf("multi-class models (num_class=%s) are not supported", p.NumClass)
	}
	if n, err := paramInt(p.NumTarget, 1); err != nil || n > 1 {
		return nil, fmt.Errorf("multi-target models (num_target=%s) are not supported", p.NumTarget)
	}
	nf, err := paramInt(p.NumFeature, -1)
	if err != nil || nf < 0 {
		return nil, fmt.Errorf("%w: learner_model_param.num_feature %q", ErrNotXGBoost, p.NumFeature)
	}
	m.NumFeature = nf
	if len(l.FeatureNames) > 0 {
		if len(l.FeatureNames) != nf {
			return nil, fmt.Errorf("model has %d feature names but num_feature %d", len(l.FeatureNames), nf)
		}
		m.FeatureNames = l.FeatureNames
	}
	if m.BaseScore, err = parseBaseScore(p.BaseScore); err != nil {
		return nil, err
	}
	m.BaseMargin = m.link.toMargin(m.BaseScore)
	if math.IsNaN(m.BaseMargin) || math.IsInf(m.BaseMargin, 0) {
		return nil, fmt.Errorf("base_score %v is outside the domain of objective %s", m.BaseScore, m.Objective)
	}
	m.expected = m.BaseMargin
	for i, tj := range gb.Model.Trees {
		t, err := tj.build(nf)
		if err != nil {
			return nil, fmt.Errorf("tree %d: %w", i, err)
		}
		m.trees = append(m.trees, t)
		m.expected += t.expected
		m.maxDepth = max(m.maxDepth, t.depth)
	}
	return m, nil
}

// parseBaseScore reads base_score, which xgboost writes as a string: "5E-1"
// (1.x, 2.x) or a one-element vector "[5E-1]" (3.x). A bare JSON number is
// accepted too.
func parseBaseScore(raw json.RawMessage) (float64, error) {
	s := strings.TrimSpace(string(raw))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, fmt.Errorf("base_score: %v", err)
		}
	}
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = strings.TrimSpace(s[1 : len(s)-1])
		if strings.Contains(s, ",") {
			return 0, fmt.Errorf("base_score %q has several values: multi-output models are not supported", s)
		}
	}
	if s == "" {
		return 0, fmt.Errorf("%w: no learner_model_param.base_score", ErrNotXGBoost)
	}
	// xgboost keeps base_score as a float32; parse it as one so the margin
	// starts from the same number.
	v, err := strconv.ParseFloat(s, 32)
	if err != nil {
		return 0, fmt.Errorf("base_score %q: not a number", s)
	}
	return v, nil
}

func paramInt(s string, dflt int) (int, error) {
	if s == "" {
		return dflt, nil
	}
	return strconv.Atoi(s)
}

// NumTrees returns the number of trees.
func (m *Model) NumTrees() int { return len(m.trees) }

// MaxDepth returns the depth of the deepest tree, in edges.
func (m *Model) MaxDepth() int { return m.maxDepth }

// ExpectedValue returns the SHAP bias term: the cover-weighted expectation
// of the margin over the training data, base margin included. It is the
// last column of xgboost's pred_contribs output.
func (m *Model) ExpectedValue() float64 { return m.expected }

// Link names how margins map to predictions: "identity", "logistic", "log".
func (m *Model) Link() string { return m.link.name }

// Margin returns the raw score of row x (xgboost's output_margin=True). x
// has NumFeature values; NaN marks a missing value.
func (m *Model) Margin(x []float64) float64 {
	sum := m.BaseMargin
	for i := range m.trees {
		sum += m.trees[i].leaf(x)
	}
	return sum
}

// Transform maps a margin to the model's output: a probability for the
// logistic objectives, exp(margin) for the log-link ones, else the margin.
func (m *Model) Transform(margin float64) float64 { return m.link.transform(margin) }

// Predict returns the model's prediction for x, as xgboost's predict().
func (m *Model) Predict(x []float64) float64 { return m.Transform(m.Margin(x)) }

// goLeft is xgboost's split rule on a float32 feature value.
func goLeft(x float32, cond float32) bool { return x < cond }

// next returns the child of split node n that value x (float64, rounded
// to float32 as xgboost stores features) goes to.
func (n *node) next(x float64) int32 {
	switch {
	case math.IsNaN(x):
		return n.dflt
	case goLeft(float32(x), n.cond):
		return n.left
	default:
		return n.right
	}
}

// leaf returns the value of the leaf row x reaches.
func (t *tree) leaf(x []float64) float64 {
	i := int32(0)
	for {
		n := &t.nodes[i]
		if n.left < 0 {
			return n.value
		}
		i = n.next(x[n.feature])
	}
}
