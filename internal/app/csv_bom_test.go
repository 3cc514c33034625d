package app_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// TestCSVDownloadsStartWithBOM: every CSV download — use cases, the
// audit log, a fairness audit and an explanation, from the pages and
// the API — starts with a UTF-8 byte-order mark, without which Excel on
// Chinese Windows reads the file as GBK and garbles every Chinese name;
// JSON downloads have none. The use-case export, mark and all, imports
// back through the import page.
func TestCSVDownloadsStartWithBOM(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	c, csrf, _ := f.signIn(admin, time.Hour)
	_, secret := f.token(admin, lodestar.ScopeRead)
	uc := f.useCase("客户流失预测")
	v := f.evidenceVersion()
	ids := map[string]int64{"model-versions": v.ID}
	audit, err := f.evidenceRecord("fairness-audits", "bom", ids)
	if err != nil {
		t.Fatal(err)
	}
	expl, err := f.evidenceRecord("explanations", "bom", ids)
	if err != nil {
		t.Fatal(err)
	}
	const bom = "\ufeff"
	for _, tc := range []struct {
		name string
		get  func() *response
		csv  bool
	}{
		{"use cases CSV", func() *response { return f.get(c, "/use-cases/export?format=csv") }, true},
		{"audit log CSV", func() *response { return f.get(c, "/admin/audit/export") }, true},
		{"fairness audit CSV", func() *response { return f.get(c, fmt.Sprintf("/fairness-audits/%d/export?format=csv", audit)) }, true},
		{"explanation CSV", func() *response { return f.get(c, fmt.Sprintf("/explanations/%d/export?format=csv", expl)) }, true},
		{"API fairness audit CSV", func() *response {
			return f.api("GET", fmt.Sprintf("/api/v1/fairness-audits/%d/export?format=csv", audit), secret, "")
		}, true},
		{"API explanation CSV", func() *response {
			return f.api("GET", fmt.Sprintf("/api/v1/explanations/%d/export?format=csv", expl), secret, "")
		}, true},
		{"use cases JSON", func() *response { return f.get(c, "/use-cases/export?format=json") }, false},
		{"fairness audit JSON", func() *response { return f.get(c, fmt.Sprintf("/fairness-audits/%d/export?format=json", audit)) }, false},
	} {
		r := tc.get()
		if r.StatusCode != http.StatusOK {
			t.Errorf("%s: got status %d, want 200", tc.name, r.StatusCode)
			continue
		}
		if got := strings.HasPrefix(r.body, bom); got != tc.csv {
			t.Errorf("%s: starts with a byte-order mark %v, want %v (body %.40q)", tc.name, got, tc.csv, r.body)
		}
		if !tc.csv {
			continue
		}
		if _, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, bom))).ReadAll(); err != nil {
			t.Errorf("%s: after the mark, not CSV: %v", tc.name, err)
		}
	}

	// The export of the Chinese use case imports back, mark and all.
	export := f.get(c, "/use-cases/export?format=csv&q="+url.QueryEscape("客户"))
	if !strings.Contains(export.body, "客户流失预测") {
		t.Fatalf("use-case export: no Chinese title in %.300q", export.body)
	}
	if _, err := f.app.Store.ArchiveUseCase(sys(), uc.ID, true); err != nil {
		t.Fatal(err)
	}
	r := f.postMultipart(c, "/use-cases/import", importPart{name: "csrf_token", value: csrf}, importPart{name: "step", value: "upload"},
		importPart{name: "encoding", value: ""}, importPart{name: "separator", value: ""},
		importPart{name: "file", filename: "export.csv", value: export.body})
	if r.StatusCode != http.StatusOK || currentStep(r.body) != "Map columns" {
		t.Fatalf("upload of the export: got status %d step %q\n%.2000s", r.StatusCode, currentStep(r.body), r.body)
	}
	if tab, err := transfer.ReadTable("export.csv", []byte(export.body), "", 0); err != nil || !slices.Equal(tab.Header, transfer.Columns) {
		t.Errorf("the export read back: header %q (%v), want transfer.Columns, the mark not part of the first name", tab.Header, err)
	}
	mapping := pageForm(t, r.body)
	if got := mapping.Get("map_title"); got != "#2" {
		t.Errorf("the export's title column: proposed %q, want #2", got)
	}
	mapping.Set("step", "preview")
	r = f.postForm(c, "/use-cases/import", mapping)
	mapping = pageForm(t, r.body)
	mapping.Set("step", "commit")
	r = f.postForm(c, "/use-cases/import", mapping)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("commit of the export: got status %d\n%.2000s", r.StatusCode, r.body)
	}
	if n := f.count("use_cases"); n != 3 { // the archived one, Credit scoring and its copy
		t.Errorf("after the import: got %d use cases, want 3", n)
	}
}
