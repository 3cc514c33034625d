package app_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestUseCaseImpactNumbersStrict: the use-case form reads an impact's
// change and confidence as the other forms read a number, not as
// strconv.ParseFloat does: NaN, infinities, 1e999, hexadecimal floats
// (0x1p3 was stored as 8) and underscores are refused on their field, in
// the user's language, with what was typed kept and nothing written;
// decimals, negatives and exponents still save.
func TestUseCaseImpactNumbersStrict(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	k, err := f.app.Store.CreateKPI(sys(), lodestar.KPI{Name: "Churn", Unit: "%", Direction: lodestar.DirectionDown, Baseline: 10, Target: 5, TargetDate: "2030-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(admin, time.Hour)
	post := func(c *http.Client, csrf, title, change, confidence string) *response {
		return f.postForm(c, "/use-cases", url.Values{"csrf_token": {csrf}, "title": {title}, "stage": {"idea"},
			"impact_kpi_0": {fmt.Sprint(k.ID)}, "impact_change_0": {change}, "impact_confidence_0": {confidence}})
	}
	const (
		changeMsg = `id="impacts-0-change-error">The promised change must be a non-zero number.`
		confMsg   = `id="impacts-0-confidence-error">Confidence runs from 0 to 1.`
		tinyMsg   = "Too small to store: a number this close to 0 reads as 0."
	)
	for _, tc := range []struct {
		name, change, confidence, want string
	}{
		{"hex change", "0x1p3", "0.5", changeMsg},
		{"hex change with underscore", "0x1_0p-4", "0.5", changeMsg},
		{"underscore change", "1_000", "0.5", changeMsg},
		{"NaN change", "NaN", "0.5", changeMsg},
		{"infinite change", "Inf", "0.5", changeMsg},
		{"-infinity change", "-infinity", "0.5", changeMsg},
		{"overflowing change", "1e999", "0.5", changeMsg},
		{"underflowing change", "1e-999", "0.5", `id="impacts-0-change-error">` + tinyMsg},
		{"hex confidence", "-2", "0x1p-1", confMsg},
		{"NaN confidence", "-2", "nan", confMsg},
		{"infinite confidence", "-2", "+Inf", confMsg},
		{"underscore confidence", "-2", "0x0_1p-4", confMsg},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			before := f.strategyCounts()
			r := post(c, csrf, "Typed title", tc.change, tc.confidence)
			if r.StatusCode != http.StatusBadRequest {
				t.Fatalf("change %q, confidence %q: got %d, want 400", tc.change, tc.confidence, r.StatusCode)
			}
			wantShown(t, r, tc.name, tc.want, `value="Typed title"`, `value="`+tc.change+`"`, `value="`+tc.confidence+`"`)
			f.wantStrategyUnchanged(before, tc.name)
		})
	}

	t.Run("in Chinese", func(t *testing.T) {
		f := f.with(t)
		zh := f.user(lodestar.RoleAdmin, "zh@example.com")
		if err := f.app.Store.SetLocale(sys(), zh.ID, "zh-CN"); err != nil {
			t.Fatal(err)
		}
		c, csrf, _ := f.signIn(zh, time.Hour)
		before := f.strategyCounts()
		r := post(c, csrf, "Typed title", "0x1p3", "0x1p-1")
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("got %d, want 400", r.StatusCode)
		}
		wantShown(t, r, "Chinese", `id="impacts-0-change-error">承诺变化必须是非零数字。`, `id="impacts-0-confidence-error">置信度取值 0 到 1。`)
		f.wantStrategyUnchanged(before, "a refused use case in Chinese")
	})

	// Valid numbers save as typed: a negative change, an exponent, a
	// confidence left empty (0.5).
	for i, tc := range []struct {
		change, confidence   string
		wantChange, wantConf float64
	}{{"-2.5", "0.8", -2.5, 0.8}, {" 1e1 ", "1", 10, 1}, {"3", "", 3, 0.5}} {
		title := fmt.Sprintf("Saved %d", i)
		r := post(c, csrf, title, tc.change, tc.confidence)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("change %q, confidence %q: got %d, want 303; %s", tc.change, tc.confidence, r.StatusCode, firstFieldError(r.body))
		}
		ucs, _, err := f.app.Store.FindUseCases(sys(), lodestar.UseCaseFilter{Query: title, Limit: 10})
		if err != nil || len(ucs) != 1 || len(ucs[0].Impacts) != 1 {
			t.Fatalf("%s: got %v, %v; want one use case with one impact", title, ucs, err)
		}
		if got := ucs[0].Impacts[0]; got.Change != tc.wantChange || got.Confidence != tc.wantConf {
			t.Errorf("%s: stored change %v, confidence %v; want %v, %v", title, got.Change, got.Confidence, tc.wantChange, tc.wantConf)
		}
	}
}

// firstFieldError is the first field error a page shows, for a message.
func firstFieldError(body string) string {
	_, rest, ok := strings.Cut(html.UnescapeString(body), `class="field-error"`)
	if !ok {
		return "no field error shown"
	}
	end := strings.Index(rest, "</p>")
	if end < 0 {
		end = len(rest)
	}
	return rest[:end]
}
