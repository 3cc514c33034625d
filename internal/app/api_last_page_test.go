package app_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPIFullLastPage: a page of the most a page holds (200) that is the
// last has no next_cursor, and one with an item after it has — the
// use-case list, whose store reads at most 200 at once, in either order;
// and the audit log, which has no total, walked one entry at a time and
// by a limit its entries fill exactly.
func TestAPIFullLastPage(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAdmin, "admin@example.com"))
	for i := range 200 {
		f.useCase(fmt.Sprintf("Use case %03d", i))
	}
	for _, sort := range []string{"", "&sort=title"} {
		pg := fromJSON[rawPage](t, f.apiOK("GET", "/api/v1/use-cases?limit=200"+sort, tok, "", 200))
		if len(pg.Data) != 200 || pg.NextCursor != "" {
			t.Errorf("200 use cases, limit=200%s: %d items, next_cursor %q; want 200 and none", sort, len(pg.Data), pg.NextCursor)
		}
	}
	f.useCase("Use case 200")
	for _, sort := range []string{"", "&sort=title"} {
		pg := fromJSON[rawPage](t, f.apiOK("GET", "/api/v1/use-cases?limit=200"+sort, tok, "", 200))
		if len(pg.Data) != 200 || pg.NextCursor == "" {
			t.Fatalf("201 use cases, limit=200%s: %d items, next_cursor %q; want 200 and a cursor", sort, len(pg.Data), pg.NextCursor)
		}
		next := fromJSON[rawPage](t, f.apiOK("GET", "/api/v1/use-cases?limit=200"+sort+"&cursor="+url.QueryEscape(pg.NextCursor), tok, "", 200))
		if len(next.Data) != 1 || next.NextCursor != "" {
			t.Errorf("201 use cases, second page%s: %d items, next_cursor %q; want 1 and none", sort, len(next.Data), next.NextCursor)
		}
		t.Run("walk"+sort, func(t *testing.T) {
			path := "/api/v1/use-cases"
			if sort != "" {
				path += "?" + sort[1:]
			}
			if items, total := f.with(t).walk(path, tok, 67); len(items) != 201 || total != 201 {
				t.Errorf("201 use cases walked by 67: %d items, total %d", len(items), total)
			}
		})
	}

	// The audit log: 201 entries for the use cases, filtered to them.
	const audit = "/api/v1/audit?entity_type=use_case"
	type auditPage struct {
		Data       []json.RawMessage `json:"data"`
		NextCursor string            `json:"next_cursor"`
	}
	for _, limit := range []int{1, 67} {
		n, cursor := 0, ""
		for pages := 1; ; pages++ {
			p := fmt.Sprintf("%s&limit=%d", audit, limit)
			if cursor != "" {
				p += "&cursor=" + cursor
			}
			pg := fromJSON[auditPage](t, f.apiOK("GET", p, tok, "", 200))
			if cursor != "" && len(pg.Data) == 0 {
				t.Fatalf("GET %s: the previous page's next_cursor led to an empty page", p)
			}
			n += len(pg.Data)
			if pg.NextCursor == "" {
				break
			}
			if n >= 201 {
				t.Fatalf("GET %s: next_cursor %q after all %d entries", p, pg.NextCursor, n)
			}
			cursor = pg.NextCursor
		}
		if n != 201 {
			t.Errorf("audit walked by %d: %d entries, want 201", limit, n)
		}
	}
}
