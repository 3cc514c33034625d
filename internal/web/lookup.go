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

// ActiveUnits are the units a form may choose.
func (l *lookups) ActiveUnits() []*lodestar.BusinessUnit {
	var out []*lodestar.BusinessUnit
	for _, u := range l.Units {
		if !u.Archived {
			out = append(out, u)
		}
	}
	return out
}

// ActiveUsers are the users a form may choose.
func (l *lookups) ActiveUsers() []*lodestar.User {
	var out []*lodestar.User
	for _, u := range l.Users {
		if !u.Disabled {
			out = append(out, u)
		}
	}
	return out
}

// ActiveKPIs are the KPIs a form may choose.
func (l *lookups) ActiveKPIs() []*lodestar.KPI {
	var out []*lodestar.KPI
	for _, k := range l.KPIs {
		if !k.Archived {
			out = append(out, k)
		}
	}
	return out
}

// ActivePains are the pain points a form may choose.
func (l *lookups) ActivePains() []*lodestar.PainPoint {
	var out []*lodestar.PainPoint
	for _, p := range l.Pains {
		if !p.Archived {
			out = append(out, p)
		}
	}
	return out
}
