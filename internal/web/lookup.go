package web

import (
	"context"

	lodestar "github.com/lodestar-hq/lodestar"
)

// lookups are the names a use-case page shows for the IDs it holds, and
// the choices its form offers.
type lookups struct {
	Units   []*lodestar.BusinessUnit
	Users   []*lodestar.User
	KPIs    []*lodestar.KPI
	Pains   []*lodestar.PainPoint
	unit    map[int64]*lodestar.BusinessUnit
	user    map[int64]*lodestar.User
	kpi     map[int64]*lodestar.KPI
	pain    map[int64]*lodestar.PainPoint
	withAll bool
}

// loadLookups reads business units always, and users, KPIs and pain
// points when full is set (forms and detail pages).
func (s *Server) loadLookups(ctx context.Context, full bool) (*lookups, error) {
	l := &lookups{unit: map[int64]*lodestar.BusinessUnit{}, user: map[int64]*lodestar.User{}, kpi: map[int64]*lodestar.KPI{},
		pain: map[int64]*lodestar.PainPoint{}, withAll: full}
	var err error
	if l.Units, err = s.Units.ListBusinessUnits(ctx, lodestar.ListFilter{Archived: true}); err != nil {
		return nil, err
	}
	for _, u := range l.Units {
		l.unit[u.ID] = u
	}
	if !full {
		return l, nil
	}
	if l.Users, err = s.Users.ListUsers(ctx); err != nil {
		return nil, err
	}
	for _, u := range l.Users {
		l.user[u.ID] = u
	}
	if l.KPIs, err = s.KPIs.ListKPIs(ctx, lodestar.ListFilter{Archived: true}); err != nil {
		return nil, err
	}
	for _, k := range l.KPIs {
		l.kpi[k.ID] = k
	}
	if l.Pains, err = s.Pains.ListPainPoints(ctx, lodestar.ListFilter{Archived: true}); err != nil {
		return nil, err
	}
	for _, p := range l.Pains {
		l.pain[p.ID] = p
	}
	return l, nil
}

// Unit returns a business unit by ID, or nil.
func (l *lookups) Unit(id int64) *lodestar.BusinessUnit { return l.unit[id] }

// User returns a user by ID, or nil.
func (l *lookups) User(id int64) *lodestar.User { return l.user[id] }

// KPI returns a KPI by ID, or nil.
func (l *lookups) KPI(id int64) *lodestar.KPI { return l.kpi[id] }

// Pain returns a pain point by ID, or nil.
func (l *lookups) Pain(id int64) *lodestar.PainPoint { return l.pain[id] }

// The choices a form offers are the live records, and any it holds
// already that are archived or disabled: listed so the form shows what
// is stored, and saving it for another change does not drop them without
// a word (the service then names what is no longer usable).

// ActiveUnits are the units a form may choose, with keep.
func (l *lookups) ActiveUnits(keep int64) []*lodestar.BusinessUnit {
	var out []*lodestar.BusinessUnit
	for _, u := range l.Units {
		if !u.Archived || u.ID == keep {
			out = append(out, u)
		}
	}
	return out
}

// ActiveUsers are the users a form may choose, with keep.
func (l *lookups) ActiveUsers(keep int64) []*lodestar.User {
	var out []*lodestar.User
	for _, u := range l.Users {
		if !u.Disabled || u.ID == keep {
			out = append(out, u)
		}
	}
	return out
}

// ActiveKPIs are the KPIs a form may choose, with keep.
func (l *lookups) ActiveKPIs(keep int64) []*lodestar.KPI {
	var out []*lodestar.KPI
	for _, k := range l.KPIs {
		if !k.Archived || k.ID == keep {
			out = append(out, k)
		}
	}
	return out
}

// ActivePains are the pain points a form may choose, with those in keep.
func (l *lookups) ActivePains(keep map[int64]bool) []*lodestar.PainPoint {
	var out []*lodestar.PainPoint
	for _, p := range l.Pains {
		if !p.Archived || keep[p.ID] {
			out = append(out, p)
		}
	}
	return out
}
