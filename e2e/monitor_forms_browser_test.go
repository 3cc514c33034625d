package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// monitorLayoutJS reads a page as a reader sees it: what is wider than
// the window, and for the health page's monitor cards whether their
// buttons are of one height and the pause form's reason, field and button
// are laid out to be used.
const monitorLayoutJS = `(() => {
	const out = [], doc = document.documentElement, vw = doc.clientWidth;
	if (doc.scrollWidth > vw + 1) out.push("the page scrolls sideways: " + doc.scrollWidth + " > " + vw);
	for (const el of document.querySelectorAll("main input, main select, main button, main .button, main label, main h1, main h2, main p")) {
		const r = el.getBoundingClientRect();
		if (r.width > 0 && r.right > vw + 1) out.push((el.id || el.tagName.toLowerCase() + "." + el.className) + " ends at " + Math.round(r.right) + " > " + vw);
	}
	if (document.querySelector(".monitor") && !document.querySelector(".monitor-actions")) out.push("a monitor card has no row of actions");
	for (const acts of document.querySelectorAll(".monitor-actions")) {
		const buttons = [...acts.querySelectorAll("button, .button")].map(b => b.getBoundingClientRect());
		const hs = buttons.map(r => Math.round(r.height));
		if (Math.max(...hs) - Math.min(...hs) > 2) out.push("monitor buttons of heights " + hs.join(", "));
		const pause = acts.querySelector("form.pause");
		if (!pause) continue;
		const mid = el => { const r = el.getBoundingClientRect(); return r.top + r.height / 2; };
		const [label, input, button] = ["label", "input[name=reason]", "button"].map(s => pause.querySelector(s));
		// On a laptop the reason, its field and the button share a line;
		// on a phone the reason is over the field, the field and its button
		// share the next.
		const r = el => el.getBoundingClientRect();
		if (Math.abs(mid(input) - mid(button)) > 4) out.push("the pause field and its button are not on one line");
		if (vw >= 1000 && Math.abs(mid(label) - mid(input)) > 4) out.push("at " + vw + " px the pause reason is not beside its field");
		if (vw < 640 && (r(label).bottom > r(input).top + 1 || r(input).top - r(label).bottom > 12 || Math.abs(r(label).left - r(input).left) > 1)) out.push("at " + vw + " px the pause reason is not just over its field");
		if (r(input).width < (vw < 640 ? 180 : 200)) out.push("the pause field is " + Math.round(r(input).width) + " px wide");
		const top = el => el.getBoundingClientRect().top;
		if (vw >= 1000 && Math.abs(top(acts.querySelector("button")) - top(button)) > 2) out.push("at " + vw + " px the pause button is not beside the other buttons");
		const copy = acts.querySelector("form.copy");
		if (!copy) continue;
		const [sel, cbutton] = ["select", "button"].map(s => copy.querySelector(s));
		if (vw >= 1000 && Math.abs(mid(sel) - mid(cbutton)) > 4) out.push("at " + vw + " px the copy form's version and its button are not on one line");
		if (r(sel).width < 100) out.push("the copy form's version is " + Math.round(r(sel).width) + " px wide");
	}
	return out.join("\n");
})()`

// fieldErrorJS says where a field's error is: right under the field (at
// most 24 px below it, starting at or before it and reaching under it)
// and named by its
// aria-describedby, or what is wrong.
func fieldErrorJS(field string) string {
	return `(() => {
	const f = document.querySelector(` + "`" + field + "`" + `);
	if (!f) return "no field";
	if (f.getAttribute("aria-invalid") !== "true") return "the field is not marked invalid";
	const ids = (f.getAttribute("aria-describedby") || "").split(/\s+/);
	const err = ids.map(id => document.getElementById(id)).find(e => e && e.classList.contains("field-error"));
	if (!err) return "no error named by the field";
	const a = f.getBoundingClientRect(), b = err.getBoundingClientRect();
	if (b.top < a.bottom - 1 || b.top - a.bottom > 24) return "the error is " + Math.round(b.top - a.bottom) + " px below the field";
	if (b.left > a.left + 1 || b.right < a.left) return "the error (x " + Math.round(b.left) + " to " + Math.round(b.right) + ") is not under the field (from x " + Math.round(a.left) + ")";
	return "ok: " + err.textContent.trim();
})()`
}

// TestMonitorCardsAndEditForm opens the demo's credit model's health page
// and a monitor's edit page at a laptop's 1280 px and a phone's 390 px in
// both languages. On a phone the pause form's reason was left at the end
// of the buttons' line, its field alone on the next; the card's head read
// "窗口: 每天" with an English colon. Now nothing is wider than the window,
// the buttons are of one height, the reason, its field and the Pause
// button share a line beside Evaluate and Edit on a laptop (on a phone the
// reason is over the field, the field beside its button), and a refused
// pause or edit shows each error right under its field.
func TestMonitorCardsAndEditForm(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv, ctx := demoAdminAt1280(t, "/alerts", "#alerts-table")
	body := run(t, ctx, "read the alerts page", chromedp.Evaluate[string](`document.querySelector("main").innerHTML`))
	m := regexp.MustCompile(`/models/(\d+)/health#monitor-(\d+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the alerts page links no monitor")
	}
	health, mon := srv.URL+"/models/"+m[1]+"/health", "#monitor-"+m[2]
	// A new version of the model, for the monitor's copy form to offer.
	step(t, ctx, "add a version to the model", chromedp.Steps(
		chromedp.Navigate(srv.URL+"/models/"+m[1]),
		chromedp.WaitVisible(chromedp.CSS("#version")),
		chromedp.SendKeys(chromedp.CSS("#version"), "9.9-candidate"),
		chromedp.Click(chromedp.CSS(`form[action$="/versions"] button[type=submit]`)),
		// The model page has a main h1 too: wait for the version's page
		// the form leads to, or the next navigation races the form's
		// (net::ERR_ABORTED, or a copy form without the new version).
		chromedp.WaitVisible(chromedp.CSS("#version-links")),
	))
	for _, lang := range []string{"en", "zh-CN"} {
		switchLanguage(t, ctx, lang, "main")
		if lang == "zh-CN" {
			step(t, ctx, "open the health page", chromedp.Steps(chromedp.Navigate(health), chromedp.WaitVisible(chromedp.CSS(mon))))
			if head := run(t, ctx, "read a card's head", chromedp.Evaluate[string](`document.querySelector("`+mon+` h2").textContent`)); strings.Contains(head, ": ") {
				t.Errorf("zh-CN: the monitor card's head %q has an English colon", head)
			}
		}
		for _, w := range []int64{1280, 390} {
			where := lang + " at " + map[int64]string{1280: "1280", 390: "390"}[w] + " px"
			step(t, ctx, where+": open the health page", chromedp.Steps(
				chromedp.EmulateViewport(w, 900),
				chromedp.Navigate(health),
				chromedp.WaitVisible(chromedp.CSS(mon+" form.pause")),
			))
			if got := run(t, ctx, where+": measure the health page", chromedp.Evaluate[string](monitorLayoutJS)); got != "" {
				t.Errorf("%s, health page:\n%s", where, got)
			}
			step(t, ctx, where+": pause without a reason", chromedp.Steps(
				chromedp.Click(chromedp.CSS(mon+" form.pause button")),
				chromedp.WaitVisible(chromedp.CSS(mon+" form.pause .field-error")),
			))
			if got := run(t, ctx, where+": find the pause error", chromedp.Evaluate[string](fieldErrorJS(mon+" form.pause input[name=reason]"))); !strings.HasPrefix(got, "ok: ") {
				t.Errorf("%s, refused pause: %s", where, got)
			}
			if got := run(t, ctx, where+": measure the refused pause", chromedp.Evaluate[string](monitorLayoutJS)); got != "" {
				t.Errorf("%s, refused pause:\n%s", where, got)
			}

			step(t, ctx, where+": copy under a name the version has", chromedp.Steps(
				chromedp.Navigate(health),
				chromedp.WaitVisible(chromedp.CSS(mon+" form.copy")),
				chromedp.SetValue(chromedp.CSS(mon+" form.copy select"), "9.9-candidate"),
				chromedp.Evaluate[chromedp.Void](`document.querySelector("`+mon+` form.copy input[name=copy_name]").value = "x".repeat(300)`),
				chromedp.Click(chromedp.CSS(mon+" form.copy button")),
				chromedp.WaitVisible(chromedp.CSS(mon+" form.copy .field-error")),
			))
			if got := run(t, ctx, where+": find the copy error", chromedp.Evaluate[string](fieldErrorJS(mon+" form.copy input[name=copy_name]"))); !strings.HasPrefix(got, "ok: ") {
				t.Errorf("%s, refused copy: %s", where, got)
			}
			if got := run(t, ctx, where+": measure the refused copy", chromedp.Evaluate[string](monitorLayoutJS)); got != "" {
				t.Errorf("%s, refused copy:\n%s", where, got)
			}

			step(t, ctx, where+": open the edit page", chromedp.Steps(
				chromedp.Navigate(srv.URL+"/monitors/"+m[2]+"/edit"),
				chromedp.WaitVisible(chromedp.CSS("#mon-name")),
			))
			if got := run(t, ctx, where+": measure the edit page", chromedp.Evaluate[string](monitorLayoutJS)); got != "" {
				t.Errorf("%s, edit page:\n%s", where, got)
			}
			step(t, ctx, where+": save a bad edit", chromedp.Steps(
				chromedp.Evaluate[chromedp.Void](`document.querySelector("#mon-name").value = ""; document.querySelector("#mon-acc").value = "abc"`),
				chromedp.Click(chromedp.CSS(`form[action^="/monitors/"] button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS("#error-summary")),
			))
			for _, f := range []string{"#mon-name", "#mon-acc"} {
				if got := run(t, ctx, where+": find the error of "+f, chromedp.Evaluate[string](fieldErrorJS(f))); !strings.HasPrefix(got, "ok: ") {
					t.Errorf("%s, refused edit, %s: %s", where, f, got)
				}
			}
			if got := run(t, ctx, where+": measure the refused edit", chromedp.Evaluate[string](monitorLayoutJS)); got != "" {
				t.Errorf("%s, refused edit:\n%s", where, got)
			}
			// The bad value is kept to be corrected.
			if v := run(t, ctx, where+": read the accuracy field", chromedp.Evaluate[string](`document.querySelector("#mon-acc").value`)); v != "abc" {
				t.Errorf("%s, refused edit: the accuracy field holds %q, want the value given (abc)", where, v)
			}
		}
	}
}
