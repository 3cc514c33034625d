package sqldb

import (
	"database/sql/driver"
	"strings"

	"modernc.org/sqlite"
)

// sqliteLower is the name under which SQLite connections know
// strings.ToLower (registered for every connection the driver opens).
const sqliteLower = "lodestar_lower"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(sqliteLower, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		default: // NULL, or a number: as LOWER leaves them
			return v, nil
		}
	})
}

// Lower is the SQL expression that lower-cases the text of expr for a
// case-insensitive match on every letter, as strings.ToLower does the
// pattern's: "Équipe", "ÖL" and "Straße" as well as ASCII. SQLite's own
// LOWER changes ASCII letters only, so there it is strings.ToLower
// itself; PostgreSQL's LOWER changes every letter under a UTF-8 locale or
// ICU (its LC_CTYPE decides; "C" changes ASCII only, as SQLite's does).
func (d Dialect) Lower(expr string) string {
	if d == SQLite {
		return sqliteLower + "(" + expr + ")"
	}
	return "LOWER(" + expr + ")"
}
