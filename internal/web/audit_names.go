package web

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
)

// auditPaths are the pages of the records an audit entry can be about,
// by entity type.
var auditPaths = map[string]string{
	"use_case": "/use-cases/", "business_unit": "/business-units/", "goal": "/goals/", "kpi": "/kpis/",
	"pain_point": "/pain-points/", "model": "/models/", "model_version": "/model-versions/",
	"experiment": "/experiments/", "fairness_audit": "/fairness-audits/", "explanation_report": "/explanations/",
}

// AuditName is what an audit entry's record is called, read from the
// record as the entry saved it (after the change, or before it for a
// deletion): its Chinese title or name on Chinese pages when it has
// one, else its title, name, key, version or e-mail; "" when it has
// none of these (the page then shows the record's number alone). A user
// still on the server is named by their name, else e-mail, whatever the
// entry saved.
func (p *Page) AuditName(ev *lodestar.AuditEvent) string {
	// People and their tokens are named only to those who may read the
	// audit log: the dashboard's changes are shown to every signed-in
	// user, who would otherwise learn other users' e-mails and token
	// names there.
	if (ev.EntityType == "user" || ev.EntityType == "api_token") && !auth.Allowed(p.ID.Role(), auth.AuditRead) {
		return ""
	}
	// A user is named as everywhere else, from the directory (a sign-in's
	// entry records no name: it read "User 10" beside named changes).
	if ev.EntityType == "user" {
		if id, err := strconv.ParseInt(ev.EntityID, 10, 64); err == nil {
			if u := p.lookup(id); u != nil {
				return personLabel(u)
			}
		}
	}
	rec := map[string]any{}
	if json.Unmarshal([]byte(ev.After), &rec) != nil || len(rec) == 0 {
		rec = map[string]any{}
		_ = json.Unmarshal([]byte(ev.Before), &rec)
	}
	keys := []string{"title", "name", "key", "version", "email"}
	if p.ID.Locale == "zh-CN" {
		keys = append([]string{"title_zh", "name_zh"}, keys...)
	}
	for _, k := range keys {
		if s, ok := rec[k].(string); ok && s != "" {
			return s
		}
	}
	if ev.EntityType == "user" {
		if id, err := strconv.ParseInt(ev.EntityID, 10, 64); err == nil {
			if u := p.lookup(id); u != nil {
				return personLabel(u)
			}
		}
	}
	return p.liveNames[ev.EntityType+":"+ev.EntityID]
}

// liveAuditNames reads the names of the records of events whose entry
// holds none (an experiment's "added data" entry holds the rows added),
// from the records as they are now, for AuditName; a record gone or
// unreadable stays shown by its number.
func (s *Server) liveAuditNames(ctx context.Context, p *Page, evs []*lodestar.AuditEvent) map[string]string {
	out := map[string]string{}
	for _, ev := range evs {
		key := ev.EntityType + ":" + ev.EntityID
		id, err := strconv.ParseInt(ev.EntityID, 10, 64)
		if _, done := out[key]; done || err != nil || p.AuditName(ev) != "" {
			continue
		}
		switch ev.EntityType {
		case "experiment":
			if e, err := s.Experiments.FindExperimentByID(ctx, id); err == nil {
				out[key] = e.Name
			}
		case "use_case":
			if uc, err := s.UseCases.FindUseCaseByID(ctx, id); err == nil {
				out[key] = p.Name(uc.Title, uc.TitleZH)
			}
		case "model":
			if m, err := s.Models.FindModelByID(ctx, id); err == nil {
				out[key] = m.Name
			}
		case "model_version":
			if v, err := s.Models.FindModelVersionByID(ctx, id); err == nil {
				out[key] = v.Version
			}
		}
	}
	return out
}

// AuditLabel is how an audit entry's record is shown: its name
// (AuditName), else its number; nothing for a person or token hidden
// from the reader (a bare "user 1" reads as a fault, and says no more).
func (p *Page) AuditLabel(ev *lodestar.AuditEvent) string {
	if n := p.AuditName(ev); n != "" {
		return n
	}
	if (ev.EntityType == "user" || ev.EntityType == "api_token") && !auth.Allowed(p.ID.Role(), auth.AuditRead) {
		return ""
	}
	return ev.EntityID
}

// AuditHref is the page of an audit entry's record, "" when it has none
// (users, tokens, switches and the like are shown without a link).
func (p *Page) AuditHref(ev *lodestar.AuditEvent) string {
	base, ok := auditPaths[ev.EntityType]
	if !ok {
		return ""
	}
	if _, err := strconv.ParseInt(ev.EntityID, 10, 64); err != nil {
		return ""
	}
	return fmt.Sprintf("%s%s", base, ev.EntityID)
}
