package explain

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// The subset of XGBoost's JSON model schema (doc/model.schema in the
// xgboost sources) that prediction and TreeSHAP need. Numbers that xgboost
// keeps as float32 are decoded as float32 (encoding/json parses them with
// 32-bit precision), so they are the exact values xgboost uses.

type fileJSON struct {
	Version []int        `json:"version"`
	Learner *learnerJSON `json:"learner"`
}

type learnerJSON struct {
	FeatureNames    []string `json:"feature_names"`
	GradientBooster *struct {
		Name  string `json:"name"`
		Model struct {
			Trees []treeJSON `json:"trees"`
		} `json:"model"`
	} `json:"gradient_booster"`
	ModelParam struct {
		BaseScore  json.RawMessage `json:"base_score"`
		NumClass   string          `json:"num_class"`
		NumFeature string          `json:"num_feature"`
		NumTarget  string          `json:"num_target"`
	} `json:"learner_model_param"`
	Objective struct {
		Name string `json:"name"`
	} `json:"objective"`
}

type treeJSON struct {
	LeftChildren    []int32    `json:"left_children"`
	RightChildren   []int32    `json:"right_children"`
	SplitIndices    []int32    `json:"split_indices"`
	SplitConditions []float32  `json:"split_conditions"`
	DefaultLeft     []flexBool `json:"default_left"`
	SumHessian      []float32  `json:"sum_hessian"`
	SplitType       []int      `json:"split_type"`
	CategoriesNodes []int      `json:"categories_nodes"`
	TreeParam       struct {
		NumNodes       string `json:"num_nodes"`
		SizeLeafVector string `json:"size_leaf_vector"`
	} `json:"tree_param"`
}

// flexBool reads default_left entries, which xgboost writes as 0/1 and
// some writers as true/false.
type flexBool bool

func (b *flexBool) UnmarshalJSON(d []byte) error {
	switch string(d) {
	case "1", "true":
		*b = true
	case "0", "false":
		*b = false
	default:
		return fmt.Errorf("default_left entry %s is not 0, 1, true or false", d)
	}
	return nil
}

// build checks a decoded tree and converts it to nodes.
func (tj *treeJSON) build(numFeature int) (tree, error) {
	n := len(tj.LeftChildren)
	if n == 0 {
		return tree{}, errors.New("no nodes")
	}
	if s := tj.TreeParam.NumNodes; s != "" {
		if v, err := strconv.Atoi(s); err != nil || v != n {
			return tree{}, fmt.Errorf("tree_param.num_nodes %q but %d left_children", s, n)
		}
	}
	if s := tj.TreeParam.SizeLeafVector; s != "" && s != "0" && s != "1" {
		return tree{}, fmt.Errorf("vector leaves (size_leaf_vector=%s) are not supported", s)
	}
	for name, l := range map[string]int{
		"right_children": len(tj.RightChildren), "split_indices": len(tj.SplitIndices),
		"split_conditions": len(tj.SplitConditions), "default_left": len(tj.DefaultLeft),
		"sum_hessian": len(tj.SumHessian),
	} {
		if l != n {
			return tree{}, fmt.Errorf("%s has %d entries, left_children %d", name, l, n)
		}
	}
	if len(tj.CategoriesNodes) > 0 {
		return tree{}, errors.New("categorical splits are not supported")
	}
	for _, st := range tj.SplitType {
		if st != 0 {
			return tree{}, errors.New("categorical splits are not supported")
		}
	}
	t := tree{nodes: make([]node, n)}
	for i := range n {
		l, r := tj.LeftChildren[i], tj.RightChildren[i]
		nd := node{left: l, right: r, cover: float64(tj.SumHessian[i])}
		if l < 0 {
			if r >= 0 {
				return tree{}, fmt.Errorf("node %d has a right child but no left child", i)
			}
			nd.left, nd.right = -1, -1
			nd.value = float64(tj.SplitConditions[i]) // a leaf's split_condition is its value
		} else {
			if r < 0 || int(l) >= n || int(r) >= n || l == 0 || r == 0 {
				return tree{}, fmt.Errorf("node %d has children %d and %d, out of range", i, l, r)
			}
			f := tj.SplitIndices[i]
			if f < 0 || int(f) >= numFeature {
				return tree{}, fmt.Errorf("node %d splits on feature %d; the model has %d", i, f, numFeature)
			}
			nd.feature = f
			nd.cond = tj.SplitConditions[i]
			nd.dflt = r
			if tj.DefaultLeft[i] {
				nd.dflt = l
			}
		}
		t.nodes[i] = nd
	}
	depth, err := t.walk()
	if err != nil {
		return tree{}, err
	}
	if depth > maxPath-2 {
		return tree{}, fmt.Errorf("depth %d exceeds the supported %d", depth, maxPath-2)
	}
	t.depth = depth
	t.expected = t.mean(0)
	return t, nil
}

// walk checks that no node is reached twice from the root (so the nodes
// form a tree, without cycles or shared children) and returns the depth.
// Unreachable nodes are allowed: xgboost's pruner leaves deleted nodes in
// the arrays (tree_param.num_deleted).
func (t *tree) walk() (int, error) {
	seen := make([]bool, len(t.nodes))
	type item struct{ i, d int32 }
	stack := []item{{0, 0}}
	depth := 0
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[it.i] {
			return 0, fmt.Errorf("node %d is reached twice", it.i)
		}
		seen[it.i] = true
		depth = max(depth, int(it.d))
		if n := t.nodes[it.i]; n.left >= 0 {
			stack = append(stack, item{n.left, it.d + 1}, item{n.right, it.d + 1})
		}
	}
	return depth, nil
}

// mean returns the expected value of the subtree at i: the cover-weighted
// mean of its leaves, computed as xgboost's FillNodeMeanValues does (each
// child weighted by its cover over the parent's cover).
func (t *tree) mean(i int32) float64 {
	n := &t.nodes[i]
	if n.left < 0 {
		return n.value
	}
	if n.cover == 0 {
		return 0
	}
	l, r := &t.nodes[n.left], &t.nodes[n.right]
	return (t.mean(n.left)*l.cover + t.mean(n.right)*r.cover) / n.cover
}
