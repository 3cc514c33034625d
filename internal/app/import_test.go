package app_test

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// importCounts snapshots what an import writes.
type importCounts struct{ useCases, units, audit int }

func (f *fixture) importCounts() importCounts {
	f.t.Helper()
	return importCounts{f.count("use_cases"), f.count("business_units"), f.count("audit_log")}
}

func (f *fixture) wantImportCounts(want importCounts, what string) {
	f.t.Helper()
	if got := f.importCounts(); got != want {
		f.t.Errorf("%s: got use cases/units/audit entries %d/%d/%d, want %d/%d/%d",
			what, got.useCases, got.units, got.audit, want.useCases, want.units, want.audit)
	}
}

// importSetup seeds what an import refers to and returns a signed-in
// browser for a user of role (written straight to the table: no password
// hash needed for a session) with its CSRF token.
func (f *fixture) importSetup(role lodestar.Role, email string) (*http.Client, string) {
	f.t.Helper()
	now := sqldb.FormatTime(f.app.DB.Now())
	if _, err := f.app.DB.ExecContext(sys(), f.app.DB.Rebind(`INSERT INTO users (email, name, role, password_hash, locale, disabled, created_at, updated_at)
		VALUES (?, ?, ?, 'x', '', ?, ?, ?)`), email, email, string(role), false, now, now); err != nil {
		f.t.Fatalf("insert user: %v", err)
	}
	u, err := f.app.Store.FindUserByEmail(sys(), email)
	if err != nil {
		f.t.Fatal(err)
	}
	c, csrf, _ := f.signIn(u, time.Hour)
	return c, csrf
}

func (f *fixture) importSeed() {
	f.t.Helper()
	if _, err := f.app.Store.CreateBusinessUnit(sys(), lodestar.BusinessUnit{Name: "Retail"}); err != nil {
		f.t.Fatal(err)
	}
}

// importPart is one part of a multipart form: a field, or a file when
// filename is set.
type importPart struct{ name, filename, value string }

// postMultipart posts a multipart/form-data body, as a browser does for
// the upload step.
func (f *fixture) postMultipart(c *http.Client, path string, parts ...importPart) *response {
	f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		var err error
		if p.filename != "" {
			w, cerr := mw.CreateFormFile(p.name, p.filename)
			if cerr != nil {
				f.t.Fatal(cerr)
			}
			_, err = w.Write([]byte(p.value))
		} else {
			err = mw.WriteField(p.name, p.value)
		}
		if err != nil {
			f.t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		f.t.Fatal(err)
	}
	return f.do(c, "POST", path, http.Header{"Content-Type": {mw.FormDataContentType()}}, &body)
}

var (
	hiddenInput    = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	selectElement  = regexp.MustCompile(`(?s)<select id="[^"]*" name="([^"]+)">(.*?)</select>`)
	selectedOption = regexp.MustCompile(`<option value="([^"]*)" selected>`)
	// importFormElement is the import page's own form, not the layout's
	// locale and sign-out forms.
	importFormElement = regexp.MustCompile(`(?s)<form method="post" action="/use-cases/import".*?</form>`)
)

// pageForm returns what a browser would submit from the page's form: its
// hidden fields and each select's selected option (buttons and
// checkboxes are the caller's).
func pageForm(t *testing.T, body string) url.Values {
	t.Helper()
	m := importFormElement.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no import form in the page:\n%s", body)
	}
	body = m[0]
	v := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range selectElement.FindAllStringSubmatch(body, -1) {
		if o := selectedOption.FindStringSubmatch(m[2]); o != nil {
			v.Set(m[1], html.UnescapeString(o[1]))
		} else {
			v.Set(m[1], "")
		}
	}
	if v.Get("csrf_token") == "" {
		t.Fatalf("no form with a csrf_token in the page:\n%s", body)
	}
	return v
}

// currentStep returns the step the page marks as current.
func currentStep(body string) string {
	for _, s := range []string{"Upload", "Map columns", "Preview"} {
		if strings.Contains(body, `<li aria-current="step">`+s+`</li>`) {
			return s
		}
	}
	return ""
}

const importCSV = "title,STAGE,Business unit,sponsor,Notes\n" +
	"Alpha,pilot,Retail,,first\n" +
	"Beta,someday,Retail,,bad stage\n" +
	"Gamma,idea,Logistics,,new unit\n"

// TestImportPageSteps walks the three steps as an admin with a real
// multipart upload: the mapping proposes same-named columns, the preview
// lists refused rows by line and writes nothing, the commit writes and
// redirects with a flash.
func TestImportPageSteps(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	f.importSeed()
	c, csrf := f.importSetup(lodestar.RoleAdmin, "admin@example.com")
	before := f.importCounts()

	r := f.get(c, "/use-cases/import")
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `enctype="multipart/form-data"`) || currentStep(r.body) != "Upload" {
		t.Fatalf("GET /use-cases/import: got status %d step %q, want 200 with the upload form", r.StatusCode, currentStep(r.body))
	}

	// Step 1: upload.
	r = f.postMultipart(c, "/use-cases/import", importPart{name: "csrf_token", value: csrf}, importPart{name: "step", value: "upload"},
		importPart{name: "encoding", value: ""}, importPart{name: "separator", value: ""},
		importPart{name: "file", filename: "portfolio.csv", value: importCSV})
	if r.StatusCode != http.StatusOK || currentStep(r.body) != "Map columns" {
		t.Fatalf("upload: got status %d step %q, want 200 and the mapping step\n%s", r.StatusCode, currentStep(r.body), r.body)
	}
	if !strings.Contains(r.body, "portfolio.csv: 3 rows read") {
		t.Errorf("mapping page: want %q in it", "portfolio.csv: 3 rows read")
	}
	mapping := pageForm(t, r.body)
	wantProposed := map[string]string{"map_title": "#1", "map_stage": "#2", "map_sponsor": "#4", "map_business_unit": "", "map_tags": ""}
	for field, want := range wantProposed {
		if got := mapping.Get(field); got != want {
			t.Errorf("proposed mapping %s: got %q, want %q", field, got, want)
		}
	}
	if mapping.Get("name") != "portfolio.csv" || mapping.Get("data") == "" {
		t.Errorf("mapping page: got name %q and %d bytes of data, want the file carried to the next step", mapping.Get("name"), len(mapping.Get("data")))
	}
	f.wantImportCounts(before, "upload")

	// Step 2: preview, with the unit column picked by hand.
	mapping.Set("map_business_unit", "#3")
	mapping.Set("step", "preview")
	r = f.postForm(c, "/use-cases/import", mapping)
	if r.StatusCode != http.StatusOK || currentStep(r.body) != "Preview" {
		t.Fatalf("preview: got status %d step %q, want 200 and the preview", r.StatusCode, currentStep(r.body))
	}
	for _, want := range []string{
		"<tr><td>3</td><td>stage</td><td>unknown stage &#34;someday&#34;</td></tr>",
		"<tr><td>4</td><td>business_unit</td><td>no business unit named &#34;Logistics&#34;",
		"1 use cases and 0 business units would be created; 2 rows are refused.",
		"Columns not imported: Notes",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("preview: want %q in the page", want)
		}
	}
	if strings.Contains(r.body, `value="commit"`) {
		t.Errorf("preview with refused rows and no skip: got a commit button, want none")
	}
	f.wantImportCounts(before, "preview")

	// A commit posted anyway while rows are refused writes nothing.
	mapping.Set("step", "commit")
	r = f.postForm(c, "/use-cases/import", mapping)
	if r.StatusCode != http.StatusOK || currentStep(r.body) != "Preview" {
		t.Errorf("commit with refused rows: got status %d step %q, want 200 and the preview again", r.StatusCode, currentStep(r.body))
	}
	f.wantImportCounts(before, "commit with refused rows")

	// Preview again, creating the missing unit and skipping the bad row.
	mapping.Set("create_missing", "on")
	mapping.Set("skip_invalid", "on")
	mapping.Set("step", "preview")
	r = f.postForm(c, "/use-cases/import", mapping)
	for _, want := range []string{"2 use cases and 1 business units would be created; 1 rows are refused.", "New business units: Logistics",
		`value="commit">Import 2 use cases</button>`, "<li>Alpha · Pilot</li>", "<li>Gamma · Idea</li>"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("preview with create and skip: want %q in the page", want)
		}
	}
	f.wantImportCounts(before, "second preview")

	// Step 3: commit.
	mapping = pageForm(t, r.body)
	mapping.Set("create_missing", "on")
	mapping.Set("skip_invalid", "on")
	mapping.Set("step", "commit")
	r = f.postForm(c, "/use-cases/import", mapping)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/use-cases?sort=-updated" {
		t.Fatalf("commit: got status %d Location %q, want 303 to /use-cases?sort=-updated\n%.500s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	if fl := cookieNamed(r, "lodestar_flash"); fl == nil || fl.Value != "flash.imported" {
		t.Errorf("commit: got flash cookie %v, want flash.imported", fl)
	}
	f.wantImportCounts(importCounts{before.useCases + 2, before.units + 1, before.audit + 3}, "commit")
	r = f.get(c, "/use-cases?sort=-updated")
	for _, want := range []string{"Use cases imported.", "Alpha", "Gamma"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("list after the import: want %q in the page", want)
		}
	}
	if strings.Contains(r.body, "Beta") {
		t.Errorf("list after the import: got the refused row Beta, want it skipped")
	}
}

// TestImportPageRefusals: roles, CSRF, size, a corrupt file and a bad
// mapping are refused with a message and nothing written.
func TestImportPageRefusals(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	f.importSeed()
	admin, csrf := f.importSetup(lodestar.RoleAdmin, "admin@example.com")
	viewer, viewerCSRF := f.importSetup(lodestar.RoleViewer, "viewer@example.com")
	before := f.importCounts()
	file := func(name, data string) importPart { return importPart{name: "file", filename: name, value: data} }
	tok := func(v string) importPart { return importPart{name: "csrf_token", value: v} }
	step := importPart{name: "step", value: "upload"}
	big := strings.Repeat("x", 10<<20+1)

	cases := []struct {
		name    string
		c       *http.Client
		parts   []importPart
		status  []int  // any of these
		message string // in the page
		step    string // the step the page shows, when it is the import page
	}{
		{"viewer", viewer, []importPart{tok(viewerCSRF), step, file("a.csv", importCSV)}, []int{403}, "", ""},
		{"missing CSRF token", admin, []importPart{step, file("a.csv", importCSV)}, []int{403}, "did not come from Lodestar", ""},
		{"wrong CSRF token", admin, []importPart{tok("wrong"), step, file("a.csv", importCSV)}, []int{403}, "did not come from Lodestar", ""},
		{"another session's CSRF token", admin, []importPart{tok(viewerCSRF), step, file("a.csv", importCSV)}, []int{403}, "", ""},
		{"over 10 MiB", admin, []importPart{tok(csrf), step, file("big.csv", "title\n"+big)}, []int{400, 413}, "larger than 10 MiB", "Upload"},
		{"corrupt XLSX", admin, []importPart{tok(csrf), step, file("a.xlsx", "PK\x03\x04 not really a workbook")}, []int{400}, "The file is not a readable XLSX workbook.", "Upload"},
		{"ragged CSV", admin, []importPart{tok(csrf), step, file("a.csv", "title,stage\nA\n")}, []int{400}, "line 2", "Upload"},
		{"empty file", admin, []importPart{tok(csrf), step, file("a.csv", "")}, []int{400}, "The file is empty.", "Upload"},
		{"no file", admin, []importPart{tok(csrf), step}, []int{400}, "Choose a CSV or XLSX file.", "Upload"},
		{"damaged carried data", admin, []importPart{tok(csrf), {name: "step", value: "preview"}, {name: "data", value: "%%%"}, {name: "name", value: "a.csv"}},
			[]int{400}, "The upload was damaged; start again.", "Upload"},
		// "title\nA\n" with the title set to "not imported": no same-named
		// fallback.
		{"no title mapped", admin, []importPart{tok(csrf), {name: "step", value: "preview"}, {name: "data", value: "dGl0bGUKQQo="}, {name: "name", value: "a.csv"}, {name: "map_title", value: ""}},
			[]int{400}, "No column gives the title", "Map columns"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := f.with(t)
			r := g.postMultipart(tc.c, "/use-cases/import", tc.parts...)
			ok := false
			for _, s := range tc.status {
				ok = ok || r.StatusCode == s
			}
			if !ok {
				t.Errorf("got status %d, want one of %v\n%.600s", r.StatusCode, tc.status, r.body)
			}
			if !isHTML(r) {
				t.Errorf("got Content-Type %q, want an HTML page", r.Header.Get("Content-Type"))
			}
			if !strings.Contains(strings.ToLower(r.body), strings.ToLower(tc.message)) {
				t.Errorf("page: want %q in it\n%.1500s", tc.message, r.body)
			}
			if tc.step != "" && currentStep(r.body) != tc.step {
				t.Errorf("page: got step %q, want %q", currentStep(r.body), tc.step)
			}
			if tc.step == "Upload" && !strings.Contains(r.body, `<input id="file" name="file" type="file"`) {
				t.Errorf("page: want the upload form again")
			}
			g.wantImportCounts(before, tc.name)
		})
	}

	t.Run("viewer cannot open the page", func(t *testing.T) {
		g := f.with(t)
		if r := g.get(viewer, "/use-cases/import"); r.StatusCode != http.StatusForbidden {
			t.Errorf("GET as a viewer: got status %d, want 403", r.StatusCode)
		}
	})
	t.Run("viewer cannot commit", func(t *testing.T) {
		g := f.with(t)
		form := url.Values{"csrf_token": {viewerCSRF}, "step": {"commit"}, "data": {"dGl0bGUKQQo="}, "name": {"a.csv"}, "map_title": {"#1"}}
		if r := g.postForm(viewer, "/use-cases/import", form); r.StatusCode != http.StatusForbidden {
			t.Errorf("commit as a viewer: got status %d, want 403", r.StatusCode)
		}
		g.wantImportCounts(before, "viewer commit")
	})
	t.Run("commit without CSRF token", func(t *testing.T) {
		g := f.with(t)
		form := url.Values{"step": {"commit"}, "data": {"dGl0bGUKQQo="}, "name": {"a.csv"}, "map_title": {"#1"}}
		if r := g.postForm(admin, "/use-cases/import", form); r.StatusCode != http.StatusForbidden {
			t.Errorf("commit without a token: got status %d, want 403", r.StatusCode)
		}
		g.wantImportCounts(before, "commit without CSRF")
	})
}

// TestImportPageUnmapped: a field set to "not imported" on the mapping
// page stays out, even when a column has its name.
func TestImportPageUnmapped(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	c, csrf := f.importSetup(lodestar.RoleAdmin, "admin@example.com")
	r := f.postMultipart(c, "/use-cases/import", importPart{name: "csrf_token", value: csrf}, importPart{name: "step", value: "upload"},
		importPart{name: "file", filename: "t.csv", value: "title,tags,stage\nOmega,secret,nonsense\n"})
	form := pageForm(t, r.body)
	if form.Get("map_tags") != "#2" || form.Get("map_stage") != "#3" {
		t.Fatalf("proposed mapping: got tags %q stage %q, want #2 and #3", form.Get("map_tags"), form.Get("map_stage"))
	}
	form.Set("map_tags", "")
	form.Set("map_stage", "")
	form.Set("step", "commit")
	r = f.postForm(c, "/use-cases/import", form)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("commit: got status %d, want 303 (the bad stage is not imported)\n%.2000s", r.StatusCode, r.body)
	}
	ucs, _, err := f.app.Store.FindUseCases(sys(), lodestar.UseCaseFilter{Limit: 10})
	if err != nil || len(ucs) != 1 {
		t.Fatalf("got %d use cases (err %v), want 1", len(ucs), err)
	}
	if uc := ucs[0]; uc.Title != "Omega" || len(uc.Tags) != 0 || uc.Stage != lodestar.StageIdea {
		t.Errorf("got title %q tags %q stage %q, want Omega with no tags at stage idea", uc.Title, uc.Tags, uc.Stage)
	}
}
