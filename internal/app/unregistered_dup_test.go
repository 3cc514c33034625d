package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// An event is counted once in unregistered_versions (and
// retired_versions), as ingestion counts it: an id repeated within a
// batch is one event, a retried batch names its events once more (they
// are still unwatched) but the model's list counts them once, and a line
// refused as id_conflict is no event of the batch. On both databases.
func TestUnregisteredVersionsCountEachEventOnce(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			f := startOn(t, testdb.OpenDialect(t, d), fixtureOpts{})
			team := f.user(lodestar.RoleAITeam, "team@example.com")
			_, tok := f.token(team)
			_, ingestTok := f.token(team, lodestar.ScopeIngest)
			m := f.model("Recommendations", "recommender", "Recommender")
			old, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.Store.SetModelVersionStatus(sys(), old.ID, lodestar.ModelRetired, "replaced"); err != nil {
				t.Fatal(err)
			}
			t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
			a := eventLine("a", t0, "v2.0", 1, "red", 0.9, 1)
			b := eventLine("b", t0.Add(time.Minute), "v2.0", 1, "red", 0.9, 1)
			r1 := eventLine("r", t0, "1.0", 1, "red", 0.9, 1)
			batch := strings.Join([]string{a, b, a, a, r1, r1}, "\n")
			want := func(what, body string, accepted, duplicates int) {
				t.Helper()
				var res lodestar.IngestResult
				if err := json.Unmarshal([]byte(body), &res); err != nil {
					t.Fatalf("%s: %v in %s", what, err, body)
				}
				if res.Accepted != accepted || res.Duplicates != duplicates ||
					len(res.Unregistered) != 1 || res.Unregistered[0].Version != "v2.0" || res.Unregistered[0].Events != 2 ||
					!res.Unregistered[0].LastEventAt.Equal(t0.Add(time.Minute)) ||
					len(res.Retired) != 1 || res.Retired[0].Version != "1.0" || res.Retired[0].Events != 1 {
					t.Errorf("%s: got %s, want %d accepted, %d duplicates, v2.0 unregistered with 2 events, 1.0 retired with 1", what, body, accepted, duplicates)
				}
			}
			r := f.ndjson("/api/v1/models/recommender/events", ingestTok, batch)
			want("a batch repeating ids", r.body, 3, 3)
			r = f.ndjson("/api/v1/models/recommender/events", ingestTok, batch)
			want("the batch retried", r.body, 0, 6)
			// An id reused for other content is refused, not counted.
			r = f.ndjson("/api/v1/models/recommender/events", ingestTok, strings.Join([]string{a, b,
				eventLine("a", t0, "v2.0", 2, "red", 0.9, 1), r1}, "\n"))
			want("with a conflict", r.body, 0, 3)

			path := fmt.Sprintf("/api/v1/models/%d/unregistered-versions", m.ID)
			r = f.apiOK("GET", path, tok, "", 200)
			var page struct {
				Data []lodestar.VersionEvents `json:"data"`
			}
			if err := json.Unmarshal([]byte(r.body), &page); err != nil || len(page.Data) != 1 || page.Data[0].Version != "v2.0" || page.Data[0].Events != 2 {
				t.Errorf("GET %s: got %s, want v2.0 with 2 events (%v)", path, r.body, err)
			}
		})
	}
}
