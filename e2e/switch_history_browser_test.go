package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// switchHistoryJS measures the switch's flip history on the model page: the
// box's sideways scroll, the headers and cells that wrap where they should
// not. A text's lines are its height over its line height.
const switchHistoryJS = `(() => {
	const out = {rows: 0, scrolls: "", problems: []};
	const table = document.querySelector("#switch-history"), box = table.parentElement;
	if (box.scrollWidth > box.clientWidth + 1) out.scrolls = box.scrollWidth + " > " + box.clientWidth;
	const lines = el => {
		const r = document.createRange();
		r.selectNodeContents(el);
		return Math.round(r.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight));
	};
	const heads = [...table.querySelectorAll("thead th")];
	for (const th of heads) if (lines(th) > 2) out.problems.push("header " + th.textContent.trim() + ": " + lines(th) + " lines");
	// Two-word headers ("途径", "Via") stay whole.
	for (const i of [0, 1, 2, 4]) if (lines(heads[i]) > 1) out.problems.push("header " + heads[i].textContent.trim() + ": " + lines(heads[i]) + " lines");
	for (const tr of table.querySelectorAll("tbody tr")) {
		out.rows++;
		const td = tr.children;
		if (!td[0].querySelector("time.when")) out.problems.push("row " + out.rows + ": the date is not a <time>");
		if (lines(td[0]) > 2) out.problems.push("row " + out.rows + " date: " + lines(td[0]) + " lines");
		if (lines(td[2]) > 1) out.problems.push("row " + out.rows + " via " + td[2].textContent.trim() + ": " + lines(td[2]) + " lines");
		const flip = td[3].querySelector(".flip");
		if (!flip || flip.getClientRects().length > 1 || lines(flip) > 1) out.problems.push("row " + out.rows + ": from → to breaks over lines");
		for (const c of td) if (c.scrollWidth > c.clientWidth + 1) out.problems.push("row " + out.rows + ": text spills out of " + c.textContent.trim().slice(0, 30));
	}
	return JSON.stringify(out);
})()`

// TestSwitchHistoryLayout reads the demo credit model's flip history (one
// flip: on → off, with a long reason) as a reader sees it. At a laptop's
// 1280 px, in Chinese the reason took the width and the short columns broke
// one character a line: "途" over "径", "网" over "页", the date over three
// lines. Now headers stay whole, the date breaks only between the day and
// the time, the way it was flipped stays on one line and so does "on → off".
// At a phone's 390 px the table scrolled sideways with the reason cut off;
// now each flip is a block, each cell under its column's name, the reason
// on screen.
func TestSwitchHistoryLayout(t *testing.T) {
	t.Parallel()
	needChromium(t)
	_, ctx := demoAdminAt1280(t, "/models/1", "#switch-history")
	for _, lang := range []string{"en", "zh-CN"} {
		switchLanguage(t, ctx, lang, "#switch-history")
		raw := run(t, ctx, "measure the flip history", chromedp.Evaluate[string](switchHistoryJS))
		var got struct {
			Rows     int      `json:"rows"`
			Scrolls  string   `json:"scrolls"`
			Problems []string `json:"problems"`
		}
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatalf("%s: %v: %s", lang, err, raw)
		}
		if got.Rows < 1 {
			t.Fatalf("%s: no flips in the credit model's history; the demo has one", lang)
		}
		if got.Scrolls != "" {
			t.Errorf("%s: at 1280 px the flip history scrolls sideways: %s", lang, got.Scrolls)
		}
		if len(got.Problems) > 0 {
			t.Errorf("%s: at 1280 px the flip history wraps badly:\n%s", lang, strings.Join(got.Problems, "\n"))
		}
	}

	step(t, ctx, "read the model at a phone's width", chromedp.Steps(
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("#switch-history")),
	))
	for i, want := range []string{`on screen | "时间" | `, `on screen | "原因" | Flags good customers as high-risk`} {
		cell := run(t, ctx, "find a flip's cell", chromedp.Evaluate[string](onScreenJS(
			`document.querySelector("#switch-history tbody tr").children[`+[]string{"0", "4"}[i]+`]`)))
		if !strings.HasPrefix(cell, want) {
			t.Errorf("at 390 px a flip's cell reads %s; want it on screen under its column's name: %s…", cell, want)
		}
	}
	// The reason's last line is on screen too, not cut off by the box.
	if s := run(t, ctx, "measure the box", chromedp.Evaluate[string](
		`(b => b.scrollWidth > b.clientWidth + 1 ? b.scrollWidth + " > " + b.clientWidth : "")(document.querySelector("#switch-history").parentElement)`)); s != "" {
		t.Errorf("at 390 px the flip history scrolls sideways: %s", s)
	}
}
