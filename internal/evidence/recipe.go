package evidence

import (
	"strconv"

	lodestar "github.com/lodestar-hq/lodestar"
)

// FairnessCLIArgs are the arguments of the lodestar fairness command that
// computes the same report from the same file (named file), so the pages
// can show an auditor how to reproduce an audit and a test can check the
// command does.
func FairnessCLIArgs(file string, p lodestar.FairnessParams) []string {
	args := []string{"fairness", "--data", file, "--group", p.GroupColumn, "--label", p.LabelColumn}
	if p.ScoreColumn != "" && p.Threshold != nil {
		args = append(args, "--score", p.ScoreColumn, "--threshold", strconv.FormatFloat(*p.Threshold, 'g', -1, 64))
	} else {
		args = append(args, "--prediction", p.PredictionColumn)
	}
	fav := p.Favourable
	if fav == "positive" {
		fav = "" // the command's default
	}
	for _, o := range []struct{ flag, v string }{{"--positive", p.PositiveLabel}, {"--prediction-positive", p.PositivePrediction},
		{"--favourable", fav}, {"--reference", p.Reference}, {"--encoding", p.Encoding}, {"--separator", p.Separator}} {
		if o.v != "" {
			args = append(args, o.flag, o.v)
		}
	}
	if p.Bootstrap > 0 {
		args = append(args, "--bootstrap", strconv.Itoa(p.Bootstrap), "--seed", strconv.FormatUint(p.Seed, 10),
			"--level", strconv.FormatFloat(p.Level, 'g', -1, 64))
		if p.Stratified {
			args = append(args, "--stratified")
		}
	}
	return append(args, "--format", "json")
}

// ExplainCLIArgs are the arguments of the lodestar explain command that
// computes the same SHAP values from the same files.
func ExplainCLIArgs(model, data string, p lodestar.ExplanationParams) []string {
	args := []string{"explain", "--model", model, "--data", data}
	if p.Encoding != "" {
		args = append(args, "--encoding", p.Encoding)
	}
	if p.Separator != "" {
		args = append(args, "--separator", p.Separator)
	}
	return append(args, "--format", "json")
}
