package app_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPIUploadSpillRemoved: an API evidence upload whose file is over
// what the handler keeps in memory (8 MiB) has it written by net/http to
// the system's temporary directory; that copy is removed once the
// request is answered, whether the upload is stored or refused. (The
// handler reads the form on its own copy of the request, which net/http
// does not clean up after it: every such upload left its multipart-*
// file in $TMPDIR for good.)
func TestAPIUploadSpillRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f := start(t, fixtureOpts{})
	v := f.evidenceVersion()
	_, ai := f.token(f.user(lodestar.RoleAITeam, "ai@example.com"), "read", "write")
	path := fmt.Sprintf("/api/v1/model-versions/%d/fairness-audits", v.ID)
	// 10 MiB: the decisions, each row padded with a note.
	pad := strings.Repeat("x", 64<<10)
	var csv strings.Builder
	csv.WriteString("group,label,prediction,note\n")
	for i := range 160 {
		fmt.Fprintf(&csv, "%c,%d,%d,%s\n", 'A'+i%2, i%2, i/2%2, pad)
	}
	for _, tc := range []struct {
		what  string
		label string
		want  int
	}{
		{"stored", "label", http.StatusCreated},
		{"refused", "no-such-column", http.StatusBadRequest},
	} {
		ct, body := parts(t, part{"group_column", "", "group"}, part{"label_column", "", tc.label},
			part{"prediction_column", "", "prediction"}, part{"bootstrap", "", "100"}, part{"file", "d.csv", csv.String()})
		resp := f.do(f.client(), "POST", path, http.Header{"Authorization": {"Bearer " + ai}, "Content-Type": {ct}}, body)
		if resp.StatusCode != tc.want {
			t.Fatalf("%s: %d %s, want %d", tc.what, resp.StatusCode, resp.body, tc.want)
		}
		ents, err := os.ReadDir(tmp)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			t.Errorf("%s: %s left in the temporary directory after the answer", tc.what, e.Name())
		}
	}
}
