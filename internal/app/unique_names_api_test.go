package app_test

import (
	"fmt"
	"sync"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestKPIAndPainDuplicateAPI: a KPI named as a live one (either
// language, any case, any goal) and a pain point titled as a live one of
// its business unit are 409s naming the existing record and its ID, on
// create and on a rename, and write nothing; the same POST sent 20 times
// at once (a client's retries) creates one, as for goals.
func TestKPIAndPainDuplicateAPI(t *testing.T) {
	t.Parallel()
	onEachDB(t, func(t *testing.T, f *fixture, tok string) {
		bu := fromJSON[lodestar.BusinessUnit](t, f.apiOK("POST", "/api/v1/business-units", tok, `{"name":"Retail"}`, 201))
		kpi := fromJSON[lodestar.KPI](t, f.apiOK("POST", "/api/v1/kpis", tok, `{"name":"Conversion rate","name_zh":"转化率","unit":"%","direction":"up","target_date":"2027-01-01"}`, 201))
		other := fromJSON[lodestar.KPI](t, f.apiOK("POST", "/api/v1/kpis", tok, `{"name":"Basket","unit":"%","direction":"up","target_date":"2027-01-01"}`, 201))
		pain := fromJSON[lodestar.PainPoint](t, f.apiOK("POST", "/api/v1/pain-points", tok, fmt.Sprintf(`{"title":"Slow checkout","title_zh":"结账慢","business_unit_id":%d,"category":"cost"}`, bu.ID), 201))
		otherPain := fromJSON[lodestar.PainPoint](t, f.apiOK("POST", "/api/v1/pain-points", tok, fmt.Sprintf(`{"title":"Queues","business_unit_id":%d,"category":"cost"}`, bu.ID), 201))
		kpiMsg := fmt.Sprintf(`A KPI named "Conversion rate" / "转化率" already exists (ID %d).`, kpi.ID)
		painMsg := fmt.Sprintf(`A pain point titled "Slow checkout" / "结账慢" already exists in this business unit (ID %d).`, pain.ID)
		before := f.strategyCounts()
		for _, tc := range []struct{ method, path, body, field, want string }{
			{"POST", "/api/v1/kpis", `{"name":"CONVERSION RATE","unit":"%","direction":"up","target_date":"2027-01-01"}`, "name", kpiMsg},
			{"POST", "/api/v1/kpis", `{"name":"Rate","name_zh":"转化率","unit":"%","direction":"up","target_date":"2027-01-01"}`, "name_zh", kpiMsg},
			{"PUT", fmt.Sprintf("/api/v1/kpis/%d", other.ID), `{"name":"转化率","unit":"%","direction":"up","target_date":"2027-01-01"}`, "name", kpiMsg},
			{"POST", "/api/v1/pain-points", fmt.Sprintf(`{"title":"slow checkout","business_unit_id":%d,"category":"cost"}`, bu.ID), "title", painMsg},
			{"PUT", fmt.Sprintf("/api/v1/pain-points/%d", otherPain.ID), fmt.Sprintf(`{"title":"Queues","title_zh":"结账慢","business_unit_id":%d,"category":"cost"}`, bu.ID), "title_zh", painMsg},
		} {
			body := tc.body
			if tc.method == "PUT" {
				body = whole(tc.path, body)
			}
			d := wantAPIError(t, f.api(tc.method, tc.path, tok, body), 409, lodestar.EConflict)
			if d.Message != tc.want || d.Fields[tc.field] != tc.want {
				t.Errorf("%s %s %s: message %q, fields %v; want %q on %s", tc.method, tc.path, tc.body, d.Message, d.Fields, tc.want, tc.field)
			}
		}
		f.wantStrategyUnchanged(before, "duplicate KPIs and pain points")

		for _, tc := range []struct{ path, body, table string }{
			{"/api/v1/kpis", `{"name":"ParKPI","unit":"%","direction":"up","target_date":"2027-01-01"}`, "kpis"},
			{"/api/v1/pain-points", fmt.Sprintf(`{"title":"ParPain","business_unit_id":%d,"category":"cost"}`, bu.ID), "pain_points"},
		} {
			rows := f.count(tc.table)
			var wg sync.WaitGroup
			var mu sync.Mutex
			statuses := map[int]int{}
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := f.api("POST", tc.path, tok, tc.body)
					mu.Lock()
					statuses[r.StatusCode]++
					mu.Unlock()
				}()
			}
			wg.Wait()
			if statuses[201] != 1 || statuses[409] != 19 || f.count(tc.table) != rows+1 {
				t.Errorf("20 POSTs of %s at once: statuses %v, %d rows added; want one 201, 19 409s, one row", tc.path, statuses, f.count(tc.table)-rows)
			}
		}
	})
}
