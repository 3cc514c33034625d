package app_test

import (
	"encoding/json"
	"fmt"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
)

// tinyModel is a one-tree XGBoost JSON model (binary:logistic) on two
// named features: income < 0.5 goes left (−0.4), else right (0.3).
const tinyModel = `{"version":[1,7,4],"learner":{"feature_names":["income","history"],"feature_types":["float","float"],` +
	`"gradient_booster":{"name":"gbtree","model":{"trees":[{"left_children":[1,-1,-1],"right_children":[2,-1,-1],"split_indices":[0,0,0],` +
	`"split_conditions":[0.5,-0.4,0.3],"default_left":[1,0,0],"sum_hessian":[10,4,6],"split_type":[0,0,0],"categories_nodes":[],` +
	`"tree_param":{"num_nodes":"3","size_leaf_vector":"0"}}]}},` +
	`"learner_model_param":{"base_score":"5E-1","num_class":"0","num_feature":"2","num_target":"1"},"objective":{"name":"binary:logistic"}}}`

// walkDecisions is a small audit file, unique per nonce (the audit of the
// same file twice is a conflict).
func walkDecisions(nonce string) string {
	return "group,label,prediction\nA,1,1\nA,0,0\nA,1,1\nB,1,0\nB,0,1\nB,1,1\nC-" + nonce + ",1,1\nC-" + nonce + ",0,0\n"
}

// walkSample is a sample for tinyModel, unique per nonce.
func walkSample(nonce string) string {
	return fmt.Sprintf("income,history,note\n0.2,1,%s\n0.9,0,x\n,1,missing income\n", strings.ReplaceAll(nonce, ",", ""))
}

// walkFairnessJSON is the API body of a fairness audit upload.
func walkFairnessJSON(nonce string) string {
	b, _ := json.Marshal(map[string]any{"title": "Walk " + nonce, "file_name": "walk.csv", "data": walkDecisions(nonce),
		"group_column": "group", "label_column": "label", "prediction_column": "prediction", "bootstrap": 100, "seed": 3})
	return string(b)
}

// walkExplanationJSON is the API body of an explanation upload.
func walkExplanationJSON(nonce string) string {
	b, _ := json.Marshal(map[string]any{"title": "Walk " + nonce, "model": json.RawMessage(tinyModel), "data": walkSample(nonce)})
	return string(b)
}

// evidenceRecord makes a fairness audit or an explanation report of the
// walk's model version.
func (f *fixture) evidenceRecord(collection, label string, ids map[string]int64) (int64, error) {
	ctx, st := sys(), f.app.Store
	switch collection {
	case "fairness-audits":
		a, err := st.CreateFairnessAudit(ctx, ids["model-versions"], lodestar.FairnessAuditInput{FileName: "walk.csv", Data: []byte(walkDecisions(label)),
			Params: lodestar.FairnessParams{GroupColumn: "group", LabelColumn: "label", PredictionColumn: "prediction"}})
		if err != nil {
			return 0, err
		}
		return a.ID, nil
	default: // explanations
		e, err := st.CreateExplanation(ctx, ids["model-versions"], lodestar.ExplanationInput{Model: []byte(tinyModel), Data: []byte(walkSample(label))})
		if err != nil {
			return 0, err
		}
		return e.ID, nil
	}
}
