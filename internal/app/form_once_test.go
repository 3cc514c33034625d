package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

var formIDInput = regexp.MustCompile(`name="form_id" value="([0-9a-f]{32})"`)

// newUseCaseForm opens the new use-case form and returns its form_id.
func newUseCaseForm(t *testing.T, f *fixture, c *http.Client) string {
	t.Helper()
	m := formIDInput.FindStringSubmatch(f.get(c, "/use-cases/new").body)
	if m == nil {
		t.Fatal("no form_id in the new use-case form")
	}
	return m[1]
}

// TestFormActsOnce: a form sent twice (a double click, a browser resend)
// creates one record, and the second answer says why; a refused form may
// be corrected and sent again; pages get fresh IDs; two clicks at the same
// moment create one record too.
func TestFormActsOnce(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	c, csrf, _ := f.signIn(admin, time.Hour)
	before := f.count("use_cases")

	id := newUseCaseForm(t, f, c)
	if other := newUseCaseForm(t, f, c); other == id {
		t.Fatal("two page loads share a form_id")
	}
	form := url.Values{"csrf_token": {csrf}, "form_id": {id}, "title": {"Once"}, "stage": {"idea"}}
	if r := f.postForm(c, "/use-cases", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first send: got %d, want 303", r.StatusCode)
	}
	r := f.postForm(c, "/use-cases", form)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "This form was sent already") {
		t.Errorf("second send: got %d, want 409 saying the form was sent already\n%.400s", r.StatusCode, r.body)
	}
	// It links to what the first made, rather than asking for a reload
	// (which would send the form once more).
	var made int64
	if err := f.app.DB.QueryRow(sys(), `SELECT MAX(id) FROM use_cases WHERE title = 'Once'`).Scan(&made); err != nil {
		t.Fatal(err)
	}
	if link := fmt.Sprintf(`<a href="/use-cases/%d">See the result of the first submission</a>`, made); !strings.Contains(r.body, link) || strings.Contains(r.body, "Reload") {
		t.Errorf("second send: the page lacks %s, or asks for a reload\n%.2000s", link, r.body)
	}
	if n := f.count("use_cases"); n != before+1 {
		t.Errorf("use cases: %d after sending one form twice, want %d", n, before+1)
	}

	// Refused (no title), then corrected and sent with the same ID: the
	// refusal gave the claim back.
	id = newUseCaseForm(t, f, c)
	bad := url.Values{"csrf_token": {csrf}, "form_id": {id}, "title": {""}, "stage": {"idea"}}
	if r := f.postForm(c, "/use-cases", bad); r.StatusCode != http.StatusBadRequest {
		t.Fatalf("no title: got %d, want 400", r.StatusCode)
	}
	bad.Set("title", "Corrected")
	if r := f.postForm(c, "/use-cases", bad); r.StatusCode != http.StatusSeeOther {
		t.Errorf("corrected form, same form_id: got %d, want 303", r.StatusCode)
	}

	// Two sends at the same moment: one record.
	id = newUseCaseForm(t, f, c)
	before = f.count("use_cases")
	form = url.Values{"csrf_token": {csrf}, "form_id": {id}, "title": {"Racing"}, "stage": {"idea"}}
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Go(func() {
			req, _ := http.NewRequest("POST", f.srv.URL+"/use-cases", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if resp, err := c.Do(req); err == nil {
				codes[i] = resp.StatusCode
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if n := f.count("use_cases"); n != before+1 {
		t.Errorf("4 simultaneous sends of one form: %d use cases created (answers %v), want 1", n-before, codes)
	}

	// Another user's form_id is theirs: the same ID from two users is two
	// forms.
	bo := f.user(lodestar.RoleBusinessOwner, "bo@example.com")
	c2, csrf2, _ := f.signIn(bo, time.Hour)
	form = url.Values{"csrf_token": {csrf2}, "form_id": {id}, "title": {"Theirs"}, "stage": {"idea"}}
	if r := f.postForm(c2, "/use-cases", form); r.StatusCode != http.StatusSeeOther {
		t.Errorf("another user's form with the same form_id: got %d, want 303", r.StatusCode)
	}
}

// The refusal of a form sent twice is in the user's language.
func TestFormActsOnceTranslated(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	if err := f.app.Store.SetLocale(sys(), admin.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(admin, time.Hour)
	form := url.Values{"csrf_token": {csrf}, "form_id": {newUseCaseForm(t, f, c)}, "title": {"Once"}, "stage": {"idea"}}
	f.postForm(c, "/use-cases", form)
	r := f.postForm(c, "/use-cases", form)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "这个表单已经提交过") || !strings.Contains(r.body, "查看第一次提交的结果") {
		t.Errorf("second send in Chinese: got %d\n%.600s", r.StatusCode, r.body)
	}
}
