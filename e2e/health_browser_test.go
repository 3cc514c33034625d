package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestHealthBrowser is the ML team's monitoring path in a real headless
// Chromium against the real binary: register a model (API), add a monitor
// through the health page's form with a reference CSV uploaded from disk,
// send six hours of predictions whose accuracy falls in the last three
// (API, ingest token), press Evaluate now, and see the charts, the breach
// and the open accuracy alert — then the same alert in Chinese.
func TestHealthBrowser(t *testing.T) {
	t.Parallel()
	needChromium(t)
	db := []string{"--data", t.TempDir()}
	srv, _, ingest := recommender(t, db, true)
	c := &http.Client{Timeout: 30 * time.Second}
	rng := rand.New(rand.NewPCG(3, 4))
	ref := filepath.Join(t.TempDir(), "training sample.csv")
	var b strings.Builder
	b.WriteString("basket_value,channel,label\r\n")
	for range 500 {
		fmt.Fprintf(&b, "%.2f,%s,%d\r\n", 50+10*rng.NormFloat64(), []string{"app", "web"}[rng.IntN(2)], rng.IntN(2))
	}
	if err := os.WriteFile(ref, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	browser := startBrowser(t)
	ctx := newTab(t, browser, chromedp.WithNewBrowserContext())
	dumpOnFailure(t, ctx)
	step(t, ctx, "sign in and open the health page", chromedp.Steps(
		signInBrowser(srv.URL, adminEmail, adminPassword),
		chromedp.Navigate(srv.URL+"/models/1"),
		chromedp.Click(chromedp.CSS(`a[href="/models/1/health"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action^="/models/1/monitors"]`)),
	))
	// A bad submission first: no name, no file. The form says why and
	// keeps what was typed.
	step(t, ctx, "submit an incomplete monitor", chromedp.Steps(
		chromedp.SetValue(chromedp.CSS("#mon-acc"), "0.8"),
		chromedp.Click(chromedp.CSS(`form[action^="/models/1/monitors"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("main p.field-error")),
	))
	if v := run(t, ctx, "read the kept threshold", chromedp.Value(chromedp.CSS("#mon-acc"))); v != "0.8" {
		t.Errorf("after a refused submission the threshold reads %q, want 0.8 kept", v)
	}
	step(t, ctx, "add the monitor", chromedp.Steps(
		chromedp.SetValue(chromedp.CSS("#mon-name"), "Hourly quality"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="reference"]`), []string{ref}),
		chromedp.Click(chromedp.CSS(`form[action^="/models/1/monitors"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("main p.flash")),
		chromedp.WaitVisible(chromedp.CSS("section.monitor")),
	))
	info := run(t, ctx, "read the monitor", chromedp.Text(chromedp.CSS("section.monitor")))
	for _, want := range []string{"Hourly quality", "training sample.csv", "500 rows", "1 numeric, 1 categorical"} {
		if !strings.Contains(info, want) {
			t.Errorf("monitor section lacks %q:\n%s", want, info)
		}
	}

	// Six closed hours of predictions: three good, three bad.
	start := time.Now().UTC().Truncate(time.Hour).Add(-7 * time.Hour)
	var batch strings.Builder
	for h := range 6 {
		for i := range 200 {
			label := rng.IntN(2)
			pred := label
			if h >= 3 && rng.Float64() < 0.4 || h < 3 && rng.Float64() < 0.05 {
				pred = 1 - label
			}
			fmt.Fprintf(&batch, `{"id":"h%d-%d","time":%q,"version":"3.1","features":{"basket_value":%.2f,"channel":"app"},"prediction":%.2f,"label":%d,"latency_ms":12}`+"\n",
				h, i, start.Add(time.Duration(h)*time.Hour+time.Duration(i)*time.Second).Format(time.RFC3339), 50+10*rng.NormFloat64(), 0.1+0.8*float64(pred), label)
		}
	}
	code, a, err := postBatch(c, srv.URL+"/api/v1/models/recommender/events", ingest, batch.String())
	if err != nil || code != 200 || a.Accepted != 1200 {
		t.Fatalf("ingest: %d %+v %v", code, a, err)
	}

	step(t, ctx, "evaluate now", chromedp.Steps(
		chromedp.Click(chromedp.CSS(`form[action^="/monitors/"] button`)),
		chromedp.WaitVisible(chromedp.CSS("main p.flash")),
		chromedp.WaitVisible(chromedp.CSS("section.monitor svg.chart")),
	))
	charts := run(t, ctx, "count the charts", chromedp.Evaluate[int](`document.querySelectorAll("section.monitor svg.chart").length`))
	if charts < 3 {
		t.Errorf("got %d charts, want accuracy, latency, drift and volume", charts)
	}
	page := run(t, ctx, "read the page", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"Breaches", "Accuracy", "is below 0.800", "open"} {
		if !strings.Contains(page, want) {
			t.Errorf("health page lacks %q after evaluation", want)
		}
	}
	step(t, ctx, "switch to Chinese", chromedp.Steps(
		chromedp.Click(chromedp.CSS("#locale-switch")),
		chromedp.WaitReady(chromedp.CSS(`html[lang="zh-CN"]`)),
		chromedp.WaitVisible(chromedp.CSS("section.monitor")),
	))
	page = run(t, ctx, "read the Chinese page", chromedp.Text(chromedp.CSS("main")))
	for _, want := range []string{"模型健康", "准确率", "低于 0.800", "未解除"} {
		if !strings.Contains(page, want) {
			t.Errorf("Chinese health page lacks %q", want)
		}
	}

	// On a phone the page fits its width, in both languages: the latest
	// window's facts, the reference's date fields and the charts stay
	// inside it (wide tables scroll in their own box), and the charts'
	// axis labels stay legible. The facts' long English terms once pushed
	// their values off the screen, the date fields widened their fieldset
	// past it, and the axis labels, drawn at 12 of the chart's 560 units,
	// shrank to 8 px.
	step(t, ctx, "open the page at a phone's width", chromedp.Steps(
		chromedp.EmulateViewport(390, 844),
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.CSS("section.monitor svg.chart")),
	))
	for _, lang := range []string{"zh-CN", "en"} {
		if lang == "en" {
			step(t, ctx, "switch back to English", chromedp.Steps(
				chromedp.Click(chromedp.CSS("#locale-switch")),
				chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)),
				chromedp.WaitVisible(chromedp.CSS("section.monitor svg.chart")),
			))
		}
		over := run(t, ctx, "find what overflows", chromedp.Evaluate[string](`(() => {
			const w = document.documentElement.clientWidth, out = [];
			if (document.documentElement.scrollWidth > w) out.push("page " + document.documentElement.scrollWidth + " > " + w);
			for (const e of document.querySelectorAll("main *")) {
				if (e.closest(".scroll, .table-wrap")) continue;
				const r = e.getBoundingClientRect();
				if (r.width > 0 && r.right > w + 1) out.push(e.tagName + (e.id ? "#" + e.id : "") + " ends at " + Math.round(r.right));
			}
			return out.slice(0, 8).join("; ");
		})()`))
		if over != "" {
			t.Errorf("%s: at 390 px the health page overflows its width: %s", lang, over)
		}
		tick := run(t, ctx, "measure an axis label", chromedp.Evaluate[float64](
			`document.querySelector("section.monitor svg.chart text.tick").getBoundingClientRect().height`))
		if tick < 10 {
			t.Errorf("%s: at 390 px a chart's axis label is %.1f px high, want at least 10 to be read", lang, tick)
		}
		// The drift table reads row by row: a feature's name and its
		// verdict are on the screen together, the verdict under its
		// column's name. As a seven-column table scrolled in its box,
		// "Drifted" was off to the right, out of sight.
		head := map[string][2]string{"en": {"Feature", "Drifted"}, "zh-CN": {"特征", "是否漂移"}}[lang]
		row := run(t, ctx, "find a drift row's name and verdict", chromedp.Evaluate[string](fmt.Sprintf(`(() => {
			const [feature, drifted] = [%q, %q];
			const t = [...document.querySelectorAll("section.monitor table")].find(t =>
				[...t.querySelectorAll("thead th")].some(th => th.textContent.trim() === drifted));
			if (!t) return "no drift table";
			const cols = [...t.querySelectorAll("thead th")].map(th => th.textContent.trim());
			const tr = t.querySelector("tbody tr");
			const name = tr.cells[cols.indexOf(feature)], verdict = tr.cells[cols.indexOf(drifted)];
			name.scrollIntoView({block: "center"});
			const W = document.documentElement.clientWidth, H = window.innerHeight;
			const where = c => {
				const r = c.getBoundingClientRect();
				return r.left >= -1 && r.right <= W + 1 && r.top >= -1 && r.bottom <= H + 1 ? "on screen" : "at " + [r.left, r.top, r.right, r.bottom].map(Math.round).join(",");
			};
			return name.textContent.trim() + " " + where(name) + " | " + getComputedStyle(verdict, "::before").content + " " + verdict.textContent.trim() + " " + where(verdict);
		})()`, head[0], head[1])))
		yesNo := map[string][2]string{"en": {"yes", "no"}, "zh-CN": {"是", "否"}}[lang]
		name, verdict, _ := strings.Cut(row, " | ")
		if !strings.HasSuffix(name, " on screen") || !strings.HasPrefix(name, "basket_value ") && !strings.HasPrefix(name, "channel ") ||
			verdict != fmt.Sprintf("%q %s on screen", head[1], yesNo[0]) && verdict != fmt.Sprintf("%q %s on screen", head[1], yesNo[1]) {
			t.Errorf("%s: at 390 px a drift row: %s; want the feature's name and, under %q, its verdict both on screen", lang, row, head[1])
		}
	}
	// The alerts list at that width reads row by row: what happened is on
	// the screen under its column's name, not off to the right of a table
	// of eight columns.
	step(t, ctx, "open the alerts at a phone's width", chromedp.Steps(
		chromedp.Navigate(srv.URL+"/alerts"),
		chromedp.WaitVisible(chromedp.CSS("main table")),
	))
	cell := run(t, ctx, "find what happened", chromedp.Evaluate[string](`(() => {
		const td = document.querySelector("main table tbody td:nth-child(5)");
		const r = td.getBoundingClientRect();
		return (r.right <= document.documentElement.clientWidth ? "on screen" : "ends at " + Math.round(r.right)) + " | " + getComputedStyle(td, "::before").content;
	})()`))
	if cell != `on screen | "What happened"` {
		t.Errorf("at 390 px an alert's message cell: %s; want it on screen under \"What happened\"", cell)
	}
}

// TestMonitorFormFileAgain: a monitor form refused for another field (a
// window of "hourly") comes back scrolled to the form with what was typed,
// but a browser never refills a file field — so the page says which file
// to choose again, tied to the file field for a screen reader, and
// choosing it again saves and shows the new monitor.
func TestMonitorFormFileAgain(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv, _, _ := recommender(t, []string{"--data", t.TempDir()}, true)
	ref := filepath.Join(t.TempDir(), "churn reference.csv")
	var b strings.Builder
	b.WriteString("tenure,plan,label\n")
	for i := range 100 {
		fmt.Fprintf(&b, "%d,%s,%d\n", i%40, []string{"basic", "pro"}[i%2], i%2)
	}
	if err := os.WriteFile(ref, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	browser := startBrowser(t)
	ctx := newTab(t, browser, chromedp.WithNewBrowserContext())
	dumpOnFailure(t, ctx)
	form := `form[action^="/models/1/monitors"]`
	step(t, ctx, "sign in and fill the monitor form with a bad window", chromedp.Steps(
		chromedp.EmulateViewport(1000, 600),
		signInBrowser(srv.URL, adminEmail, adminPassword),
		chromedp.Navigate(srv.URL+"/models/1/health"),
		chromedp.WaitVisible(chromedp.CSS(form)),
		chromedp.SendKeys(chromedp.CSS("#mon-name"), "Hourly churn"),
		chromedp.SetValue(chromedp.CSS("#mon-window"), "hourly"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="reference"]`), []string{ref}),
		chromedp.Click(chromedp.CSS(form+` button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("main p.field-error")),
	))
	// The form sits at the foot of the page: the refusal comes back with
	// the bad window field focused, so scrolled to it, the window's error
	// in view, not to the top of a page whose charts can run to thousands
	// of pixels.
	inView := run(t, ctx, "find the window's error", chromedp.Evaluate[string](
		`(r => r.top >= 0 && r.bottom <= innerHeight ? "in view" : "at " + Math.round(r.top) + " of " + innerHeight)(document.getElementById("window-error").getBoundingClientRect())`))
	if inView != "in view" {
		t.Errorf("after the refusal the window's error is %s, out of view", inView)
	}
	if id := run(t, ctx, "read the focus", chromedp.Evaluate[string](`document.activeElement.id`)); id != "mon-window" {
		t.Errorf("after the refusal the focus is on %q, want the window field", id)
	}
	if v := run(t, ctx, "read the kept name", chromedp.Value(chromedp.CSS("#mon-name"))); v != "Hourly churn" {
		t.Errorf("name after the refusal = %q, want it kept", v)
	}
	note := run(t, ctx, "read the file note", chromedp.Evaluate[string](
		`(e => e ? e.textContent : "")(document.getElementById(document.querySelector('input[name="reference"]').getAttribute("aria-describedby") || "-"))`))
	if !strings.Contains(note, "churn reference.csv") || !strings.Contains(note, "again") {
		t.Errorf("the file field's note reads %q, want it to name churn reference.csv to choose again", note)
	}
	if n := run(t, ctx, "count the files kept", chromedp.Evaluate[int](`document.querySelector('input[name="reference"]').files.length`)); n != 0 {
		t.Fatalf("the browser kept %d files; the note would be wrong", n)
	}
	step(t, ctx, "choose the file again and fix the window", chromedp.Steps(
		chromedp.SetValue(chromedp.CSS("#mon-window"), "hour"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="reference"]`), []string{ref}),
		chromedp.Click(chromedp.CSS(form+` button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("section.monitor")),
	))
	if loc := run(t, ctx, "read the location", chromedp.Location()); !strings.HasSuffix(loc, "/models/1/health#monitor-1") {
		t.Errorf("after saving the browser is at %s, want the new monitor's section", loc)
	}
	info := run(t, ctx, "read the monitor", chromedp.Text(chromedp.CSS("section.monitor")))
	if !strings.Contains(info, "churn reference.csv") || !strings.Contains(info, "100 rows") {
		t.Errorf("monitor section lacks its reference:\n%s", info)
	}
}

// TestMonitorFormLargeReferenceBrowser: a reference file over the limit
// (20 MiB) lost the whole monitor form to a 413. Now the page says so as
// the form is sent, before the file goes (the form is not sent, the focus
// is on the file); and without that check (the script's attribute taken
// away), the server's refusal brings the form back with what was typed
// and the same message under the file — for a file just over the limit
// and for one larger than the server reads of any body (32 MiB).
func TestMonitorFormLargeReferenceBrowser(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv, _, _ := recommender(t, []string{"--data", t.TempDir()}, true)
	sized := func(name string, size int64) string {
		p := filepath.Join(t.TempDir(), name)
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("x,y\n"); err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil { // the rest zeros, and sparse
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := newTab(t, startBrowser(t), chromedp.WithNewBrowserContext())
	dumpOnFailure(t, ctx)
	form := `form[action^="/models/1/monitors"]`
	fill := func(file string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(
			chromedp.Navigate(srv.URL+"/models/1/health"),
			chromedp.WaitVisible(chromedp.CSS(form)),
			chromedp.SetValue(chromedp.CSS("#mon-name"), "Big reference"),
			chromedp.SetValue(chromedp.CSS("#mon-window"), "events:500"),
			chromedp.SetValue(chromedp.CSS("#mon-hook"), "https://hooks.example.com/x"),
			chromedp.Click(chromedp.CSS("#mon-ref-dataset")),
			chromedp.SetUploadFiles(chromedp.CSS("#mon-reference"), []string{file}),
		)
	}
	step(t, ctx, "sign in", chromedp.Steps(chromedp.EmulateViewport(1000, 700), signInBrowser(srv.URL, adminEmail, adminPassword)))
	step(t, ctx, "send a 21 MiB reference", chromedp.Steps(
		fill(sized("big.csv", 21<<20)),
		chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`),
		chromedp.Click(chromedp.CSS(form+" button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#mon-reference-size")),
	))
	if got := run(t, ctx, "read the page's state", chromedp.Evaluate[string](`[window.notReloaded, document.activeElement.id,
		document.getElementById("mon-reference").getAttribute("aria-invalid"),
		document.getElementById("mon-reference").getAttribute("aria-describedby").includes("mon-reference-size"),
		document.getElementById("mon-reference-size").textContent].join(" | ")`)); got != "true | mon-reference | true | true | The reference dataset is larger than 20 MiB." {
		t.Errorf("after choosing a 21 MiB file and sending: %s; want the form not sent, the file focused and marked, and the limit said", got)
	}
	for _, size := range []int64{21 << 20, 40 << 20} {
		what := fmt.Sprintf("a %d MiB reference past the page's check", size>>20)
		step(t, ctx, what, chromedp.Steps(
			fill(sized(fmt.Sprintf("big%d.csv", size>>20), size)),
			chromedp.Evaluate[chromedp.Void](`document.getElementById("mon-reference").removeAttribute("data-max-bytes")`),
			chromedp.Click(chromedp.CSS(form+" button.primary")),
			chromedp.WaitVisible(chromedp.CSS("#reference-error")),
		))
		got := run(t, ctx, "read the form", chromedp.Evaluate[string](`["mon-name", "mon-window", "mon-hook"].map(id => document.getElementById(id).value).concat(
			[document.getElementById("mon-ref-dataset").checked, document.getElementById("reference-error").textContent.trim()]).join(" | ")`))
		if want := "Big reference | events:500 | https://hooks.example.com/x | true | The reference dataset is larger than 20 MiB."; got != want {
			t.Errorf("%s: the form came back as %q, want %q", what, got, want)
		}
	}
}

// TestMonitorFormLargeFileLeftForEvents: a file over the limit chosen,
// then the reference switched to a range of events, no longer holds the
// form back: the page's check of the file's size is the dataset
// reference's, and the file is not used for events (the server leaves it
// out alike). Before, the form could not be sent until the file was
// cleared, the page saying the file was too large.
func TestMonitorFormLargeFileLeftForEvents(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv, _, _ := recommender(t, []string{"--data", t.TempDir()}, true)
	big := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(big, []byte("x,y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 21<<20); err != nil {
		t.Fatal(err)
	}
	ctx := newTab(t, startBrowser(t), chromedp.WithNewBrowserContext())
	dumpOnFailure(t, ctx)
	form := `form[action^="/models/1/monitors"]`
	step(t, ctx, "sign in", chromedp.Steps(chromedp.EmulateViewport(1000, 700), signInBrowser(srv.URL, adminEmail, adminPassword)))
	step(t, ctx, "choose a 21 MiB file, then a range of events, and send", chromedp.Steps(
		chromedp.Navigate(srv.URL+"/models/1/health"),
		chromedp.WaitVisible(chromedp.CSS(form)),
		chromedp.SetValue(chromedp.CSS("#mon-name"), "Events reference"),
		chromedp.Click(chromedp.CSS("#mon-ref-dataset")),
		chromedp.SetUploadFiles(chromedp.CSS("#mon-reference"), []string{big}),
		chromedp.Click(chromedp.CSS("#mon-ref-events")),
		chromedp.SetValue(chromedp.CSS("#mon-from"), "2030-01-01"),
		chromedp.SetValue(chromedp.CSS("#mon-to"), "2030-01-31"),
		// The form as it is now is marked: the server's answer has one unmarked.
		chromedp.Evaluate[chromedp.Void](`document.querySelector('`+form+`').dataset.sent = "1"`),
		chromedp.Click(chromedp.CSS(form+" button.primary")),
		chromedp.WaitVisible(chromedp.CSS(form+":not([data-sent])")),
	))
	if got := run(t, ctx, "read the page", chromedp.Evaluate[string](`[document.body.textContent.includes("larger than 20 MiB"),
		document.getElementById("mon-ref-events") !== null].join(" | ")`)); got != "false | true" {
		t.Errorf("after sending the form with events as its reference: %s; want the health page, no word of the file's size", got)
	}
}
