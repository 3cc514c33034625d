package app_test

import (
	"fmt"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPICursorBeyondInt: a cursor past every item answers an empty last
// page with the list's total, however large the cursor, for the lists
// whose cursor is an offset: the use cases in an order asked for, and the
// lists paged in memory (business units here). On 32-bit platforms a cursor of 2^31 or more used to be
// cut to an int: 2^31 a negative offset (a 500 from the in-memory lists),
// 2^32+1 an offset of 1 (the list again from its second item).
func TestAPICursorBeyondInt(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAdmin, "admin@example.com"))
	for i := range 3 {
		f.useCase(fmt.Sprintf("Use case %d", i))
		f.apiOK("POST", "/api/v1/business-units", tok, fmt.Sprintf(`{"name":"Unit %d"}`, i), 201)
	}
	for _, list := range []string{"/api/v1/use-cases?sort=title&", "/api/v1/business-units?"} {
		all := fromJSON[rawPage](t, f.apiOK("GET", list+"limit=200", tok, "", 200))
		if len(all.Data) != 3 || all.Total == nil || *all.Total != 3 {
			t.Fatalf("GET %slimit=200: %d items, total %s; want 3 and 3", list, len(all.Data), totalText(all.Total))
		}
		for _, cursor := range []string{"2147483647", "2147483648", "4294967297", "9223372036854775807"} {
			path := list + "cursor=" + cursor
			pg := fromJSON[rawPage](t, f.apiOK("GET", path, tok, "", 200))
			if len(pg.Data) != 0 || pg.NextCursor != "" || pg.Total == nil || *pg.Total != 3 {
				t.Errorf("GET %s: %d items, next_cursor %q, total %s; want none, none and 3", path, len(pg.Data), pg.NextCursor, totalText(pg.Total))
			}
		}
	}
}

func totalText(n *int) string {
	if n == nil {
		return "none"
	}
	return fmt.Sprint(*n)
}
