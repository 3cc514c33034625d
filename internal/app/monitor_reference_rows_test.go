package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// Rows of an uploaded reference the monitor cannot read (a numeric
// feature's cell that is not a number) are left out and shown: the API's
// monitor carries their count and the first one's reason, and the health
// page says so in both languages (and nothing of it when there are none).
// A reference of which no row can be read is refused, and nothing kept.
func TestMonitorReferenceRowsLeftOut(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Recs", "rec", "Rec")
	c, _, _ := f.signIn(team, time.Hour)
	post := func(name, csv string) *response {
		body, _ := json.Marshal(map[string]any{"version": "1.0", "name": name, "window": "hour", "numeric": []string{"x"}, "categorical": []string{"colour"},
			"reference": map[string]any{"kind": "dataset", "file_name": name + ".csv", "csv": csv}})
		return f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, string(body))
	}

	clean := post("Clean", "x,colour\n1,red\n2,blue\n")
	if clean.StatusCode != 201 || strings.Contains(clean.body, "unreadable") {
		t.Fatalf("a clean reference: %d %s; want 201 and no unreadable rows", clean.StatusCode, clean.body)
	}
	page := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), nil, nil)
	if page.StatusCode != 200 || strings.Contains(page.body, "left out") {
		t.Fatalf("health page of a clean reference: %d, mentions rows left out: %v", page.StatusCode, strings.Contains(page.body, "left out"))
	}

	var csv strings.Builder
	csv.WriteString("x,colour\n")
	for i := range 50 {
		fmt.Fprintf(&csv, "%d,red\n", i)
	}
	csv.WriteString("unknown,blue\nn/a?,red\n")
	r := post("Rough", csv.String())
	if r.StatusCode != 201 {
		t.Fatalf("create: %d %s", r.StatusCode, r.body)
	}
	var got struct {
		ID        int64          `json:"id"`
		Reference map[string]any `json:"reference"`
	}
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	wantReason := `line 52: column "x": "unknown" is not a number`
	if ref := got.Reference; ref["rows"] != 52.0 || ref["unreadable"] != 2.0 || ref["unreadable_reason"] != wantReason {
		t.Errorf("reference: got %v; want 52 rows, 2 unreadable, %s", ref, wantReason)
	}
	again := f.api("GET", fmt.Sprintf("/api/v1/monitors/%d", got.ID), tok, "")
	if !strings.Contains(again.body, `"unreadable":2`) {
		t.Errorf("GET monitor: %s; want the rows left out", again.body)
	}
	for lang, want := range map[string]string{
		"en":    `2 left out (unreadable); the first: line 52: column &#34;x&#34;: &#34;unknown&#34; is not a number`,
		"zh-CN": `2 行无法读取，已略去；首个原因：第 52 行：列 &#34;x&#34;：&#34;unknown&#34; 不是数字`,
	} {
		p := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), http.Header{"Accept-Language": {lang}}, nil)
		if p.StatusCode != 200 || !strings.Contains(p.body, want) {
			t.Errorf("%s health page: %d; no %q", lang, p.StatusCode, want)
		}
	}

	before := f.count("monitors")
	d := wantAPIError(t, post("Broken", "x,colour\nabc,red\ndef,blue\n"), 400, lodestar.EInvalid)
	wantMsg := `No row of the reference dataset can be read (2 rows); the first: line 2: column "x": "abc" is not a number.`
	if d.Fields["reference"] != wantMsg {
		t.Errorf("all rows unreadable: got fields %v, want reference: %s", d.Fields, wantMsg)
	}
	if n := f.count("monitors"); n != before {
		t.Errorf("monitors after the refusal: %d, want %d", n, before)
	}
	if zh := i18n.MustLoad().Message("zh-CN", wantMsg); zh != `参照数据集的行都无法读取（共 2 行）；首个原因：第 2 行：列 "x"："abc" 不是数字。` {
		t.Errorf("the refusal in Chinese: %s", zh)
	}
}

// A monitor form whose reference file is refused names every other bad
// field too (in the reader's language), so that the file — which a
// browser makes the user choose again — is sent again once, not once per
// bad field; nothing is kept.
func TestMonitorFormRefusedFileAndThresholds(t *testing.T) {
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	if err := f.app.Store.SetLocale(sys(), ai.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	m := f.model("Recs", "recs", "Recs")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ai, time.Hour)
	health := fmt.Sprintf("/models/%d/health", m.ID)
	r := f.postMultipart(c, fmt.Sprintf("/models/%d/monitors", m.ID), importPart{name: "csrf_token", value: csrf},
		importPart{name: "form_id", value: pageFormID(t, f, c, health)}, importPart{name: "version", value: "1.0"},
		importPart{name: "name", value: "drift watch"}, importPart{name: "window", value: "day"}, importPart{name: "min_accuracy", value: "1.5"},
		importPart{name: "webhook_url", value: "ftp://hooks.example.com"},
		importPart{name: "reference_kind", value: "dataset"}, importPart{name: "reference", filename: "ref.csv", value: "x,colour\n"})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %d, want 400", r.StatusCode)
	}
	wantShown(t, r, "refused file and thresholds", "参照数据集没有数据行", "介于 0 与 1 之间（0：关闭）。",
		"http:// 或 https:// 地址，最多 2,000 个字符。", "请重新选择 ref.csv", `value="drift watch"`)
	if n := f.count("monitors"); n != 0 {
		t.Errorf("monitors after the refusal: %d", n)
	}
	// An oversized file's refusal reads in Chinese too (it stayed English).
	if zh := i18n.MustLoad().Message("zh-CN", "The reference dataset is larger than 20 MiB."); zh != "参照数据集超过 20 MiB。" {
		t.Errorf("oversized reference in Chinese: %s", zh)
	}
}

// Events in an event-range reference that the monitor cannot read (a score
// outside [0, 1]) are left out of it and shown as a dataset's rows are:
// counted each time the reference is built, so the count follows the range
// as it fills — none at first, then the late ones once the reference is
// built again — in the API's monitor and on the health page in both
// languages.
func TestMonitorReferenceEventsLeftOut(t *testing.T) {
	f := start(t, fixtureOpts{})
	team, m, tok := f.teamModel("Recs", "rec", "Rec")
	c, _, _ := f.signIn(team, time.Hour)
	t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	ingest := func(lines ...string) {
		t.Helper()
		if r := f.ndjson("/api/v1/models/rec/events", tok, strings.Join(lines, "\n")); decodeInto[lodestar.IngestResult](t, r).Accepted != len(lines) {
			t.Fatalf("ingest: %s", r.body)
		}
	}
	var good []string
	for i := range 50 {
		good = append(good, eventLine(fmt.Sprintf("g%d", i), t0.Add(time.Duration(i)*time.Minute), "1.0", float64(i), "red", 0.4, i%2))
	}
	ingest(good...)
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "Day one", "window": "hour", "numeric": []string{"x"}, "categorical": []string{"colour"},
		"reference": map[string]any{"kind": "events", "from": t0, "to": t0.Add(24 * time.Hour)}})
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, string(body))
	if r.StatusCode != 201 || strings.Contains(r.body, "unreadable") {
		t.Fatalf("a reference of readable events: %d %s; want 201 and no unreadable events", r.StatusCode, r.body)
	}
	var made struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal([]byte(r.body), &made); err != nil {
		t.Fatal(err)
	}
	page := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), nil, nil)
	if page.StatusCode != 200 || strings.Contains(page.body, "left out") {
		t.Fatalf("health page of a clean reference: %d, mentions events left out: %v", page.StatusCode, strings.Contains(page.body, "left out"))
	}

	// Late events in the range, two the monitor cannot read: the
	// reference is built again at the next evaluation, and counts them.
	ingest(eventLine("late", t0.Add(2*time.Hour), "1.0", 3, "blue", 0.4, 1),
		eventLine("bad1", t0.Add(3*time.Hour), "1.0", 4, "red", 1.4, 1),
		eventLine("bad2", t0.Add(4*time.Hour), "1.0", 5, "red", 7, 0))
	if _, err := f.app.Monitoring.Evaluate(sys(), made.ID, t0.Add(48*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Reference map[string]any `json:"reference"`
	}
	if err := json.Unmarshal([]byte(f.api("GET", fmt.Sprintf("/api/v1/monitors/%d", made.ID), tok, "").body), &got); err != nil {
		t.Fatal(err)
	}
	if ref := got.Reference; ref["unreadable"] != 2.0 || ref["unreadable_reason"] != "score 1.4 is outside [0, 1]" {
		t.Errorf("reference after the late events: %v; want 2 unreadable, the first: score 1.4 is outside [0, 1]", ref)
	}
	for lang, want := range map[string]string{
		"en":    `2 of them left out (unreadable); the first: score 1.4 is outside [0, 1]`,
		"zh-CN": `其中 2 个事件无法读取，已略去；首个原因：分数 1.4 超出 [0, 1]`,
	} {
		p := f.do(c, "GET", fmt.Sprintf("/models/%d/health", m.ID), http.Header{"Accept-Language": {lang}}, nil)
		if p.StatusCode != 200 || !strings.Contains(p.body, want) {
			t.Errorf("%s health page: %d; no %q", lang, p.StatusCode, want)
		}
	}
}
