package web

import (
	"html"
	"html/template"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// A form refused with field errors is shown again with each bad control
// marked through Page.Invalid and each message shown through
// Page.FieldError: the control gets aria-invalid and aria-describedby
// naming its message, the first bad control on the page gets autofocus
// (keyboard and screen-reader users land on it, not at the top of the
// page), and the page's error summary (the layout's alert) links to
// every bad control. The page's content is rendered before the layout,
// so the summary knows the controls and their labels.

// fieldMarks is what the templates said about the page's field errors,
// in document order.
type fieldMarks struct {
	keys    []string          // field keys, in the order first marked or shown
	control map[string]string // field key → ID of its control
	shown   map[string]bool   // field key → its message is on the page
	focused bool              // a control has autofocus
	ids     map[string]string // field key → ID of its message, when not errID's (InvalidUnder)
}

// idOf is the ID of the element that shows field key's message.
func (m *fieldMarks) idOf(key string) string {
	if id, ok := m.ids[key]; ok {
		return id
	}
	return errID(key)
}

func (p *Page) marks() *fieldMarks {
	if p.fm == nil {
		p.fm = &fieldMarks{control: map[string]string{}, shown: map[string]bool{}}
	}
	return p.fm
}

func (m *fieldMarks) note(key string) {
	if _, ok := m.control[key]; ok || m.shown[key] {
		return
	}
	m.keys = append(m.keys, key)
}

// errorIDChars are the characters a field key may keep in an element ID.
var errorIDChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// ErrID is the ID of the element that shows field key's message: the key
// with anything but letters, digits, '_' and '-' made '-', then "-error"
// ("title" → "title-error", "impacts[0].kpi_id" → "impacts-0-kpi_id-error").
func (p *Page) ErrID(key string) string {
	m := p.marks()
	m.note(key)
	m.shown[key] = true
	return errID(key)
}

func errID(key string) string {
	return strings.Trim(errorIDChars.ReplaceAllString(key, "-"), "-") + "-error"
}

// bad is field key's message, "" when it has none.
func (p *Page) bad(key string) string { return p.Fields[key] }

// Invalid returns the attributes of the control with the given id for
// the field errors named by keys (one key, or several separated by
// spaces, for a control that answers for several fields): nothing when
// none has an error; else aria-invalid="true", aria-describedby naming
// each message (after describedBy, the IDs of the control's help texts,
// which it names in any case; empty ones are skipped) and, on the page's
// first bad control, autofocus. Each key marked must also be shown with
// FieldError or ErrID.
func (p *Page) Invalid(keys, id string, describedBy ...string) template.HTMLAttr {
	return p.invalid(strings.Fields(keys), id, describedBy)
}

// InvalidUnder is Invalid for every field error under prefix: prefix's
// own and those of its members, keyed prefix + "." + a name (a card's
// metrics, "card.evaluation_metrics.mae", each under its name as sent,
// which may hold spaces or be blank). Each is shown with
// FieldErrorsUnder.
func (p *Page) InvalidUnder(prefix, id string, describedBy ...string) template.HTMLAttr {
	return p.invalid(p.under(prefix), id, describedBy)
}

// under lists the keys of the field errors under prefix, prefix's own
// first, then its members' by name, and gives each member's message an
// ID of its own: prefix's errID and its place ("card-evaluation_metrics-error-1"),
// since a name made an ID may be any text, or none.
func (p *Page) under(prefix string) []string {
	var keys []string
	if p.bad(prefix) != "" {
		keys = append(keys, prefix)
	}
	var members []string
	for k, msg := range p.Fields {
		if msg != "" && strings.HasPrefix(k, prefix+".") {
			members = append(members, k)
		}
	}
	sort.Strings(members)
	m := p.marks()
	if m.ids == nil {
		m.ids = map[string]string{}
	}
	for i, k := range members {
		m.ids[k] = errID(prefix) + "-" + strconv.Itoa(i+1)
	}
	return append(keys, members...)
}

// FieldErrorsUnder is FieldError for every field error under prefix (see
// InvalidUnder), one paragraph each, in under's order.
func (p *Page) FieldErrorsUnder(prefix string) template.HTML {
	var b strings.Builder
	m := p.marks()
	for _, k := range p.under(prefix) {
		m.note(k)
		m.shown[k] = true
		b.WriteString(`<p class="field-error" id="` + m.idOf(k) + `">` + html.EscapeString(p.Msg(p.bad(k))) + `</p>`)
	}
	return template.HTML(b.String())
}

func (p *Page) invalid(keys []string, id string, describedBy []string) template.HTMLAttr {
	var ids []string
	for _, d := range describedBy {
		if d != "" {
			ids = append(ids, d)
		}
	}
	invalid := false
	m := p.marks()
	for _, k := range keys {
		if p.bad(k) == "" {
			continue
		}
		invalid = true
		ids = append(ids, m.idOf(k))
		m.note(k)
		if _, ok := m.control[k]; !ok {
			m.control[k] = id
		}
	}
	var b strings.Builder
	if len(ids) > 0 {
		b.WriteString(` aria-describedby="` + html.EscapeString(strings.Join(ids, " ")) + `"`)
	}
	if invalid {
		b.WriteString(` aria-invalid="true"`)
		if !m.focused {
			m.focused = true
			b.WriteString(" autofocus")
		}
	}
	return template.HTMLAttr(b.String())
}

// FieldError is field key's message, translated, in its paragraph (whose
// ID is ErrID's); nothing when the field has no error.
func (p *Page) FieldError(key string) template.HTML {
	msg := p.bad(key)
	if msg == "" {
		return ""
	}
	return template.HTML(`<p class="field-error" id="` + p.ErrID(key) + `">` + html.EscapeString(p.Msg(msg)) + `</p>`)
}

// Focused reports whether a control on the page has autofocus; the
// layout gives it to the error summary otherwise.
func (p *Page) Focused() bool { return p.fm != nil && p.fm.focused }

// SummaryItem is one line of a form's error summary: the field's label
// (as its page shows it; "" when it has none), its message (translated)
// and where the line leads: the field's control, or its message when the
// field has no control of its own.
type SummaryItem struct {
	Label, Message, Href string
}

// ErrorSummary lists the page's field errors in the order the page shows
// them, each leading to its field.
func (p *Page) ErrorSummary() []SummaryItem {
	if p.fm == nil {
		return nil
	}
	var out []SummaryItem
	for _, k := range p.fm.keys {
		msg := p.bad(k)
		if msg == "" {
			continue
		}
		it := SummaryItem{Message: p.Msg(msg)}
		if id, ok := p.fm.control[k]; ok && id != "" {
			it.Href, it.Label = "#"+id, controlLabel(string(p.Body), id)
		} else if p.fm.shown[k] {
			it.Href = "#" + p.fm.idOf(k)
		}
		out = append(out, it)
	}
	return out
}

var (
	tagRE   = regexp.MustCompile(`<[^>]*>`)
	spaceRE = regexp.MustCompile(`\s+`)
)

// controlLabel is the text of the label of the control with the given
// ID in a rendered page: its <label for=…>, else its aria-label.
func controlLabel(body, id string) string {
	q := regexp.QuoteMeta(html.EscapeString(id))
	if m := regexp.MustCompile(`(?s)<label\b[^>]*\bfor="` + q + `"[^>]*>(.*?)</label>`).FindStringSubmatch(body); m != nil {
		return strings.TrimSpace(spaceRE.ReplaceAllString(html.UnescapeString(tagRE.ReplaceAllString(m[1], " ")), " "))
	}
	if tag := regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*\bid="` + q + `"[^>]*>`).FindString(body); tag != "" {
		if m := regexp.MustCompile(`\baria-label="([^"]*)"`).FindStringSubmatch(tag); m != nil {
			return html.UnescapeString(m[1])
		}
	}
	return ""
}
