package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// Recommender story figures: accuracy at launch and six months on (a 20%
// fall), the monitor's threshold, and events per day.
const (
	recLaunchAccuracy = 0.80
	recNowAccuracy    = 0.64
	recMinAccuracy    = 0.72
	recDays           = 182
	recPerDay         = 150
)

// recAccuracy is the recommender's accuracy on day d of its recDays
// monitored days: falling in a straight line from recLaunchAccuracy,
// which its first week averages, to recNowAccuracy, which its last week
// averages.
func recAccuracy(d int) float64 {
	return recLaunchAccuracy + (recNowAccuracy-recLaunchAccuracy)*float64(d-3)/float64(recDays-7)
}

// recRight is how many of day d's recPerDay predictions are right.
func recRight(d int) int {
	return int(math.Round(recAccuracy(d) * recPerDay))
}

// monitored returns the monitoring store and service, and the model of
// that key, for a model whose monitors the demo loads.
func (l *loader) monitored(key string) (monitoring.Store, *monitoring.Service, *lodestar.Model, error) {
	svc, ok := l.svc.(monitoring.Store)
	if !ok {
		return nil, nil, nil, fmt.Errorf("demo: the services cannot run monitors")
	}
	m, err := svc.FindModelByRef(l.ctx, key)
	if err != nil {
		return nil, nil, nil, err
	}
	return svc, &monitoring.Service{Store: svc}, m, nil
}

// loadMonitoring streams six months of the recommender's predictions: as
// shoppers move to short video, the feature mix drifts and accuracy falls
// 20%. A daily monitor against the launch training data raises drift and
// accuracy alerts and, after a week of decay, opens a retraining task on
// the use case. It is evaluated day by day as the product's loop would
// have, so each finding is dated when it was made.
func (l *loader) loadMonitoring(now time.Time, setNow func(time.Time)) error {
	svc, mon, m, err := l.monitored("recsys")
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2026, 5))
	// Launch behaviour: images and text, short sessions.
	launch := func(r *rand.Rand) (string, float64, float64) {
		ct := "image"
		if r.Float64() < 0.3 {
			ct = "text"
		}
		return ct, 6 + 3*r.NormFloat64(), 30 + 10*r.NormFloat64()
	}
	var ref strings.Builder
	ref.WriteString("content_type,session_minutes,price_viewed,label\n")
	for range 3000 {
		ct, mins, price := launch(rng)
		fmt.Fprintf(&ref, "%s,%.2f,%.2f,%d\n", ct, math.Max(mins, 0), math.Max(price, 1), rng.IntN(2))
	}
	start := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -recDays)
	var events []lodestar.StoredEvent
	for d := range recDays {
		progress := float64(d) / float64(recDays-1)
		video := 0.6 * progress // the short-video share grows
		// Each day's predictions are right as often as the decay has it,
		// give or take two of its 150, so the monitor's first week reads
		// 0.80 and its last 0.64 (recAccuracy).
		wrong := rng.Perm(recPerDay)[:recPerDay-recRight(d)-2+rng.IntN(5)]
		for i := range recPerDay {
			ct, mins, price := launch(rng)
			if rng.Float64() < video {
				ct, mins = "short_video", 18+6*rng.NormFloat64()
			}
			label := rng.IntN(2)
			pred := label
			if slices.Contains(wrong, i) {
				pred = 1 - label
			}
			score := 0.2 + 0.6*float64(pred) + 0.15*(rng.Float64()-0.5)
			at := start.AddDate(0, 0, d).Add(time.Duration(i) * 24 * time.Hour / recPerDay)
			id := fmt.Sprintf("rec-%03d-%03d", d, i)
			body := fmt.Sprintf(`{"id":%q,"time":%q,"version":"3.1","features":{"content_type":%q,"session_minutes":%.2f,"price_viewed":%.2f},"prediction":%.3f,"latency_ms":%.1f}`,
				id, at.Format(time.RFC3339), ct, math.Max(mins, 0), math.Max(price, 1), score, 20+8*rng.ExpFloat64())
			events = append(events, lodestar.StoredEvent{ID: id, Time: at, Version: "3.1", Body: []byte(body), Label: []byte(fmt.Sprint(label))})
		}
	}
	n, err := svc.AppendEvents(l.ctx, m.ID, events)
	if err != nil {
		return err
	}
	l.n += n
	setNow(start.Add(-15 * time.Hour)) // the day before its first window
	mt, err := mon.CreateMonitor(l.ctx, lodestar.Monitor{ModelID: m.ID, Version: "3.1", Name: "Daily quality and drift · 每日质量与漂移",
		Window: lodestar.WindowDay, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset},
		Thresholds:   lodestar.MonitorThresholds{MinAccuracy: recMinAccuracy, MaxLatencyP95MS: 120, MinEvents: 100, Drift: true, DriftDistance: 0.2},
		RetrainAfter: 7, AlertAfter: 3, ResolveAfter: 7}, []byte(ref.String()), "recsys-3.1-training-sample.csv")
	if err != nil {
		return err
	}
	l.n++
	if err := l.watch(mon, mt.ID, start, now, setNow); err != nil {
		return err
	}
	if err := l.noteDecay(m, setNow); err != nil {
		return err
	}
	setNow(now)
	return nil
}

// watch evaluates a monitor as its loop would have, day by day from from
// to to, each a few minutes after the day closed: its windows, alerts and
// retraining task, and their audit entries, carry their own dates.
func (l *loader) watch(mon *monitoring.Service, id int64, from, to time.Time, setNow func(time.Time)) error {
	for day := from.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1); !day.After(to); day = day.AddDate(0, 0, 1) {
		at := day.Add(5 * time.Minute)
		setNow(at)
		if _, err := mon.Evaluate(l.ctx, id, at, time.Time{}); err != nil {
			return fmt.Errorf("demo: evaluating monitor %d to %s: %w", id, day.Format(time.DateOnly), err)
		}
	}
	return nil
}

// noteDecay has the AI lead add what the monitor found to the model
// card's limitations the day after the retraining task opened: the card
// keeps the launch evaluation (accuracy 0.80), the limitation says what
// became of it.
func (l *loader) noteDecay(m *lodestar.Model, setNow func(time.Time)) error {
	ml := lodestar.WithActor(l.ctx, lodestar.Actor{ID: l.users["ml"], Label: "ml.lead@demo.lodestar", Role: lodestar.RoleAITeam})
	tasks, err := l.svc.(monitoring.Store).ListRetrainingTasks(l.ctx, m.UseCaseID)
	if err != nil || len(tasks) == 0 {
		return fmt.Errorf("demo: the recommender's retraining task: %v", err)
	}
	vs, err := l.svc.ListModelVersions(l.ctx, m.ID)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if v.Version != "3.1" {
			continue
		}
		card := v.Card
		tk := tasks[0]
		day := tk.OpenedAt.Format(time.DateOnly)
		card.Limitations += fmt.Sprintf(" Monitoring, %s: as users move to short video the inputs have drifted (%.0f%% of features) and accuracy is down to %.2f from %.2f at launch; retraining task opened. "+
			"监控（%s）：随用户转向短视频，输入分布漂移（%.0f%% 的特征），准确率从上线时的 %.2f 降至 %.2f；已创建再训练任务。",
			day, 100*tk.Before["drift_share"], tk.Before["accuracy"], recLaunchAccuracy,
			day, 100*tk.Before["drift_share"], recLaunchAccuracy, tk.Before["accuracy"])
		setNow(tk.OpenedAt.Add(26 * time.Hour))
		if _, err := l.svc.UpdateModelCard(ml, v.ID, card); err != nil {
			return err
		}
		// And takes the drift alert on, saying what is done (accuracy
		// crosses its threshold only weeks later).
		open, err := l.svc.(monitoring.Store).ListAlerts(l.ctx, m.ID, true)
		if err != nil {
			return err
		}
		for _, a := range open {
			if a.Kind == "drift" && a.OpenedAt.Before(tk.OpenedAt) {
				_, err = l.svc.(monitoring.Store).AcknowledgeAlert(ml, a.ID,
					"Retraining on the last quarter's behaviour data, short-video sessions included; the drifted features are being rebuilt. 正在用最近一个季度（含短视频会话）的行为数据再训练，并重建发生漂移的特征。")
				return err
			}
		}
		return fmt.Errorf("demo: the recommender has no drift alert open before its retraining task")
	}
	return fmt.Errorf("demo: no recsys 3.1")
}

// Predictive-maintenance story figures: 1.0's alert accuracy on the
// equipment it was trained on, on newly installed equipment, and the
// share of events from new equipment when 2.0 replaces it.
const (
	pdmAccuracy    = 0.82
	pdmNewAccuracy = 0.55
	pdmMinAccuracy = 0.78
	pdmNewShare    = 0.25
	pdmPerDay      = 500
	pdmNewFrom     = 18 * 7 // days into the year new equipment is commissioned
)

// loadPdmMonitoring streams pdm 1.0's predictions from the day after it
// went live (live1) to the day 2.0 goes live (live2): new equipment is
// commissioned from week 18 and its share of the fleet grows; 1.0, never
// trained on it, misses its failures, so its inputs drift and its
// accuracy falls from 0.82. A daily monitor against 1.0's training
// sample raises the alerts — data quality first, once more than 5% of a
// day's events come from equipment the training data never had — and
// opens the retraining task that 2.0's going live closes.
func (l *loader) loadPdmMonitoring(m *lodestar.Model, live1, live2 time.Time, setNow func(time.Time)) error {
	svc, ok := l.svc.(monitoring.Store)
	if !ok {
		return fmt.Errorf("demo: the services cannot run monitors")
	}
	mon := &monitoring.Service{Store: svc}
	rng := rand.New(rand.NewPCG(2026, 8))
	var ref strings.Builder
	ref.WriteString("equipment,vibration_rms,bearing_temp_c,label\n")
	for range 3000 {
		eq, vib, temp := pdmOld(rng)
		fmt.Fprintf(&ref, "%s,%.2f,%.1f,%d\n", eq, math.Max(vib, 0), temp, rng.IntN(2))
	}
	first := live1.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	last := live2.UTC().Truncate(24 * time.Hour)
	yearStart := live1.UTC().Truncate(24*time.Hour).AddDate(0, 0, -7*9) // week 0 (1.0 goes live in week 9)
	var events []lodestar.StoredEvent
	for day := first; day.Before(last); day = day.AddDate(0, 0, 1) {
		d := int(day.Sub(yearStart).Hours() / 24)
		share := 0.0
		if d >= pdmNewFrom {
			share = pdmNewShare * math.Min(1, float64(d-pdmNewFrom)/float64(last.Sub(yearStart).Hours()/24-pdmNewFrom))
		}
		for i := range pdmPerDay {
			at := day.Add(time.Duration(i) * 24 * time.Hour / pdmPerDay)
			events = append(events, pdmEvent(rng, "1.0", fmt.Sprintf("pdm-%s-%03d", day.Format("0102"), i), at, share, pdmAccuracy, pdmNewAccuracy))
		}
	}
	n, err := svc.AppendEvents(l.ctx, m.ID, events)
	if err != nil {
		return err
	}
	l.n += n
	setNow(live1.Add(time.Hour))
	mt, err := mon.CreateMonitor(l.ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "Daily alert accuracy and drift · 每日预警准确率与漂移",
		Window: lodestar.WindowDay, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset},
		Thresholds:   lodestar.MonitorThresholds{MinAccuracy: pdmMinAccuracy, Drift: true, DriftDistance: 0.2, DataQuality: true},
		RetrainAfter: 7, AlertAfter: 3, ResolveAfter: 7}, []byte(ref.String()), "pdm-1.0-training-sample.csv")
	if err != nil {
		return err
	}
	l.n++
	return l.watch(mon, mt.ID, first.AddDate(0, 0, -1), last, setNow)
}

// pdmOld draws a reading of the equipment pdm 1.0 was trained on.
func pdmOld(r *rand.Rand) (equipment string, vibration, temperature float64) {
	existing := [...]string{"press", "conveyor", "furnace-fan"}
	return existing[r.IntN(len(existing))], 4 + r.NormFloat64(), 60 + 5*r.NormFloat64()
}

// pdmReading draws a reading: from new equipment (press-g2, hotter and
// shakier) with probability share, else from the old.
func pdmReading(rng *rand.Rand, share float64) (equipment string, vibration, temperature float64, isNew bool) {
	eq, vib, temp := pdmOld(rng)
	if rng.Float64() < share {
		return "press-g2", 10 + 1.5*rng.NormFloat64(), 90 + 5*rng.NormFloat64(), true
	}
	return eq, vib, temp, false
}

// pdmEvent draws one of the maintenance model's predictions at at, of a
// reading drawn by pdmReading: right with probability accOld on the old
// equipment and accNew on the new; its label is stored with it.
func pdmEvent(rng *rand.Rand, version, id string, at time.Time, share, accOld, accNew float64) lodestar.StoredEvent {
	eq, vib, temp, isNew := pdmReading(rng, share)
	acc := accOld
	if isNew {
		acc = accNew
	}
	label := rng.IntN(2)
	pred := label
	if rng.Float64() >= acc {
		pred = 1 - label
	}
	score := 0.2 + 0.6*float64(pred) + 0.15*(rng.Float64()-0.5)
	body := fmt.Sprintf(`{"id":%q,"time":%q,"version":%q,"features":{"equipment":%q,"vibration_rms":%.2f,"bearing_temp_c":%.1f},"prediction":%.3f,"latency_ms":%.1f}`,
		id, at.Format(time.RFC3339), version, eq, math.Max(vib, 0), temp, score, 8+3*rng.ExpFloat64())
	return lodestar.StoredEvent{ID: id, Time: at, Version: version, Body: []byte(body), Label: []byte(fmt.Sprint(label))}
}

// pdm 2.0's figures in production: its alert accuracy on all equipment
// (the model card's 0.95), its alert threshold, and its daily events.
const (
	pdm2Accuracy    = 0.95
	pdm2MinAccuracy = 0.90
	pdm2PerDay      = 200
)

// loadPdmLive streams pdm 2.0's predictions from the day after it went
// live (l.pdmLive) to now, a quarter of them from the new equipment it
// was retrained on, right 95% of the time on all of it; a daily monitor
// against 2.0's training sample (which has the new equipment) watches it
// with the same thresholds but a 0.90 accuracy floor, and finds nothing:
// the health page shows the retrained model healthy above the one it
// replaced.
func (l *loader) loadPdmLive(now time.Time, setNow func(time.Time)) error {
	if l.pdmLive.IsZero() {
		return fmt.Errorf("demo: pdm 2.0 has not gone live")
	}
	svc, mon, m, err := l.monitored("pdm")
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2026, 11))
	var ref strings.Builder
	ref.WriteString("equipment,vibration_rms,bearing_temp_c,label\n")
	for range 3000 {
		eq, vib, temp, _ := pdmReading(rng, pdmNewShare)
		fmt.Fprintf(&ref, "%s,%.2f,%.1f,%d\n", eq, math.Max(vib, 0), temp, rng.IntN(2))
	}
	first := l.pdmLive.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	last := now.UTC().Truncate(24 * time.Hour)
	var events []lodestar.StoredEvent
	for day := first; day.Before(last); day = day.AddDate(0, 0, 1) {
		for i := range pdm2PerDay {
			at := day.Add(time.Duration(i) * 24 * time.Hour / pdm2PerDay)
			events = append(events, pdmEvent(rng, "2.0", fmt.Sprintf("pdm2-%s-%03d", day.Format("0102"), i), at, pdmNewShare, pdm2Accuracy, pdm2Accuracy))
		}
	}
	n, err := svc.AppendEvents(l.ctx, m.ID, events)
	if err != nil {
		return err
	}
	l.n += n
	setNow(l.pdmLive.Add(time.Hour))
	mt, err := mon.CreateMonitor(l.ctx, lodestar.Monitor{ModelID: m.ID, Version: "2.0", Name: "Daily alert accuracy and drift · 每日预警准确率与漂移",
		Window: lodestar.WindowDay, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset},
		Thresholds:   lodestar.MonitorThresholds{MinAccuracy: pdm2MinAccuracy, Drift: true, DriftDistance: 0.2, DataQuality: true},
		RetrainAfter: 7, AlertAfter: 3, ResolveAfter: 7}, []byte(ref.String()), "pdm-2.0-training-sample.csv")
	if err != nil {
		return err
	}
	l.n++
	return l.watch(mon, mt.ID, first.AddDate(0, 0, -1), now, setNow)
}

// Credit story figures: the credit scorer's daily applications, and the
// weeks its monitor watched before the risk officer switched it off.
const (
	creditPerDay     = 400
	creditWatchWeeks = 4
)

// creditApplicant draws one applicant as creditDecisions does — the same
// age groups, default rates and thin-file score skew — so that the
// monitor's windows show what the fairness audit found: good customers
// under 30 flagged high-risk about three times as often as older ones.
func creditApplicant(rng *rand.Rand) (group string, bad bool, score, history float64) {
	young := rng.Float64() < 0.35
	group, defaultRate, thinFile := "30 and over", 0.10, 0.0
	history = 4 + 16*rng.Float64()
	if young {
		group, defaultRate, thinFile = "under 30", 0.12, 0.10
		history = 4 * rng.Float64()
	}
	bad = rng.Float64() < defaultRate
	if bad {
		score = 0.35 + 0.6*rng.Float64()
	} else {
		score = 0.10 + thinFile + 0.44*rng.Float64()
	}
	return group, bad, math.Round(score*1000) / 1000, math.Round(history*10) / 10
}

// loadCreditMonitoring gives the credit scorer 2.3 a daily monitor with
// age_group as its group attribute and fairness alerts (being flagged
// high-risk is the adverse outcome): for the four weeks before the switch
// its windows show under-30 applicants' impact ratio near the audit's,
// below the four-fifths line; a fairness alert opens in the first week,
// and the risk officer acknowledges it when she switches the model off.
func (l *loader) loadCreditMonitoring(week func(int) time.Time, setNow func(time.Time)) error {
	svc, mon, m, err := l.monitored("credit-risk")
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(2022, 50))
	var ref strings.Builder
	ref.WriteString("credit_history_years,age_group\n")
	for range 2000 {
		g, _, _, h := creditApplicant(rng)
		fmt.Fprintf(&ref, "%g,%s\n", h, g)
	}
	off := week(Weeks - 2)
	last := off.UTC().Truncate(24 * time.Hour)
	first := last.AddDate(0, 0, -7*creditWatchWeeks)
	var events []lodestar.StoredEvent
	for d := first; d.Before(last); d = d.AddDate(0, 0, 1) {
		for i := range creditPerDay {
			g, bad, score, h := creditApplicant(rng)
			at := d.Add(time.Duration(i) * 24 * time.Hour / creditPerDay)
			id := fmt.Sprintf("credit-%s-%03d", d.Format("0102"), i)
			label := 0
			if bad {
				label = 1
			}
			body := fmt.Sprintf(`{"id":%q,"time":%q,"version":"2.3","features":{"credit_history_years":%g},"prediction":%.3f,"label":%d,"latency_ms":%.1f,"groups":{"age_group":%q}}`,
				id, at.Format(time.RFC3339), h, score, label, 15+5*rng.ExpFloat64(), g)
			events = append(events, lodestar.StoredEvent{ID: id, Time: at, Version: "2.3", Body: []byte(body)})
		}
	}
	n, err := svc.AppendEvents(l.ctx, m.ID, events)
	if err != nil {
		return err
	}
	l.n += n
	setNow(first.Add(-15 * time.Hour))
	mt, err := mon.CreateMonitor(l.ctx, lodestar.Monitor{ModelID: m.ID, Version: "2.3", Name: "Daily fairness by age group · 按年龄组的每日公平性",
		Task: "binary", Groups: []string{"age_group"}, Window: lodestar.WindowDay, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset},
		Thresholds: lodestar.MonitorThresholds{Fairness: true, FairnessFavourable: "negative"}, AlertAfter: 3, ResolveAfter: 3},
		[]byte(ref.String()), "credit-2.3-applicants-sample.csv")
	if err != nil {
		return err
	}
	l.n++
	if err := l.watch(mon, mt.ID, first, last, setNow); err != nil {
		return err
	}
	// The risk officer takes the fairness alert on as she switches the
	// model off: it stays open (the model is not retrained yet), but it
	// is no longer one nobody has answered.
	open, err := svc.ListAlerts(l.ctx, m.ID, true)
	if err != nil {
		return err
	}
	risk := lodestar.WithActor(l.ctx, lodestar.Actor{ID: l.users["risk"], Label: "risk@demo.lodestar", Role: lodestar.RoleRiskOfficer, Via: lodestar.ViaWeb})
	setNow(off.Add(time.Minute))
	for _, a := range open {
		if a.Kind != "fairness" {
			continue
		}
		_, err := svc.AcknowledgeAlert(risk, a.ID, "Model switched off until it is retrained on data with young applicants; the fairness audit is on version 2.3. "+
			"模型已关闭，待用包含年轻申请人的数据重新训练后再启用；公平性审计见 2.3 版本。")
		return err
	}
	return fmt.Errorf("demo: the credit scorer has no open fairness alert")
}
