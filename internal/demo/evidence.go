package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// The bank's story (source document, path 3): in 2022 a financial
// institution's risk model, trained on biased data, flagged good customers
// as high-risk and lost tens of millions of them. The demo's credit-risk
// scorer 2.3 carries the evidence: a fairness audit of 4,000 decisions in
// which good customers under 30 — thin credit files — are flagged
// high-risk several times as often as older good customers, and an
// explanation report showing credit-history length driving the score.
// Both are computed by the engines from data generated here with a fixed
// seed, through the evidence service, as a user's upload would be.

// creditDecisions returns the audit file: one row per applicant with the
// age group, whether the loan was repaid (good) or defaulted (bad), the
// model's risk score and its decision (high-risk when score ≥ 0.5).
// Defaults are about as common in both age groups; the score, not the
// outcome, is skewed against young good customers.
func creditDecisions() []byte {
	rng := rand.New(rand.NewPCG(2022, 9049))
	var b strings.Builder
	b.WriteString("applicant,age_group,repaid,risk_score,decision\n")
	for i := range 4000 {
		young := rng.Float64() < 0.35
		group, defaultRate, thinFile := "30 and over", 0.10, 0.0
		if young {
			group, defaultRate, thinFile = "under 30", 0.12, 0.10
		}
		bad := rng.Float64() < defaultRate
		var score float64
		if bad {
			score = 0.35 + 0.6*rng.Float64()
		} else {
			score = 0.10 + thinFile + 0.44*rng.Float64()
		}
		score = math.Round(score*1000) / 1000
		repaid, decision := "good", "low-risk"
		if bad {
			repaid = "bad"
		}
		if score >= 0.5 {
			decision = "high-risk"
		}
		fmt.Fprintf(&b, "A%05d,%s,%s,%.3f,%s\n", i+1, group, repaid, score, decision)
	}
	return []byte(b.String())
}

// creditFeatures are the inputs of the demo's credit model.
var creditFeatures = []string{"credit_history_years", "debt_to_income", "monthly_income", "recent_inquiries", "age"}

// creditSample returns n applicants' features, a header line first.
func creditSample(seed uint64, n int) ([][]float64, []byte) {
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString(strings.Join(creditFeatures, ",") + "\n")
	rows := make([][]float64, n)
	for i := range rows {
		age := math.Round(21 + 40*rng.Float64())
		history := math.Round(math.Max(0, (age-20)*0.6*rng.Float64())*10) / 10
		dti := math.Round((0.1+0.5*rng.Float64())*100) / 100
		income := math.Round((3000 + 12000*rng.Float64()) / 100 * 100)
		inquiries := math.Floor(5 * rng.Float64() * rng.Float64())
		rows[i] = []float64{history, dti, income, inquiries, age}
		fmt.Fprintf(&b, "%g,%g,%g,%g,%g\n", history, dti, income, inquiries, age)
	}
	return rows, []byte(b.String())
}

// treeNode is a node of a hand-made regression tree: a split on feature
// (go left when x < cond) or a leaf with value.
type treeNode struct {
	feature     int
	cond        float32
	left, right *treeNode
	value       float32
}

func split(feature int, cond float32, left, right *treeNode) *treeNode {
	return &treeNode{feature: feature, cond: cond, left: left, right: right}
}

func leaf(v float32) *treeNode { return &treeNode{value: v} }

// creditTrees is the demo model: a small boosted ensemble in margin
// (log-odds) space that leans on credit-history length — the thin-file
// bias of the story.
func creditTrees() []*treeNode {
	const history, dti, income, inquiries, age = 0, 1, 2, 3, 4
	return []*treeNode{
		split(history, 2, split(dti, 0.4, leaf(0.8), leaf(1.1)), split(dti, 0.45, leaf(-0.5), leaf(-0.15))),
		split(inquiries, 3, split(income, 6000, leaf(0.1), leaf(-0.3)), split(history, 1, leaf(0.6), leaf(0.2))),
		split(history, 5, leaf(0.25), split(age, 45, leaf(-0.2), leaf(-0.1))),
		split(dti, 0.5, leaf(-0.1), leaf(0.2)),
	}
}

// xgbTree is a tree in XGBoost's JSON layout.
type xgbTree struct {
	LeftChildren    []int32   `json:"left_children"`
	RightChildren   []int32   `json:"right_children"`
	SplitIndices    []int32   `json:"split_indices"`
	SplitConditions []float32 `json:"split_conditions"`
	DefaultLeft     []int     `json:"default_left"`
	SumHessian      []float32 `json:"sum_hessian"`
	SplitType       []int     `json:"split_type"`
	CategoriesNodes []int     `json:"categories_nodes"`
	ID              int       `json:"id"`
	TreeParam       struct {
		NumDeleted     string `json:"num_deleted"`
		NumFeature     string `json:"num_feature"`
		NumNodes       string `json:"num_nodes"`
		SizeLeafVector string `json:"size_leaf_vector"`
	} `json:"tree_param"`
}

// flatten lays a tree out as XGBoost does (root 0, children after their
// parent), with each node's cover: the hessian sum of the rows reaching
// it, p(1−p) = 0.25 per row at the base score of 0.5.
func flatten(root *treeNode, id int, rows [][]float64) xgbTree {
	var t xgbTree
	t.ID = id
	var add func(n *treeNode, reach [][]float64) int32
	add = func(n *treeNode, reach [][]float64) int32 {
		i := int32(len(t.LeftChildren))
		t.LeftChildren = append(t.LeftChildren, -1)
		t.RightChildren = append(t.RightChildren, -1)
		t.SplitIndices = append(t.SplitIndices, int32(n.feature))
		t.SplitConditions = append(t.SplitConditions, n.value)
		t.DefaultLeft = append(t.DefaultLeft, 0)
		t.SumHessian = append(t.SumHessian, float32(max(1, len(reach)))*0.25)
		t.SplitType = append(t.SplitType, 0)
		if n.left == nil {
			return i
		}
		t.SplitConditions[i] = n.cond
		t.DefaultLeft[i] = 1
		var l, r [][]float64
		for _, x := range reach {
			if float32(x[n.feature]) < n.cond {
				l = append(l, x)
			} else {
				r = append(r, x)
			}
		}
		li := add(n.left, l)
		ri := add(n.right, r)
		t.LeftChildren[i], t.RightChildren[i] = li, ri
		// A parent's cover is its children's sum, as in a trained model.
		t.SumHessian[i] = t.SumHessian[li] + t.SumHessian[ri]
		return i
	}
	add(root, rows)
	t.CategoriesNodes = []int{}
	t.TreeParam.NumDeleted, t.TreeParam.NumFeature = "0", fmt.Sprint(len(creditFeatures))
	t.TreeParam.NumNodes, t.TreeParam.SizeLeafVector = fmt.Sprint(len(t.LeftChildren)), "0"
	return t
}

// creditModel writes the demo model as Booster.save_model("model.json")
// would (the parts the explain engine and xgboost read), with covers from
// a generated training set.
func creditModel() ([]byte, error) {
	train, _ := creditSample(1, 2000)
	var trees []xgbTree
	for i, t := range creditTrees() {
		trees = append(trees, flatten(t, i, train))
	}
	info := make([]int, len(trees))
	types := make([]string, len(creditFeatures))
	for i := range types {
		types[i] = "float"
	}
	doc := map[string]any{
		"version": []int{1, 7, 4},
		"learner": map[string]any{
			"attributes":    map[string]any{},
			"feature_names": creditFeatures,
			"feature_types": types,
			"gradient_booster": map[string]any{
				"name": "gbtree",
				"model": map[string]any{
					"gbtree_model_param": map[string]string{"num_parallel_tree": "1", "num_trees": fmt.Sprint(len(trees)), "size_leaf_vector": "0"},
					"tree_info":          info,
					"trees":              trees,
				},
			},
			"learner_model_param": map[string]string{"base_score": "5E-1", "boost_from_average": "1", "num_class": "0",
				"num_feature": fmt.Sprint(len(creditFeatures)), "num_target": "1"},
			"objective": map[string]any{"name": "binary:logistic", "reg_loss_param": map[string]string{"scale_pos_weight": "1"}},
		},
	}
	return json.Marshal(doc)
}

// loadEvidence attaches the bank story's evidence to the credit model's
// version 2.3: the risk officer's fairness audits and the AI lead's
// explanation report, dated just before the switch was turned off.
func (l *loader) loadEvidence(week func(int) time.Time, setNow func(time.Time)) error {
	risk := lodestar.WithActor(l.ctx, lodestar.Actor{ID: l.users["risk"], Label: "risk@demo.lodestar", Role: lodestar.RoleRiskOfficer})
	ml := lodestar.WithActor(l.ctx, lodestar.Actor{ID: l.users["ml"], Label: "ml.lead@demo.lodestar", Role: lodestar.RoleAITeam})
	v, err := l.creditVersion()
	if err != nil {
		return err
	}
	setNow(week(Weeks - 2).Add(-72 * time.Hour))
	model, err := creditModel()
	if err != nil {
		return err
	}
	_, sample := creditSample(2022, 300)
	if _, err := l.svc.CreateExplanation(ml, v.ID, lodestar.ExplanationInput{
		Title:         "TreeSHAP of scorer 2.3 on 300 applicants · 300 名申请人的 TreeSHAP 解释",
		ModelFileName: "credit-risk-2.3.json", Model: model, DataFileName: "applicants-sample.csv", Data: sample,
		Params: lodestar.ExplanationParams{RowsShown: 5},
	}); err != nil {
		return fmt.Errorf("credit explanation: %w", err)
	}
	l.n++
	decisions := creditDecisions()
	threshold := 0.5
	audits := []lodestar.FairnessAuditInput{
		// Flagged high-risk is the positive prediction and the adverse
		// outcome: not being flagged is favourable, so the four-fifths rule
		// compares the rates of not being flagged.
		{Title: "High-risk flags by age group · 按年龄组的高风险标记",
			Params: lodestar.FairnessParams{GroupColumn: "age_group", LabelColumn: "repaid", PositiveLabel: "bad",
				ScoreColumn: "risk_score", Threshold: &threshold, Favourable: "negative", Bootstrap: 1000, Seed: 2022}},
		{Title: "Approvals by age group (four-fifths rule) · 按年龄组的批准率（五分之四规则）",
			Params: lodestar.FairnessParams{GroupColumn: "age_group", LabelColumn: "repaid", PositiveLabel: "good",
				PredictionColumn: "decision", PositivePrediction: "low-risk", Bootstrap: 1000, Seed: 2022}},
	}
	setNow(week(Weeks - 2).Add(-48 * time.Hour))
	for _, in := range audits {
		in.FileName, in.Data = "credit-decisions-2022.csv", decisions
		if _, err := l.svc.CreateFairnessAudit(risk, v.ID, in); err != nil {
			return fmt.Errorf("credit fairness audit: %w", err)
		}
		l.n++
	}
	return nil
}

// creditVersion finds the credit-risk model's version 2.3.
func (l *loader) creditVersion() (*lodestar.ModelVersion, error) {
	ms, err := l.svc.ListModels(l.ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Key != "credit-risk" {
			continue
		}
		vs, err := l.svc.ListModelVersions(l.ctx, m.ID)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			if v.Version == "2.3" {
				return v, nil
			}
		}
	}
	return nil, fmt.Errorf("demo: no credit-risk model version 2.3")
}
