package lodestar

import "encoding/json"

// The records' JSON carries every field a PUT must send back, so that a
// client can send a record as GET returned it: an empty Chinese name as
// "", and a reference to no record (a use case in no business unit, a
// KPI under no goal) as null — not left out, as omitempty did, which a
// PUT refuses (it replaces the whole record, and a field left out would
// erase it).
//
// A struct that embeds one of these types takes its MarshalJSON as its
// own, and its other fields are dropped from its JSON: name the field
// instead (or add to the record's JSON object, as the risk assessment's
// audit entry does).

// idOrNull is an ID, or nil for none (0).
func idOrNull(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// MarshalJSON writes the use case with its empty references as null.
func (u UseCase) MarshalJSON() ([]byte, error) {
	type plain UseCase
	return json.Marshal(struct {
		plain
		TitleZH        string `json:"title_zh"`
		BusinessUnitID *int64 `json:"business_unit_id"`
		SponsorID      *int64 `json:"sponsor_id"`
		AILeadID       *int64 `json:"ai_lead_id"`
	}{plain(u), u.TitleZH, idOrNull(u.BusinessUnitID), idOrNull(u.SponsorID), idOrNull(u.AILeadID)})
}

// MarshalJSON writes the unit with no parent as null.
func (b BusinessUnit) MarshalJSON() ([]byte, error) {
	type plain BusinessUnit
	return json.Marshal(struct {
		plain
		NameZH   string `json:"name_zh"`
		ParentID *int64 `json:"parent_id"`
	}{plain(b), b.NameZH, idOrNull(b.ParentID)})
}

// MarshalJSON writes the goal with its empty references as null.
func (g Goal) MarshalJSON() ([]byte, error) {
	type plain Goal
	return json.Marshal(struct {
		plain
		TitleZH        string `json:"title_zh"`
		BusinessUnitID *int64 `json:"business_unit_id"`
		OwnerID        *int64 `json:"owner_id"`
	}{plain(g), g.TitleZH, idOrNull(g.BusinessUnitID), idOrNull(g.OwnerID)})
}

// MarshalJSON writes the KPI with its empty references as null.
func (k KPI) MarshalJSON() ([]byte, error) {
	type plain KPI
	return json.Marshal(struct {
		plain
		GoalID  *int64 `json:"goal_id"`
		NameZH  string `json:"name_zh"`
		OwnerID *int64 `json:"owner_id"`
	}{plain(k), idOrNull(k.GoalID), k.NameZH, idOrNull(k.OwnerID)})
}

// MarshalJSON writes the pain point with no goal as null.
func (p PainPoint) MarshalJSON() ([]byte, error) {
	type plain PainPoint
	return json.Marshal(struct {
		plain
		TitleZH string `json:"title_zh"`
		GoalID  *int64 `json:"goal_id"`
	}{plain(p), p.TitleZH, idOrNull(p.GoalID)})
}
