package web

import (
	"errors"
	"html/template"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

func TestPerson(t *testing.T) {
	named := &lodestar.User{ID: 1, Email: "li.na@example.com", Name: "Li Na 李娜"}
	bare := &lodestar.User{ID: 2, Email: "ops@example.com"}
	odd := &lodestar.User{ID: 3, Email: "x@example.com", Name: `<b>"Bold"</b>`}
	loads := 0
	p := &Page{ID: &httpx.Identity{Locale: "en"}, bundle: i18n.MustLoad(), people: &people{load: func() ([]*lodestar.User, error) {
		loads++
		return []*lodestar.User{named, bare, odd}, nil
	}}}
	for _, c := range []struct {
		name  string
		who   any
		html  template.HTML
		plain string
	}{
		{"a named user by e-mail", "li.na@example.com", `<span class="person" title="li.na@example.com">Li Na 李娜</span>`, "Li Na 李娜"},
		{"an e-mail in another case", " Li.Na@Example.com", `<span class="person" title="li.na@example.com">Li Na 李娜</span>`, "Li Na 李娜"},
		{"a named user by ID", int64(1), `<span class="person" title="li.na@example.com">Li Na 李娜</span>`, "Li Na 李娜"},
		{"a user", named, `<span class="person" title="li.na@example.com">Li Na 李娜</span>`, "Li Na 李娜"},
		{"a user without a name", "ops@example.com", "ops@example.com", "ops@example.com"},
		{"markup in a name", odd, `<span class="person" title="x@example.com">&lt;b&gt;&#34;Bold&#34;&lt;/b&gt;</span>`, `<b>"Bold"</b>`},
		{"the system, in the page's language", "system", "System", "System"},
		{"an unknown e-mail", "gone@example.com", "gone@example.com", "gone@example.com"},
		{"markup for an e-mail", "<i>x</i>", "&lt;i&gt;x&lt;/i&gt;", "<i>x</i>"},
		{"an unknown ID", int64(99), "", ""},
		{"no ID", int64(0), "", ""},
		{"no user", (*lodestar.User)(nil), "", ""},
	} {
		if got := p.Person(c.who); got != c.html {
			t.Errorf("%s: Person(%#v) = %q, want %q", c.name, c.who, got, c.html)
		}
		if got := p.PersonName(c.who); got != c.plain {
			t.Errorf("%s: PersonName(%#v) = %q, want %q", c.name, c.who, got, c.plain)
		}
	}
	zh := &Page{ID: &httpx.Identity{Locale: "zh-CN"}, bundle: i18n.MustLoad(), people: p.people}
	if got := zh.Person("system"); got != "系统" {
		t.Errorf("Chinese page: Person(system) = %q, want 系统", got)
	}
	if loads != 1 {
		t.Errorf("the users were read %d times for one page, want once", loads)
	}

	// When the users cannot be read, people are shown as recorded.
	failing := &Page{people: &people{load: func() ([]*lodestar.User, error) { return nil, errors.New("down") }}}
	if got := failing.Person("li.na@example.com"); got != "li.na@example.com" {
		t.Errorf("users unreadable: Person = %q, want the e-mail", got)
	}
}
