package web

import (
	"context"
	"html"
	"html/template"

	lodestar "github.com/lodestar-hq/lodestar"
)

// people is a page's directory of users, read once when the page first
// names someone.
type people struct {
	load    func() ([]*lodestar.User, error)
	loaded  bool
	byEmail map[string]*lodestar.User
	byID    map[int64]*lodestar.User
}

func (s *Server) newPeople(ctx context.Context) *people {
	return &people{load: func() ([]*lodestar.User, error) {
		if s.Users == nil {
			return nil, nil
		}
		return s.Users.ListUsers(ctx)
	}}
}

func (d *people) index() {
	if d.loaded {
		return
	}
	d.loaded = true
	d.byEmail, d.byID = map[string]*lodestar.User{}, map[int64]*lodestar.User{}
	users, err := d.load()
	if err != nil {
		return // the page names people by what it has: their e-mails
	}
	for _, u := range users {
		d.byEmail[lodestar.NormalizeEmail(u.Email)] = u
		d.byID[u.ID] = u
	}
}

// lookup finds the user who names: a user, a user ID or an e-mail.
func (p *Page) lookup(who any) *lodestar.User {
	switch w := who.(type) {
	case *lodestar.User:
		return w
	case string:
		if p.people != nil && w != "" {
			p.people.index()
			return p.people.byEmail[lodestar.NormalizeEmail(w)]
		}
	case int64:
		if p.people != nil && w != 0 {
			p.people.index()
			return p.people.byID[w]
		}
	}
	return nil
}

// Person shows someone the page names — by e-mail (as audit entries,
// switches and alerts record who acted), by user ID, or as a user — by
// their name, with their e-mail as the name's title; by the e-mail alone
// when they have no name; and as given when no user has that e-mail (the
// "system" actor, a deleted user), or "" for an unknown ID: one way on
// every page.
func (p *Page) Person(who any) template.HTML {
	u := p.lookup(who)
	switch {
	case u == nil:
		label, _ := who.(string)
		return template.HTML(html.EscapeString(p.actorLabel(label)))
	case u.Name == "":
		return template.HTML(html.EscapeString(u.Email))
	}
	return template.HTML(`<span class="person" title="` + html.EscapeString(u.Email) + `">` + html.EscapeString(u.Name) + `</span>`)
}

// PersonName is Person as plain text, for where markup cannot go (a
// select's option): the name, else the e-mail.
func (p *Page) PersonName(who any) string {
	u := p.lookup(who)
	switch {
	case u == nil:
		label, _ := who.(string)
		return p.actorLabel(label)
	}
	return personLabel(u)
}

// personLabel is how a user is named in plain text: their name, else
// their e-mail.
func personLabel(u *lodestar.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// actorLabel is how an actor that is no user is named: the server's own
// "system" in the page's language, anything else as recorded.
func (p *Page) actorLabel(label string) string {
	if label == "system" {
		return p.T("audit.actor_system")
	}
	return label
}
