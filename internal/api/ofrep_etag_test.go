package api

import (
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// The bulk ETag must change whenever any flag a client reads could differ,
// even when the versions add up to what they did before.
func TestBulkETagNamesTheWholeState(t *testing.T) {
	sw := func(id int64, key, state string, v int64) *lodestar.Switch {
		return &lodestar.Switch{ModelID: id, Key: key, State: state, Version: v}
	}
	before := []*lodestar.Switch{sw(1, "churn", "on", 3), sw(2, "credit", "on", 3)}
	seen := map[string]string{bulkETag(before): "before"}
	for name, after := range map[string][]*lodestar.Switch{
		// credit's switch gone with its model, fraud's new, churn flipped twice more: the versions add up as before
		"one gone, another flipped": {sw(1, "churn", "off", 5), sw(3, "fraud", "on", 1)},
		// the same key and version under a model registered again
		"key reused by a new model":       {sw(1, "churn", "on", 3), sw(4, "credit", "off", 1)},
		"versions moved between switches": {sw(1, "churn", "on", 4), sw(2, "credit", "on", 2)},
		"fallback named":                  {sw(1, "churn", "on", 3), {ModelID: 2, Key: "credit", State: "fallback", Fallback: "rules", Version: 3}},
	} {
		tag := bulkETag(after)
		if prev, ok := seen[tag]; ok {
			t.Errorf("%s: ETag %s is the same as %s's", name, tag, prev)
		}
		seen[tag] = name
	}
	if a, b := bulkETag(before), bulkETag([]*lodestar.Switch{sw(1, "churn", "on", 3), sw(2, "credit", "on", 3)}); a != b {
		t.Errorf("the same state gave two ETags: %s and %s", a, b)
	}
	if tag := bulkETag(nil); tag == "" || tag[0] != '"' || tag[len(tag)-1] != '"' {
		t.Errorf("an empty list's ETag %q is not a quoted entity tag", tag)
	}
}
