package app_test

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
)

const newPassword = "a fresh and longer passphrase"

// formPage opens path in c and returns its form_id.
func formPage(t *testing.T, f *fixture, c *http.Client, path string) (string, *response) {
	t.Helper()
	r := f.get(c, path)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %d, want 200\n%.400s", path, r.StatusCode, r.body)
	}
	m := formIDInput.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no form_id on %s", path)
	}
	return m[1], r
}

// sessionsOf counts a user's sessions.
func (f *fixture) sessionsOf(u *lodestar.User) int {
	f.t.Helper()
	var n int
	if err := f.app.DB.QueryRow(sys(), `SELECT COUNT(*) FROM sessions WHERE user_id = ?`, u.ID).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// passwordIs reports whether u's stored hash is of pw.
func (f *fixture) passwordIs(u *lodestar.User, pw string) bool {
	f.t.Helper()
	var hash string
	if err := f.app.DB.QueryRow(sys(), `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&hash); err != nil {
		f.t.Fatal(err)
	}
	ok, err := auth.CheckPassword(hash, pw)
	if err != nil {
		f.t.Fatal(err)
	}
	return ok && strings.HasPrefix(hash, "$argon2id$")
}

// TestChangeOwnPassword: a signed-in user of any role changes their own
// password at /account/password (linked from their name in the header):
// the new one signs in, the old one no longer does, their other sessions
// end and this one stays, and the change is audited without the
// password. A wrong current password, a weak new one, two new ones that
// differ and a form without its CSRF token are refused and change
// nothing; wrong current passwords past the sign-in limit lock the form.
func TestChangeOwnPassword(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleViewer, "viewer@example.com")
	c, csrf, _ := f.signIn(u, time.Hour)
	other, _, _ := f.signIn(u, time.Hour)
	if r := f.get(c, "/"); !strings.Contains(r.body, `href="/account/password"`) {
		t.Error("the header links no password page")
	}

	send := func(cur, next, confirm string, withCSRF bool) *response {
		t.Helper()
		id, _ := formPage(t, f, c, "/account/password")
		v := url.Values{"form_id": {id}, "current_password": {cur}, "new_password": {next}, "confirm_password": {confirm}}
		if withCSRF {
			v.Set("csrf_token", csrf)
		}
		return f.postForm(c, "/account/password", v)
	}
	unchanged := func(what string) {
		t.Helper()
		if !f.passwordIs(u, testPassword) {
			t.Errorf("%s: the password changed", what)
		}
		if n := f.sessionsOf(u); n != 2 {
			t.Errorf("%s: the user has %d sessions, want both kept", what, n)
		}
	}
	before := f.counts()
	for _, tc := range []struct {
		name, cur, next, confirm string
		csrf                     bool
		status                   int
		field, msg               string
	}{
		{"wrong current", "not my password", newPassword, newPassword, true, 400, "current_password", "The current password is wrong."},
		{"weak new", testPassword, "short", "short", true, 400, "new_password", "Password must be at least 12 characters."},
		{"mismatch", testPassword, newPassword, newPassword + "!", true, 400, "confirm_password", "The two new passwords are not the same."},
		{"no CSRF", testPassword, newPassword, newPassword, false, 403, "", ""},
	} {
		r := send(tc.cur, tc.next, tc.confirm, tc.csrf)
		if r.StatusCode != tc.status {
			t.Errorf("%s: got %d, want %d", tc.name, r.StatusCode, tc.status)
		}
		if tc.msg != "" && (!strings.Contains(r.body, html.EscapeString(tc.msg)) || !strings.Contains(r.body, `id="`+strings.ReplaceAll(tc.field, "_", "-")+`"`)) {
			t.Errorf("%s: the page does not show %q on %s", tc.name, tc.msg, tc.field)
		}
		for _, pw := range []string{tc.cur, tc.next} {
			if strings.Contains(r.body, `value="`+html.EscapeString(pw)+`"`) {
				t.Errorf("%s: the page echoes a password", tc.name)
			}
		}
		unchanged(tc.name)
	}
	f.wantUnchanged(before, "refused password changes")

	r := send(testPassword, newPassword, newPassword, true)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account/password" {
		t.Fatalf("change: got %d Location %q, want 303 to /account/password", r.StatusCode, r.Header.Get("Location"))
	}
	if page := f.get(c, "/account/password"); page.StatusCode != 200 || !strings.Contains(page.body, "Password changed.") {
		t.Errorf("after the change: this session got %d, want the page with the flash", page.StatusCode)
	}
	if r := f.get(other, "/"); !loginRedirect(r) {
		t.Errorf("the user's other session after the change: got %d, want sent to sign in", r.StatusCode)
	}
	if !f.passwordIs(u, newPassword) {
		t.Error("the new password is not stored")
	}
	if r := f.login(f.client(), u.Email, testPassword); r.StatusCode == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	if r := f.login(f.client(), u.Email, newPassword); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the new password: sign-in got %d, want 303", r.StatusCode)
	}
	evs, err := f.app.Store.FindEvents(sys(), lodestar.AuditFilter{Action: "change_password"})
	if err != nil || len(evs) != 1 || evs[0].ActorID != u.ID || evs[0].EntityID != strconv.FormatInt(u.ID, 10) {
		t.Fatalf("audit: %v %+v, want one change_password by and of the user", err, evs)
	}
	if all := evs[0].Before + evs[0].After; strings.Contains(all, newPassword) || strings.Contains(all, testPassword) || strings.Contains(all, "argon2") {
		t.Errorf("the audit entry holds a password or hash: %s", all)
	}

	// Locked after the sign-in limit of wrong current passwords: even
	// the right one is refused, and nothing changes.
	for i := 0; i < f.app.Store.Throttle.MaxFailures; i++ {
		if r := send("wrong guess", testPassword, testPassword, true); r.StatusCode != 400 {
			t.Fatalf("wrong guess %d: got %d, want 400", i+1, r.StatusCode)
		}
	}
	r = send(newPassword, testPassword, testPassword, true)
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many wrong current passwords.") {
		t.Errorf("past the limit: got %d, want 429 saying so", r.StatusCode)
	}
	if !f.passwordIs(u, newPassword) {
		t.Error("a locked change changed the password")
	}
}

// TestAdminResetsPassword: an administrator sets a new password for
// another user from /admin/users: every session of that user's ends, the
// new password signs in, and the reset is audited without it. Their own
// they change on their own page (the reset refuses it); a mismatch or a
// weak password is refused and changes nothing; any other role gets 403.
func TestAdminResetsPassword(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	target := f.user(lodestar.RoleAITeam, "team@example.com")
	c, csrf, _ := f.signIn(admin, time.Hour)
	tc, _, _ := f.signIn(target, time.Hour)
	path := "/admin/users/" + url.PathEscape(target.Email) + "/password"
	if r := f.get(c, "/admin/users"); !strings.Contains(r.body, `href="`+path+`"`) || !strings.Contains(r.body, `href="/account/password"`) {
		t.Error("/admin/users links no reset for the user, or no own password page for the admin")
	}
	send := func(c *http.Client, csrf, path, next, confirm string) *response {
		t.Helper()
		return f.postForm(c, path, url.Values{"csrf_token": {csrf}, "new_password": {next}, "confirm_password": {confirm}})
	}

	before := f.counts()
	for _, bad := range []struct{ next, confirm, msg string }{
		{newPassword, newPassword + "x", "The two new passwords are not the same."},
		{"short", "short", "Password must be at least 12 characters."},
	} {
		r := send(c, csrf, path, bad.next, bad.confirm)
		if r.StatusCode != 400 || !strings.Contains(r.body, html.EscapeString(bad.msg)) {
			t.Errorf("reset %q/%q: got %d, want 400 saying %q", bad.next, bad.confirm, r.StatusCode, bad.msg)
		}
	}
	// Their own: refused here (it would sign them out without asking for
	// the current password); the page shows the own-change form instead.
	self := "/admin/users/" + url.PathEscape(admin.Email) + "/password"
	if r := send(c, csrf, self, newPassword, newPassword); r.StatusCode != 400 || !strings.Contains(r.body, "Change your own password on your password page") {
		t.Errorf("reset of one's own: got %d, want 400 pointing to the own page", r.StatusCode)
	}
	if _, r := formPage(t, f, c, self); !strings.Contains(r.body, `action="/account/password"`) || !strings.Contains(r.body, `name="current_password"`) {
		t.Error("GET the reset page of one's own: want the own-change form")
	}
	// Other roles may not.
	for _, role := range []lodestar.Role{lodestar.RoleViewer, lodestar.RoleRiskOfficer, lodestar.RoleAITeam, lodestar.RoleCommittee} {
		u := f.user(role, "other-"+string(role)+"@example.com")
		oc, ocsrf, _ := f.signIn(u, time.Hour)
		if r := send(oc, ocsrf, path, newPassword, newPassword); r.StatusCode != http.StatusForbidden {
			t.Errorf("reset as %s: got %d, want 403", role, r.StatusCode)
		}
		if r := f.get(oc, path); r.StatusCode != http.StatusForbidden {
			t.Errorf("reset page as %s: got %d, want 403", role, r.StatusCode)
		}
		before.users++ // made here, audited
		before.audit++
	}
	f.wantUnchanged(before, "refused resets")
	if !f.passwordIs(target, testPassword) || f.sessionsOf(target) != 1 || !f.passwordIs(admin, testPassword) {
		t.Fatal("a refused reset changed a password or ended a session")
	}

	r := send(c, csrf, path, newPassword, newPassword)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/users" {
		t.Fatalf("reset: got %d Location %q, want 303 to /admin/users", r.StatusCode, r.Header.Get("Location"))
	}
	if n := f.sessionsOf(target); n != 0 {
		t.Errorf("the user's sessions after the reset: %d, want none", n)
	}
	if r := f.get(tc, "/"); !loginRedirect(r) {
		t.Errorf("the user's browser after the reset: got %d, want sent to sign in", r.StatusCode)
	}
	if r := f.get(c, "/admin/users"); r.StatusCode != 200 || !strings.Contains(r.body, "Password reset.") {
		t.Errorf("the admin after the reset: got %d, want the users page with the flash", r.StatusCode)
	}
	if r := f.login(f.client(), target.Email, newPassword); r.StatusCode != http.StatusSeeOther {
		t.Errorf("the new password: sign-in got %d, want 303", r.StatusCode)
	}
	evs, err := f.app.Store.FindEvents(sys(), lodestar.AuditFilter{Action: "set_password"})
	if err != nil || len(evs) != 1 || evs[0].ActorID != admin.ID || evs[0].EntityID != strconv.FormatInt(target.ID, 10) {
		t.Fatalf("audit: %v %+v, want one set_password by the admin of the user", err, evs)
	}
	if all := evs[0].Before + evs[0].After; strings.Contains(all, newPassword) || strings.Contains(all, "argon2") {
		t.Errorf("the audit entry holds the password or hash: %s", all)
	}
}

// TestPasswordPagesChinese: the password pages and their refusals read
// in Chinese.
func TestPasswordPagesChinese(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin, err := f.app.Store.CreateUser(sys(), lodestar.NewUser{Email: "admin@example.com", Name: "管理员", Role: lodestar.RoleAdmin, Password: testPassword, Locale: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	target := f.user(lodestar.RoleViewer, "v@example.com")
	c, csrf, _ := f.signIn(admin, time.Hour)
	_, own := formPage(t, f, c, "/account/password")
	_, reset := formPage(t, f, c, "/admin/users/"+url.PathEscape(target.Email)+"/password")
	wrong := f.postForm(c, "/account/password", url.Values{"csrf_token": {csrf}, "current_password": {"nope"}, "new_password": {newPassword}, "confirm_password": {newPassword}})
	differ := f.postForm(c, "/admin/users/"+url.PathEscape(target.Email)+"/password", url.Values{"csrf_token": {csrf}, "new_password": {newPassword}, "confirm_password": {"x"}})
	for name, tc := range map[string]struct {
		r    *response
		want []string
	}{
		"own":    {own, []string{"我的密码", "当前密码", "再次输入新密码", "修改密码"}},
		"reset":  {reset, []string{"重置密码", "v@example.com", "设置新密码"}},
		"wrong":  {wrong, []string{"当前密码不正确。"}},
		"differ": {differ, []string{"两次输入的新密码不一致。"}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.r.body, w) {
				t.Errorf("%s in Chinese: no %q", name, w)
			}
		}
		for _, en := range []string{"Current password", "New password", "The current password is wrong.", "The two new passwords"} {
			if strings.Contains(tc.r.body, en) {
				t.Errorf("%s in Chinese: English %q", name, en)
			}
		}
	}
}
