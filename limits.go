package lodestar

// Text limits the store enforces, in characters after leading and
// trailing spaces are trimmed, and the API's OpenAPI document states: one
// constant for both, so that the document cannot promise what the server
// refuses.
const (
	// MaxTitle bounds a use case's, goal's or pain point's title, a
	// KPI's, model's or monitor's name, and each in the other language.
	MaxTitle = 200
	// MaxDescription bounds a description.
	MaxDescription = 10000
	// MaxUnitName bounds a business unit's name, in either language.
	MaxUnitName = 120
	// MaxKPIUnit bounds a KPI's unit (%, EUR, minutes …).
	MaxKPIUnit = 40
	// MaxWebhookURL bounds a monitor's webhook address.
	MaxWebhookURL = 2000
)
