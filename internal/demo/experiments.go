package demo

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// demoExperiment is one of the recommender's A/B experiments and how its
// data is made: units per variant, conversion rates, latency and order
// value.
type demoExperiment struct {
	key, name, hypothesis, treatment, reason string
	units                                    [2]int     // control, treatment
	conversion                               [2]float64 // rate per variant: 3.1's is the conversion KPI's of late
	// latency is the median ms per variant: 3.1's is what its monitor
	// sees in production (p50 about 26 ms, p95 about 44 ms).
	latency [2]float64
	seed    uint64
}

// demoExperiments are the source's e-commerce story told as experiments:
// the recommender that once lifted conversion 15% is retrained on
// short-video behaviour and wins its A/B test (ship); a second test's
// split is broken by lost events, and the sample-ratio check says so.
var demoExperiments = []demoExperiment{
	{key: "recsys-4-short-video", name: "Recommender 4.0, retrained on short-video behaviour · 推荐模型 4.0（短视频行为再训练）",
		hypothesis: "Retraining on short-video viewing restores the conversion the recommender lost in six months. " +
			"用短视频观看行为再训练，可以挽回推荐系统半年来损失的转化率。",
		treatment: "4.0", reason: "Design reviewed by the AI lead; 50/50 split · AI 负责人已审核设计；五五分流",
		units: [2]int{60000, 60000}, conversion: [2]float64{0.0337, 0.0385}, latency: [2]float64{28, 29}, seed: 41},
	{key: "recsys-video-feed", name: "Short-video feed ranking · 短视频信息流排序",
		hypothesis: "Ranking the home feed with video signals raises conversion. 用视频信号对首页信息流排序可提升转化率。",
		treatment:  "4.1", reason: "Started with a 50/50 split · 按五五分流启动",
		// The treatment's client drops events on slow networks: fewer
		// treatment units arrive than the split sends.
		units: [2]int{50000, 47800}, conversion: [2]float64{0.0337, 0.035}, latency: [2]float64{28, 30}, seed: 42},
}

// loadExperiments registers the recommender's new versions and runs its
// experiments, their data made by a seeded generator so the demo is the
// same every time.
func (l *loader) loadExperiments(week func(int) time.Time, setNow func(time.Time)) error {
	ml := lodestar.WithActor(l.ctx, lodestar.Actor{ID: l.users["ml"], Label: "ml.lead@demo.lodestar", Role: lodestar.RoleAITeam})
	ms, err := l.svc.ListModels(ml, l.useCases["E-commerce recommender"])
	if err != nil || len(ms) != 1 {
		return fmt.Errorf("experiments: the recommender's model: %v", err)
	}
	vs, err := l.svc.ListModelVersions(ml, ms[0].ID)
	if err != nil || len(vs) == 0 {
		return fmt.Errorf("experiments: the recommender's versions: %v", err)
	}
	control := vs[0].ID // 3.1, in production
	for i, de := range demoExperiments {
		setNow(week(Weeks - 8 + i))
		v, err := l.svc.CreateModelVersion(ml, ms[0].ID, lodestar.ModelVersion{Version: de.treatment, Card: lodestar.ModelCard{
			IntendedUse:  "Rank products on the home feed. 首页商品排序。",
			TrainingData: "Clicks, orders and short-video viewing of the last six months. 近六个月的点击、订单与短视频观看数据。"},
			Provenance: demoProvenance("recsys", de.treatment, "model.xgb", "c4e6a8b0d2f4e6a8c0b2d4f6a8e0c2b4d6f8a0c2")})
		if err != nil {
			return fmt.Errorf("recsys %s: %w", de.treatment, err)
		}
		if _, err := l.svc.SetModelVersionStatus(ml, v.ID, lodestar.ModelStaging, "Offline evaluation passed; ready for an A/B test · 离线评估通过，进入 A/B 测试"); err != nil {
			return err
		}
		e, err := l.svc.CreateExperiment(ml, lodestar.Experiment{UseCaseID: l.useCases["E-commerce recommender"], Key: de.key, Name: de.name,
			Hypothesis: de.hypothesis, ControlVersionID: control, TreatmentVersionID: v.ID, MinSample: 20000, TreatmentShare: 0.5,
			Primary: lodestar.ExperimentMetric{Name: "conversion", Kind: lodestar.MetricProportion, Direction: lodestar.DirectionUp},
			Guardrails: []lodestar.ExperimentMetric{
				{Name: "latency_ms", Kind: lodestar.MetricMean, Direction: lodestar.DirectionDown, MaxDegradation: 0.1},
				{Name: "revenue_per_user", Kind: lodestar.MetricMean, Direction: lodestar.DirectionUp, MaxDegradation: 0.05}}})
		if err != nil {
			return fmt.Errorf("experiment %s: %w", de.key, err)
		}
		setNow(week(Weeks - 7 + i))
		if _, err := l.svc.SetExperimentStatus(ml, e.ID, lodestar.ExperimentRunning, de.reason); err != nil {
			return err
		}
		setNow(week(Weeks - 1))
		if _, err := l.svc.IngestObservations(ml, e.ID, de.observations(), true); err != nil {
			return fmt.Errorf("experiment %s data: %w", de.key, err)
		}
		l.n += 3
	}
	return nil
}

// observations generates the experiment's units: conversion, latency and
// revenue per unit, variant by variant. Units carry no ID, so each counts
// (the generator makes each unit once).
func (de demoExperiment) observations() lodestar.ObservationSource {
	rng := rand.New(rand.NewPCG(2025, de.seed))
	variants := [2]string{lodestar.VariantControl, lodestar.VariantTreatment}
	arm, i := 0, 0
	return func() (*lodestar.ExperimentObservation, error) {
		for arm < 2 && i >= de.units[arm] {
			arm, i = arm+1, 0
		}
		if arm == 2 {
			return nil, io.EOF
		}
		i++
		converted, revenue := 0.0, 0.0
		if rng.Float64() < de.conversion[arm] {
			converted = 1
			revenue = math.Round(150*math.Exp(0.3*rng.NormFloat64())*100) / 100 // order value, lognormal around ¥150
		}
		latency := math.Round(de.latency[arm]*math.Exp(0.25*rng.NormFloat64())*10) / 10
		return &lodestar.ExperimentObservation{Variant: variants[arm],
			Metrics: map[string]float64{"conversion": converted, "latency_ms": latency, "revenue_per_user": revenue}}, nil
	}
}
